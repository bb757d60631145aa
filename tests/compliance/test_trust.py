"""Trusted-chain evaluation (DESIGN §6 and §10 "Trust"): one focused case per rule, the bundled reference
data on real pairs (Taiwan, Korea, the US, ASEAN), and properties that hold for any registry.

Pure functions: no database. Synthetic cases use economy codes as authority identifiers, as the
reference data does.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.compliance.reference_data import TERRITORIES, load_reference_data
from apps.compliance.trust import (
    Certificate,
    CertificateIndex,
    ChainStatus,
    ChainVerdict,
    Mra,
    MraIndex,
    MraStatus,
    Outcome,
    Party,
    Role,
    canonical_type,
    chain_evaluate,
    mra_in_force,
    recognises,
)

LONG = ((date(2008, 1, 1), date(2030, 12, 31)),)
HISTORY = ((date(2008, 1, 1), "valid", "granted"),)


def cert(
    number: str = "C1",
    *,
    holder: str = "acme",
    authority: str = "KR",
    cert_type: str = "AA",
    periods: tuple[tuple[date, date | None], ...] = ((date(2020, 1, 1), date(2024, 12, 31)),),
    history: tuple[tuple[date, str, str], ...] = ((date(2020, 1, 1), "valid", "granted"),),
) -> Certificate:
    return Certificate(
        number=number,
        holder=holder,
        authority=authority,
        authority_country=authority,
        type=cert_type,
        status_history=history,
        validity_periods=periods,
    )


def long_cert(authority: str, cert_type: str) -> Certificate:
    return cert(f"{authority}-{cert_type}", authority=authority, cert_type=cert_type, periods=LONG, history=HISTORY)


def bilateral(a: str = "KR", b: str = "TW", **fields: object) -> Mra:
    defaults: dict[str, object] = {"signed_on": date(2015, 12, 22), "in_force_from": date(2016, 10, 1)}
    defaults.update(fields)
    return Mra(key=f"{a}-{b}", name=f"{a}-{b} AEO MRA", parties=(a, b), **defaults)  # type: ignore[arg-type]


def judge(
    certificates: list[Certificate],
    mras: list[Mra],
    deciding: str,
    as_of: date,
    *,
    holder: str = "acme",
    territories: dict[str, str] | None = None,
) -> ChainVerdict:
    """Evaluate a chain whose only commercial party is ``holder`` (as consignor)."""
    return chain_evaluate(
        parties=[Party(holder, Role.CONSIGNOR)],
        certificates=certificates,
        mras=mras,
        deciding_authority=deciding,
        as_of=as_of,
        territories=territories,
    )


def outcome(certificates: list[Certificate], mras: list[Mra], deciding: str, as_of: date, **kw: object) -> Outcome:
    return judge(certificates, mras, deciding, as_of, **kw).parties[0].outcome  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- validity


def test_valid_from_is_inclusive_and_the_day_before_holds_no_certificate() -> None:
    c = cert()
    assert outcome([c], [], "KR", date(2020, 1, 1)) == Outcome.TRUSTED_OWN_AEO
    verdict = judge([c], [], "KR", date(2019, 12, 31)).parties[0]
    assert verdict.outcome == Outcome.NO_CERTIFICATE
    assert "not valid yet on 2019-12-31" in verdict.reason


def test_valid_until_is_inclusive_and_the_day_after_is_expired_with_the_period_that_ended() -> None:
    c = cert()
    assert outcome([c], [], "KR", date(2024, 12, 31)) == Outcome.TRUSTED_OWN_AEO
    verdict = judge([c], [], "KR", date(2025, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.EXPIRED
    assert verdict.validity == (date(2020, 1, 1), date(2024, 12, 31))
    assert "expired on 2024-12-31" in verdict.reason


def test_a_renewal_is_a_new_period_and_the_gap_between_periods_is_expired() -> None:
    c = cert(periods=((date(2020, 1, 1), date(2022, 12, 31)), (date(2023, 2, 1), date(2025, 12, 31))))
    assert outcome([c], [], "KR", date(2023, 1, 15)) == Outcome.EXPIRED
    verdict = judge([c], [], "KR", date(2023, 2, 1)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_OWN_AEO
    assert verdict.validity == (date(2023, 2, 1), date(2025, 12, 31))


def test_an_open_ended_period_stays_valid() -> None:
    assert outcome([cert(periods=((date(2020, 1, 1), None),))], [], "KR", date(2040, 1, 1)) == Outcome.TRUSTED_OWN_AEO


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        (((date(2020, 1, 1), date(2022, 12, 31)), (date(2022, 12, 31), date(2024, 1, 1))), "overlap"),
        (((date(2020, 1, 1), None), (date(2030, 1, 1), None)), "overlap"),
        (((date(2020, 1, 1), date(2019, 1, 1)),), "before it starts"),
        ((), "at least one validity period"),
    ],
)
def test_bad_validity_periods_are_rejected(periods: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cert(periods=periods)


def test_an_unknown_certificate_status_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown status 'dormant'"):
        cert(history=((date(2020, 1, 1), "dormant", ""),))


def test_a_certificate_number_is_unique_per_authority_only() -> None:
    CertificateIndex([cert("N1", authority="KR"), cert("N1", authority="TW")])
    with pytest.raises(ValueError, match="N1 appears twice for authority KR"):
        CertificateIndex([cert("N1", authority="KR"), cert("N1", authority="KR", holder="other")])


# ---------------------------------------------------------------------------------------------- status


def test_a_suspension_counts_from_its_own_date_and_a_reinstatement_from_its_own() -> None:
    c = cert(
        history=(
            (date(2020, 1, 1), "valid", "granted"),
            (date(2022, 3, 10), "suspended", "seal breach under review"),
            (date(2022, 6, 1), "valid", "review closed"),
        )
    )
    assert outcome([c], [], "KR", date(2022, 3, 9)) == Outcome.TRUSTED_OWN_AEO
    verdict = judge([c], [], "KR", date(2022, 3, 10)).parties[0]
    assert verdict.outcome == Outcome.SUSPENDED_OR_REVOKED
    assert verdict.status_change == (date(2022, 3, 10), "suspended", "seal breach under review")
    assert "suspended on 2022-03-10: seal breach under review" in verdict.reason
    assert outcome([c], [], "KR", date(2022, 5, 31)) == Outcome.SUSPENDED_OR_REVOKED
    assert outcome([c], [], "KR", date(2022, 6, 1)) == Outcome.TRUSTED_OWN_AEO


def test_a_revocation_is_suspended_or_revoked() -> None:
    c = cert(history=((date(2020, 1, 1), "valid", ""), (date(2021, 1, 1), "revoked", "fraud")))
    assert outcome([c], [], "KR", date(2021, 1, 1)) == Outcome.SUSPENDED_OR_REVOKED


def test_a_status_of_expired_within_the_period_is_expired() -> None:
    c = cert(history=((date(2020, 1, 1), "valid", ""), (date(2023, 1, 1), "expired", "not renewed after review")))
    assert outcome([c], [], "KR", date(2023, 1, 1)) == Outcome.EXPIRED


def test_history_entries_are_read_in_date_order_whatever_order_they_are_given() -> None:
    c = cert(history=((date(2021, 1, 1), "revoked", ""), (date(2020, 1, 1), "valid", "")))
    assert outcome([c], [], "KR", date(2020, 6, 1)) == Outcome.TRUSTED_OWN_AEO
    assert outcome([c], [], "KR", date(2021, 6, 1)) == Outcome.SUSPENDED_OR_REVOKED


def test_validity_is_judged_before_status() -> None:
    c = cert(history=((date(2020, 1, 1), "valid", ""), (date(2024, 6, 1), "revoked", "")))
    assert outcome([c], [], "KR", date(2025, 3, 1)) == Outcome.EXPIRED


def test_status_is_judged_before_recognition() -> None:
    c = cert(authority="BR", history=((date(2020, 1, 1), "valid", ""), (date(2021, 1, 1), "suspended", "")))
    assert outcome([c], [], "KR", date(2022, 1, 1)) == Outcome.SUSPENDED_OR_REVOKED


def test_a_past_verdict_does_not_change_when_later_history_is_added() -> None:
    before = cert()
    after = cert(history=(*before.status_history, (date(2023, 5, 1), "revoked", "later finding")))
    as_of = date(2022, 1, 1)
    assert judge([before], [], "KR", as_of).to_dict() == judge([after], [], "KR", as_of).to_dict()


# ---------------------------------------------------------------------------------------------- own AEO


@pytest.mark.parametrize("tier", ["A", "AA", "AAA", "a tier no MRA lists"])
def test_an_own_aeo_of_any_tier_is_trusted(tier: str) -> None:
    mra = bilateral(recognised_types={"KR": frozenset({"AAA"})})
    verdict = judge([cert(cert_type=tier)], [mra], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_OWN_AEO
    assert verdict.mra is None
    assert verdict.reason.startswith("own AEO of KR")


def test_an_own_aeo_wins_over_a_recognised_foreign_one() -> None:
    own, foreign = cert("KR-1"), cert("TW-1", authority="TW", cert_type="AEOS")
    verdict = judge([foreign, own], [bilateral()], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_OWN_AEO
    assert verdict.certificate == own


def test_an_own_suspension_prevails_over_a_recognised_foreign_certificate() -> None:
    own = cert("KR-1", history=((date(2020, 1, 1), "valid", ""), (date(2020, 6, 1), "suspended", "audit")))
    foreign = cert("TW-1", authority="TW", cert_type="AEOS")
    verdict = judge([own, foreign], [bilateral()], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.SUSPENDED_OR_REVOKED
    assert verdict.certificate == own
    assert "own suspension or revocation prevails" in verdict.reason


def test_an_expired_own_certificate_leaves_the_decision_to_a_recognised_foreign_one() -> None:
    own = cert("KR-1", periods=((date(2015, 1, 1), date(2019, 12, 31)),), history=())
    foreign = cert("TW-1", authority="TW", cert_type="AEOS")
    verdict = judge([own, foreign], [bilateral()], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_MRA
    assert verdict.certificate == foreign


def test_a_certificate_without_status_history_is_valid_within_its_period() -> None:
    assert outcome([cert(history=())], [], "KR", date(2021, 1, 1)) == Outcome.TRUSTED_OWN_AEO


def test_territories_make_a_member_state_certificate_the_unions_own() -> None:
    german = cert("DE AEOF 00025/08", authority="DE", cert_type="AEOF")
    verdict = judge([german], [], "FR", date(2021, 1, 1), territories=dict(TERRITORIES)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_OWN_AEO
    assert "(territory EU)" in verdict.reason
    assert outcome([german], [], "FR", date(2021, 1, 1)) == Outcome.NOT_RECOGNISED


# ---------------------------------------------------------------------------------------------- MRAs


def test_a_foreign_aeo_without_any_mra_is_not_recognised() -> None:
    verdict = judge([cert(authority="BR")], [bilateral()], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.NOT_RECOGNISED
    assert "no MRA between KR and BR" in verdict.reason


def test_an_mra_is_mutual_by_default() -> None:
    mra = bilateral()
    assert outcome([cert(authority="TW", cert_type="AEOS")], [mra], "KR", date(2021, 1, 1)) == Outcome.TRUSTED_MRA
    assert outcome([cert(authority="KR")], [mra], "TW", date(2021, 1, 1)) == Outcome.TRUSTED_MRA


def test_a_one_directional_mra_is_recognised_only_by_its_recognisers() -> None:
    mra = bilateral(
        "JP", "US", mutual=False, recognisers=frozenset({"US"}), direction_note="US imports only at the time"
    )
    assert outcome([cert(authority="JP")], [mra], "US", date(2021, 1, 1)) == Outcome.TRUSTED_MRA
    verdict = judge([cert(authority="US")], [mra], "JP", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.NOT_RECOGNISED
    assert "one-directional: only US recognises" in verdict.reason
    assert "US imports only at the time" in verdict.reason


def test_a_one_directional_mra_must_name_its_recognisers_among_its_parties() -> None:
    with pytest.raises(ValueError, match="one-directional"):
        bilateral(mutual=False)
    with pytest.raises(ValueError, match="one-directional"):
        bilateral(mutual=False, recognisers=frozenset({"US"}))


def test_an_mra_covers_only_the_types_listed_for_the_foreign_side() -> None:
    mra = bilateral(recognised_types={"TW": frozenset({"AEOS"})})
    assert outcome([cert(authority="TW", cert_type="AEOS")], [mra], "KR", date(2021, 1, 1)) == Outcome.TRUSTED_MRA
    verdict = judge([cert(authority="TW", cert_type="AEOG")], [mra], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.NOT_RECOGNISED
    assert "covers only AEOS AEOs of TW, not type AEOG" in verdict.reason


def test_an_mra_with_no_types_listed_for_a_side_covers_all_its_types() -> None:
    mra = bilateral(recognised_types={"TW": frozenset({"AEOS"})})
    for tier in ("A", "AA", "AAA", "anything"):
        assert outcome([cert(authority="KR", cert_type=tier)], [mra], "TW", date(2021, 1, 1)) == Outcome.TRUSTED_MRA


def test_none_for_a_side_also_means_all_types() -> None:
    mra = bilateral(recognised_types={"TW": None})
    assert outcome([cert(authority="TW", cert_type="AEOG")], [mra], "KR", date(2021, 1, 1)) == Outcome.TRUSTED_MRA


@pytest.mark.parametrize("cert_type", ["AEOS", "aeos", " AEOS ", "Security and Safety", "security  and safety"])
def test_type_names_match_case_insensitively_and_through_the_wco_names(cert_type: str) -> None:
    mra = bilateral(recognised_types={"TW": frozenset({"AEOS"})})
    assert outcome([cert(authority="TW", cert_type=cert_type)], [mra], "KR", date(2021, 1, 1)) == Outcome.TRUSTED_MRA
    assert canonical_type("Full") == canonical_type("AEOF")


def test_mra_in_force_dates_are_inclusive() -> None:
    mra = bilateral(in_force_until=date(2030, 6, 30))
    assert mra_in_force(mra, date(2016, 9, 30))[0] is False
    assert mra_in_force(mra, date(2016, 10, 1)) == (
        True,
        "KR-TW AEO MRA is in force on 2016-10-01: in force from 2016-10-01",
    )
    assert mra_in_force(mra, date(2030, 6, 30))[0] is True
    in_force, reason = mra_in_force(mra, date(2030, 7, 1))
    assert in_force is False
    assert "ended on 2030-06-30" in reason


def test_an_unknown_in_force_date_is_assumed_from_signing_and_says_so() -> None:
    mra = bilateral(in_force_from=None, status=MraStatus.SIGNED)
    in_force, reason = mra_in_force(mra, date(2015, 12, 22))
    assert in_force is True
    assert "assumed in force from signing on 2015-12-22" in reason
    assert mra_in_force(mra, date(2015, 12, 21))[0] is False
    verdict = judge([long_cert("TW", "AEOS")], [mra], "KR", date(2016, 1, 1), holder="acme").parties[0]
    assert verdict.outcome == Outcome.TRUSTED_MRA
    assert verdict.recognition is not None
    assert verdict.recognition.assumed_from_signing is True
    assert "assumed in force from signing" in verdict.reason


def test_a_month_only_signing_date_counts_from_the_last_day_of_that_month() -> None:
    mra = bilateral("AU", "CA", signed_on=date(2017, 7, 31), signed_precision="month", in_force_from=None)
    assert mra_in_force(mra, date(2017, 7, 30))[0] is False
    in_force, reason = mra_in_force(mra, date(2017, 7, 31))
    assert in_force is True
    assert "assumed in force from signing on 2017-07 (month only, taken as 2017-07-31)" in reason


def test_an_mra_with_neither_signing_nor_in_force_date_is_not_in_force() -> None:
    mra = bilateral(signed_on=None, in_force_from=None, status=MraStatus.IN_FORCE)
    in_force, reason = mra_in_force(mra, date(2025, 1, 1))
    assert in_force is False
    assert "neither a signing nor an in-force date is known" in reason
    assert outcome([long_cert("TW", "AEOS")], [mra], "KR", date(2025, 1, 1)) == Outcome.NOT_RECOGNISED


def test_an_mra_signed_not_yet_implemented_is_not_in_force_whatever_its_dates() -> None:
    mra = bilateral(status=MraStatus.NOT_YET_IMPLEMENTED)
    in_force, reason = mra_in_force(mra, date(2030, 1, 1))
    assert in_force is False
    assert "signed, not yet implemented" in reason
    assert outcome([long_cert("TW", "AEOS")], [mra], "KR", date(2030, 1, 1)) == Outcome.NOT_RECOGNISED


def test_an_mra_marked_ended_without_an_end_date_is_not_in_force() -> None:
    assert mra_in_force(bilateral(status=MraStatus.ENDED), date(2020, 1, 1))[0] is False
    ended = bilateral(status=MraStatus.ENDED, in_force_until=date(2020, 12, 31))
    assert mra_in_force(ended, date(2020, 12, 31))[0] is True
    assert mra_in_force(ended, date(2021, 1, 1))[0] is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"parties": ("KR",)}, "at least two distinct parties"),
        ({"parties": ("KR", "KR")}, "at least two distinct parties"),
        ({"recognised_types": {"US": None}}, "non-parties"),
        ({"status": "paused"}, "unknown status 'paused'"),
        ({"in_force_until": date(2016, 1, 1)}, "until 2016-01-01 before from"),
        ({"signed_precision": "week"}, "precision"),
    ],
)
def test_bad_mras_are_rejected(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(bilateral(), **fields)


def test_recognises_refuses_authorities_outside_the_mra_and_own_aeos() -> None:
    mra = bilateral()
    args = {"cert_type": "AEOS", "as_of": date(2021, 1, 1)}
    assert recognises(mra, deciding_authority="KR", foreign_authority="TW", **args).recognised is True
    outsider = recognises(mra, deciding_authority="US", foreign_authority="TW", **args)
    assert (outsider.recognised, outsider.reason) == (False, "US is not a party to KR-TW AEO MRA")
    assert recognises(mra, deciding_authority="KR", foreign_authority="KR", **args).recognised is False


def test_with_several_mras_a_known_in_force_date_is_preferred_over_one_assumed_from_signing() -> None:
    assumed = Mra(key="A", name="A", parties=("KR", "TW"), signed_on=date(2010, 1, 1))
    known = Mra(key="B", name="B", parties=("KR", "TW"), in_force_from=date(2016, 10, 1))
    verdict = judge([cert(authority="TW")], [assumed, known], "KR", date(2021, 1, 1)).parties[0]
    assert verdict.mra == known
    assert outcome([long_cert("TW", "AEOS")], [assumed, known], "KR", date(2012, 1, 1)) == Outcome.TRUSTED_MRA


# ---------------------------------------------------------------------------------------------- plurilateral


def aamra_like() -> Mra:
    return Mra(
        key="AAMRA",
        name="ASEAN AEO MRA (AAMRA)",
        parties=("BN", "MY", "TH", "VN", "PH"),
        signed_on=date(2023, 9, 19),
        recognised_types={"PH": frozenset({"Level 2"})},
        implementation_dates={
            "BN": date(2024, 8, 1),
            "MY": date(2024, 8, 1),
            "TH": date(2024, 8, 19),
            "VN": None,
            "PH": date(2025, 2, 28),
        },
    )


def test_a_plurilateral_pair_is_covered_from_the_later_of_its_members_dates() -> None:
    mra = aamra_like()
    args = {"deciding_authority": "TH", "foreign_authority": "BN", "cert_type": "AEO"}
    assert recognises(mra, as_of=date(2024, 8, 18), **args).recognised is False
    granted = recognises(mra, as_of=date(2024, 8, 19), **args)
    assert granted.recognised is True
    assert granted.covered_from == date(2024, 8, 19)
    assert "covers TH-BN from 2024-08-19, the later of the two implementation dates" in granted.reason
    same_day = recognises(mra, deciding_authority="BN", foreign_authority="MY", cert_type="AEO", as_of=date(2024, 8, 1))
    assert same_day.recognised is True
    assert (
        recognises(
            mra, deciding_authority="BN", foreign_authority="MY", cert_type="AEO", as_of=date(2024, 7, 31)
        ).recognised
        is False
    )


def test_a_plurilateral_member_without_an_implementation_date_has_not_implemented() -> None:
    mra = aamra_like()
    refused = recognises(mra, deciding_authority="TH", foreign_authority="VN", cert_type="AEO", as_of=date(2030, 1, 1))
    assert refused.recognised is False
    assert "VN has not implemented it" in refused.reason
    # The arrangement's own signing date does not stand in for a member's implementation.
    assert refused.assumed_from_signing is False


def test_a_plurilateral_arrangement_is_in_force_once_two_members_have_implemented_it() -> None:
    mra = aamra_like()
    assert mra_in_force(mra, date(2024, 7, 31))[0] is False
    in_force, reason = mra_in_force(mra, date(2024, 8, 1))
    assert in_force is True
    assert "BN from 2024-08-01, MY from 2024-08-01" in reason


def test_plurilateral_types_apply_per_member() -> None:
    mra = aamra_like()
    as_of = date(2025, 3, 1)
    assert recognises(mra, deciding_authority="TH", foreign_authority="PH", cert_type="Level 2", as_of=as_of).recognised
    assert not recognises(
        mra, deciding_authority="TH", foreign_authority="PH", cert_type="Level 1", as_of=as_of
    ).recognised


# ---------------------------------------------------------------------------------------------- chain


def test_customs_authorities_and_notify_parties_are_never_judged() -> None:
    parties = [
        Party("acme", Role.CONSIGNOR),
        Party("kcs", Role.CUSTOMS_AUTHORITY),
        Party("kcs", Role.STEP_RECORDER),
        Party("bank", Role.NOTIFY_PARTY),
        Party("KR", Role.STEP_RECORDER),
    ]
    verdict = chain_evaluate(
        parties=parties, certificates=[cert()], mras=[], deciding_authority="KR", as_of=date(2021, 1, 1)
    )
    assert [p.partner for p in verdict.parties] == ["acme"]
    assert {p.partner for p in verdict.not_judged} == {"kcs", "bank", "KR"}
    assert verdict.verdict == ChainStatus.FULLY_TRUSTED


def test_a_partner_in_several_roles_is_judged_once_with_all_its_roles() -> None:
    parties = [Party("acme", Role.CONSIGNOR), Party("acme", Role.STEP_RECORDER), Party("bank", Role.NOTIFY_PARTY)]
    parties.append(Party("bank", Role.CONSIGNEE))
    verdict = chain_evaluate(
        parties=parties, certificates=[cert()], mras=[], deciding_authority="KR", as_of=date(2021, 1, 1)
    )
    assert [(p.partner, p.roles) for p in verdict.parties] == [
        ("acme", ("consignor", "step_recorder")),
        ("bank", ("notify_party", "consignee")),
    ]


def test_an_unknown_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown role 'shipper'"):
        Party("acme", "shipper")


def test_chain_verdicts_and_the_share_trusted() -> None:
    certificates = [
        cert("K1", holder="shipper"),
        cert("T1", holder="carrier", authority="TW", cert_type="AEOS"),
        cert("K2", holder="consignee", periods=((date(2015, 1, 1), date(2019, 1, 1)),)),
    ]
    mras = [bilateral()]
    parties = [
        Party("shipper", Role.CONSIGNOR),
        Party("carrier", Role.CARRIER),
        Party("consignee", Role.CONSIGNEE),
        Party("broker", Role.CUSTOMS_BROKER),
    ]

    def run(chosen: list[Party]) -> ChainVerdict:
        return chain_evaluate(
            parties=chosen, certificates=certificates, mras=mras, deciding_authority="KR", as_of=date(2021, 1, 1)
        )

    whole = run(parties)
    assert whole.verdict == ChainStatus.PARTIALLY_TRUSTED
    assert (whole.trusted_count, whole.judged_count, whole.share_trusted) == (2, 4, 0.5)
    assert [whole.party(p).outcome for p in ("shipper", "carrier", "consignee", "broker")] == [
        Outcome.TRUSTED_OWN_AEO,
        Outcome.TRUSTED_MRA,
        Outcome.EXPIRED,
        Outcome.NO_CERTIFICATE,
    ]
    assert whole.party("broker").reason == "broker holds no AEO certificate on record"
    assert run(parties[:2]).verdict == ChainStatus.FULLY_TRUSTED
    assert run(parties[2:]).verdict == ChainStatus.NOT_TRUSTED
    with pytest.raises(KeyError):
        whole.party("nobody")


def test_a_chain_with_no_one_to_judge_is_not_trusted() -> None:
    verdict = chain_evaluate(
        parties=[Party("kcs", Role.CUSTOMS_AUTHORITY)],
        certificates=[],
        mras=[],
        deciding_authority="KR",
        as_of=date(2021, 1, 1),
    )
    assert (verdict.verdict, verdict.judged_count, verdict.share_trusted) == (ChainStatus.NOT_TRUSTED, 0, 0.0)


def test_the_verdict_snapshot_is_json_and_keeps_the_certificate_mra_and_dates() -> None:
    mra = bilateral(in_force_from=None)
    verdict = judge([cert("T1", authority="TW", cert_type="AEOS")], [mra], "KR", date(2021, 1, 1))
    snapshot = json.loads(json.dumps(verdict.to_dict()))
    party = snapshot["parties"][0]
    assert snapshot["verdict"] == "fully_trusted"
    assert party["certificate"] == {"number": "T1", "authority": "TW", "type": "AEOS", "holder": "acme"}
    assert (party["valid_from"], party["valid_until"]) == ("2020-01-01", "2024-12-31")
    assert party["status"] == {"status": "valid", "on": "2020-01-01", "reason": "granted"}
    assert party["mra"] == {
        "key": "KR-TW",
        "name": "KR-TW AEO MRA",
        "covered_from": "2015-12-22",
        "covered_until": None,
        "assumed_from_signing": True,
    }


def test_indexes_built_once_give_the_same_verdict_as_plain_lists() -> None:
    certificates = [cert("T1", authority="TW", cert_type="AEOS"), cert("K1", holder="other")]
    mras = [bilateral()]
    plain = judge(certificates, mras, "KR", date(2021, 1, 1))
    indexed = chain_evaluate(
        parties=[Party("acme", Role.CONSIGNOR)],
        certificates=CertificateIndex(certificates),
        mras=MraIndex(mras),
        deciding_authority="KR",
        as_of=date(2021, 1, 1),
    )
    assert plain == indexed
    with pytest.raises(ValueError, match="MRA key KR-TW appears twice"):
        MraIndex([bilateral(), bilateral()])


# ---------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real() -> MraIndex:
    return load_reference_data().mra_index()


def on(real: MraIndex, certificate: Certificate, deciding: str, as_of: date) -> ChainVerdict:
    return chain_evaluate(
        parties=[Party(certificate.holder, Role.CONSIGNOR)],
        certificates=[certificate],
        mras=real,
        deciding_authority=deciding,
        as_of=as_of,
        territories=TERRITORIES,
    )


def test_real_kr_tw_in_force_from_2016_10_01_for_taiwan_aeos_only(real: MraIndex) -> None:
    taiwan_aeos = long_cert("TW", "AEOS")
    before = on(real, taiwan_aeos, "KR", date(2016, 9, 30)).parties[0]
    assert before.outcome == Outcome.NOT_RECOGNISED
    assert "KR-TW AEO MRA is not in force on 2016-09-30: in force from 2016-10-01" in before.reason
    verdict = on(real, taiwan_aeos, "KR", date(2016, 10, 1)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_MRA
    assert verdict.recognition is not None
    assert (verdict.mra.key, verdict.recognition.covered_from) == ("KR-TW", date(2016, 10, 1))  # type: ignore[union-attr]
    general = on(real, long_cert("TW", "AEOG"), "KR", date(2020, 1, 1)).parties[0]
    assert general.outcome == Outcome.NOT_RECOGNISED
    assert "covers only AEOS AEOs of TW, not type AEOG" in general.reason
    # Korea's side lists no class, so Taiwan recognises every Korean tier.
    assert on(real, long_cert("KR", "A"), "TW", date(2016, 10, 1)).parties[0].outcome == Outcome.TRUSTED_MRA
    assert on(real, long_cert("KR", "AAA"), "TW", date(2016, 9, 30)).parties[0].outcome == Outcome.NOT_RECOGNISED


def test_real_kr_us_signed_2010_06_25_is_assumed_in_force_from_signing(real: MraIndex) -> None:
    us = long_cert("US", "Tier II")
    assert on(real, us, "KR", date(2010, 6, 24)).parties[0].outcome == Outcome.NOT_RECOGNISED
    verdict = on(real, us, "KR", date(2010, 6, 25)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_MRA
    assert "assumed in force from signing on 2010-06-25 (no in-force date known)" in verdict.reason
    assert on(real, long_cert("KR", "AA"), "US", date(2010, 6, 25)).parties[0].outcome == Outcome.TRUSTED_MRA


def test_real_tw_us_signed_2012_11_26_covers_taiwan_aeos_but_not_aeog(real: MraIndex) -> None:
    assert on(real, long_cert("TW", "AEOS"), "US", date(2012, 11, 25)).parties[0].outcome == Outcome.NOT_RECOGNISED
    verdict = on(real, long_cert("TW", "AEOS"), "US", date(2012, 11, 26)).parties[0]
    assert (verdict.outcome, verdict.mra.key) == (Outcome.TRUSTED_MRA, "TW-US")  # type: ignore[union-attr]
    assert "assumed in force from signing on 2012-11-26" in verdict.reason
    assert on(real, long_cert("TW", "AEOG"), "US", date(2024, 1, 1)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, long_cert("US", "Tier III"), "TW", date(2024, 1, 1)).parties[0].outcome == Outcome.TRUSTED_MRA


def test_real_taiwan_korea_us_chain_as_the_demo_shows_it(real: MraIndex) -> None:
    certificates = [
        cert("TW-AEOS-1", holder="formosa", authority="TW", cert_type="AEOS", periods=LONG, history=HISTORY),
        cert("KR-AA-1", holder="hanjin", authority="KR", cert_type="AA", periods=LONG, history=HISTORY),
        cert("US-T2-1", holder="pacific", authority="US", cert_type="Tier II", periods=LONG, history=HISTORY),
        cert("TW-AEOG-1", holder="kaohsiung-terminal", authority="TW", cert_type="AEOG", periods=LONG, history=HISTORY),
        cert(
            "US-T3-9",
            holder="la-broker",
            authority="US",
            cert_type="Tier III",
            periods=((date(2018, 1, 1), date(2023, 12, 31)),),
            history=HISTORY,
        ),
    ]
    parties = [
        Party("formosa", Role.CONSIGNOR),
        Party("hanjin", Role.CARRIER),
        Party("pacific", Role.CONSIGNEE),
        Party("kaohsiung-terminal", Role.TERMINAL_OPERATOR),
        Party("la-broker", Role.CUSTOMS_BROKER),
        Party("cbp", Role.CUSTOMS_AUTHORITY),
    ]
    verdict = chain_evaluate(
        parties=parties, certificates=certificates, mras=real, deciding_authority="US", as_of=date(2024, 6, 1)
    )
    outcomes = {p.partner: p.outcome for p in verdict.parties}
    assert outcomes == {
        "formosa": Outcome.TRUSTED_MRA,
        "hanjin": Outcome.TRUSTED_MRA,
        "pacific": Outcome.TRUSTED_OWN_AEO,
        "kaohsiung-terminal": Outcome.NOT_RECOGNISED,
        "la-broker": Outcome.EXPIRED,
    }
    assert (verdict.verdict, verdict.share_trusted) == (ChainStatus.PARTIALLY_TRUSTED, 0.6)
    assert verdict.party("hanjin").mra.key == "KR-US"  # type: ignore[union-attr]


def test_real_aamra_pairs_follow_the_members_implementation_dates(real: MraIndex) -> None:
    brunei = long_cert("BN", "AEO")
    assert on(real, brunei, "TH", date(2024, 8, 18)).parties[0].outcome == Outcome.NOT_RECOGNISED
    thai = on(real, brunei, "TH", date(2024, 8, 19)).parties[0]
    assert (thai.outcome, thai.mra.key) == (Outcome.TRUSTED_MRA, "AAMRA")  # type: ignore[union-attr]
    assert on(real, brunei, "MY", date(2024, 8, 1)).parties[0].outcome == Outcome.TRUSTED_MRA
    assert on(real, long_cert("ID", "AEO"), "SG", date(2024, 9, 30)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, long_cert("ID", "AEO"), "SG", date(2024, 10, 1)).parties[0].outcome == Outcome.TRUSTED_MRA
    assert on(real, long_cert("PH", "Level 2"), "SG", date(2025, 2, 27)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, long_cert("PH", "Level 2"), "SG", date(2025, 2, 28)).parties[0].outcome == Outcome.TRUSTED_MRA
    assert on(real, long_cert("PH", "Level 1"), "SG", date(2025, 6, 1)).parties[0].outcome == Outcome.NOT_RECOGNISED
    vietnam = on(real, long_cert("VN", "AEO"), "SG", date(2026, 1, 1)).parties[0]
    assert vietnam.outcome == Outcome.NOT_RECOGNISED
    assert "VN has not implemented it" in vietnam.reason


def test_real_singapore_and_malaysia_pairs_use_the_bilateral_mras_where_the_aamra_does_not_reach(
    real: MraIndex,
) -> None:
    # KR-MY (in force 2021-10-01) covers Malaysian AEOs in Korea; the AAMRA has no say there.
    verdict = on(real, long_cert("MY", "AEO"), "KR", date(2021, 10, 1)).parties[0]
    assert (verdict.outcome, verdict.mra.key) == (Outcome.TRUSTED_MRA, "KR-MY")  # type: ignore[union-attr]
    # CN-SG recognises only STP-Plus on Singapore's side.
    assert on(real, long_cert("SG", "STP"), "CN", date(2020, 1, 1)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, long_cert("SG", "STP-Plus"), "CN", date(2013, 3, 15)).parties[0].outcome == Outcome.TRUSTED_MRA


def test_real_au_id_signed_not_yet_implemented_is_not_in_force(real: MraIndex) -> None:
    verdict = on(real, long_cert("ID", "AEO"), "AU", date(2026, 1, 1)).parties[0]
    assert verdict.outcome == Outcome.NOT_RECOGNISED
    assert "signed, not yet implemented" in verdict.reason


def test_real_au_th_listed_in_force_but_undated_is_not_in_force(real: MraIndex) -> None:
    mra = load_reference_data().mra("AU-TH")
    assert mra.status == MraStatus.IN_FORCE
    assert mra_in_force(mra, date(2026, 1, 1)) == (
        False,
        "AU-TH AEO MRA is not in force: neither a signing nor an in-force date is known",
    )


def test_real_au_ca_signed_2017_07_counts_from_the_end_of_july(real: MraIndex) -> None:
    assert on(real, long_cert("CA", "Member"), "AU", date(2017, 7, 30)).parties[0].outcome == Outcome.NOT_RECOGNISED
    verdict = on(real, long_cert("CA", "Member"), "AU", date(2017, 7, 31)).parties[0]
    assert verdict.outcome == Outcome.TRUSTED_MRA
    assert "signing on 2017-07 (month only, taken as 2017-07-31)" in verdict.reason


def test_real_eu_us_covers_member_state_aeos_and_aeof_from_2013_01_31(real: MraIndex) -> None:
    german_full = cert("DE AEOF 00025/08", authority="DE", cert_type="AEOF", periods=LONG, history=HISTORY)
    assert on(real, german_full, "US", date(2013, 1, 30)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, german_full, "US", date(2013, 1, 31)).parties[0].outcome == Outcome.TRUSTED_MRA
    german_simplifications = cert("DE AEOC 1", authority="DE", cert_type="AEOC", periods=LONG, history=HISTORY)
    assert on(real, german_simplifications, "US", date(2020, 1, 1)).parties[0].outcome == Outcome.NOT_RECOGNISED
    assert on(real, long_cert("US", "Tier I"), "FR", date(2013, 1, 31)).parties[0].outcome == Outcome.TRUSTED_MRA


# ---------------------------------------------------------------------------------------------- properties

AUTHORITIES = ("KR", "TW", "US", "JP")
HOLDERS = ("p0", "p1", "p2", "p3")
BASE = date(2020, 1, 1)
STATUSES = ("valid", "valid", "valid", "suspended", "revoked", "expired")
TYPES = ("AEOS", "AEOG", "AA")
# Weighted towards arrangements that can be in force, so recognition is exercised often.
MRA_STATUSES = (
    MraStatus.IN_FORCE,
    MraStatus.IN_FORCE,
    MraStatus.SIGNED,
    MraStatus.NOT_YET_IMPLEMENTED,
    MraStatus.ENDED,
)


def days(limit: int = 2000) -> st.SearchStrategy[date]:
    return st.integers(0, limit).map(lambda n: BASE + timedelta(days=n))


@st.composite
def certificates(draw: st.DrawFn, number: int) -> Certificate:
    start = draw(days(1000))
    periods = []
    for _ in range(draw(st.integers(1, 2))):
        length = draw(st.integers(0, 1500))
        end = None if draw(st.booleans()) and not periods else start + timedelta(days=length)
        periods.append((start, end))
        if end is None:
            break
        start = end + timedelta(days=draw(st.integers(1, 200)))
    history = draw(st.lists(st.tuples(days(), st.sampled_from(STATUSES), st.just("")), max_size=3))
    return Certificate(
        number=f"N{number}",
        holder=draw(st.sampled_from(HOLDERS)),
        authority=draw(st.sampled_from(AUTHORITIES)),
        authority_country="--",
        type=draw(st.sampled_from(TYPES)),
        status_history=tuple(history),
        validity_periods=tuple(periods),
    )


@st.composite
def mras(draw: st.DrawFn, key: str) -> Mra:
    parties = tuple(draw(st.lists(st.sampled_from(AUTHORITIES), min_size=2, max_size=3, unique=True)))
    types = draw(
        st.dictionaries(st.sampled_from(parties), st.none() | st.frozensets(st.sampled_from(TYPES), min_size=1))
    )
    mutual = draw(st.booleans())
    recognisers = frozenset() if mutual else frozenset(draw(st.lists(st.sampled_from(parties), min_size=1)))
    implementation = (
        draw(st.fixed_dictionaries({p: st.none() | days(1200) for p in parties})) if draw(st.booleans()) else {}
    )
    return Mra(
        key=key,
        name=key,
        parties=parties,
        recognised_types=types,
        signed_on=draw(st.none() | days(1200)),
        in_force_from=draw(st.none() | days(1200)),
        status=draw(st.sampled_from(MRA_STATUSES)),
        mutual=mutual,
        recognisers=recognisers,
        implementation_dates=implementation,
    )


@st.composite
def registries(draw: st.DrawFn) -> tuple[list[Certificate], list[Mra], str, date]:
    certs = [draw(certificates(i)) for i in range(draw(st.integers(0, 10)))]
    arrangements = [draw(mras(f"M{i}")) for i in range(draw(st.integers(0, 5)))]
    as_of = draw(st.integers(200, 1800).map(lambda n: BASE + timedelta(days=n)))
    return certs, arrangements, draw(st.sampled_from(AUTHORITIES)), as_of


CHAIN = [
    Party(h, r)
    for h, r in zip(HOLDERS, (Role.CONSIGNOR, Role.CARRIER, Role.CONSIGNEE, Role.CUSTOMS_BROKER), strict=True)
]


def evaluate(certs: list[Certificate], arrangements: list[Mra], deciding: str, as_of: date) -> ChainVerdict:
    return chain_evaluate(
        parties=CHAIN, certificates=certs, mras=arrangements, deciding_authority=deciding, as_of=as_of
    )


@settings(max_examples=200, deadline=None)
@given(registries(), st.randoms(use_true_random=False))
def test_evaluation_is_deterministic_whatever_the_order_of_certificates_and_mras(
    registry: tuple[list[Certificate], list[Mra], str, date], rnd: random.Random
) -> None:
    certs, arrangements, deciding, as_of = registry
    first = evaluate(certs, arrangements, deciding, as_of)
    shuffled_certs, shuffled_mras = certs[:], arrangements[:]
    rnd.shuffle(shuffled_certs)
    rnd.shuffle(shuffled_mras)
    again = evaluate(shuffled_certs, shuffled_mras, deciding, as_of)
    assert again.to_dict() == first.to_dict()


@settings(max_examples=200, deadline=None)
@given(registries(), mras("EXTRA"))
def test_adding_an_mra_never_reduces_any_partys_trust(
    registry: tuple[list[Certificate], list[Mra], str, date], extra: Mra
) -> None:
    certs, arrangements, deciding, as_of = registry
    before = evaluate(certs, arrangements, deciding, as_of)
    after = evaluate(certs, [*arrangements, extra], deciding, as_of)
    ranks = list(Outcome)
    for old, new in zip(before.parties, after.parties, strict=True):
        assert ranks.index(new.outcome) <= ranks.index(old.outcome)
        assert new.trusted or not old.trusted
    assert after.trusted_count >= before.trusted_count


@settings(max_examples=200, deadline=None)
@given(registries())
def test_a_trusted_party_holds_a_certificate_valid_on_the_day(
    registry: tuple[list[Certificate], list[Mra], str, date],
) -> None:
    certs, arrangements, deciding, as_of = registry
    for party in evaluate(certs, arrangements, deciding, as_of).parties:
        if party.trusted:
            assert party.certificate is not None
            assert party.certificate.period_at(as_of) is not None
            change = party.certificate.status_at(as_of)
            assert change is None or change.status == "valid"
            assert (party.outcome == Outcome.TRUSTED_OWN_AEO) == (party.certificate.authority == deciding)
