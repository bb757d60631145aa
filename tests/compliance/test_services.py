"""Registry writes: certificates (create, renew, status) and MRAs (create, update), their errors and records."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from apps.compliance import tasks
from apps.compliance.choices import CertificateStatus, MraStatus
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraChange,
    MraParticipant,
    ValidityPeriod,
)
from apps.compliance.services import certificates, mras, passes
from apps.core.errors import ApplicationError
from apps.core.models import AuditEvent
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, TokenScope
from apps.partners.models import ApiToken

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "certificates": AeoCertificate.objects.count(),
        "periods": ValidityPeriod.objects.count(),
        "status_changes": CertificateStatusChange.objects.count(),
        "mras": Mra.objects.count(),
        "participants": MraParticipant.objects.count(),
        "mra_changes": MraChange.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _refused(call: Any, **kwargs: Any) -> ApplicationError:
    """Run a service that must refuse; assert it stored nothing and return the error."""
    before = _counts()
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert _counts() == before
    return caught.value


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """The tasks writes enqueue after commit, recorded instead of run."""
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(tasks.trust_reevaluate, "delay", lambda **kw: calls.append(("trust_reevaluate", kw)))
    monkeypatch.setattr(
        tasks.aeo_credential_sync, "delay", lambda pk: calls.append(("aeo_credential_sync", {"pk": pk}))
    )
    return calls


def _create_args(authority: Any, holder: Any, **changes: Any) -> dict[str, Any]:
    args = {
        "actor": Actor(partner=authority, role=MemberRole.OPERATOR),
        "authority": authority,
        "holder": holder,
        "number": "TWAEO-0001",
        "certificate_type": "security and safety",
        "valid_from": date(2024, 1, 1),
        "valid_until": date(2026, 12, 31),
    }
    args.update(changes)
    return args


# ----------------------------------------------------------------------------------------- certificate_create


def test_certificate_create_stores_certificate_period_history_and_audit(
    tw_customs, alpha, tina, enqueued, django_capture_on_commit_callbacks
):
    actor = Actor(partner=tw_customs, role=MemberRole.OPERATOR, user=tina)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.certificate_create(
            **_create_args(tw_customs, alpha, actor=actor, last_reviewed_on=date(2023, 11, 2))
        )

    certificate.refresh_from_db()
    assert (certificate.holder, certificate.authority, certificate.number) == (alpha, tw_customs, "TWAEO-0001")
    assert certificate.status == CertificateStatus.VALID
    assert certificate.last_reviewed_on == date(2023, 11, 2)
    assert list(certificate.validity_periods.values_list("valid_from", "valid_until")) == [
        (date(2024, 1, 1), date(2026, 12, 31))
    ]
    assert list(certificate.status_changes.values_list("status", "effective_on", "reason", "recorded_by")) == [
        ("valid", date(2024, 1, 1), "granted", tina.pk)
    ]
    record = AuditEvent.objects.get(action="aeo_certificate.create")
    assert record.partner == tw_customs
    assert record.actor_user == tina
    assert record.object_id == str(certificate.pk)
    assert record.changes == {
        "holder": "alpha",
        "number": "TWAEO-0001",
        "certificate_type": "security and safety",
        "valid_from": "2024-01-01",
        "valid_until": "2026-12-31",
    }
    assert enqueued == [
        ("aeo_credential_sync", {"pk": str(certificate.pk)}),
        ("trust_reevaluate", {"holder_ids": [str(alpha.pk)], "as_of": None}),
    ]


def test_staff_may_register_for_any_authority(tw_customs, alpha, staff_actor):
    certificate = certificates.certificate_create(**_create_args(tw_customs, alpha, actor=staff_actor))
    assert AuditEvent.objects.get(action="aeo_certificate.create").partner == tw_customs
    assert certificate.authority == tw_customs


def test_until_before_from_is_400_on_valid_until(tw_customs, alpha):
    error = _refused(certificates.certificate_create, **_create_args(tw_customs, alpha, valid_until=date(2023, 12, 31)))
    assert (error.status, error.field) == (400, "valid_until")
    assert "2023-12-31 is before valid_from 2024-01-01" in error.detail


def test_issuer_that_is_not_a_customs_authority_is_400_on_authority(bravo, alpha, staff_actor):
    error = _refused(certificates.certificate_create, **_create_args(bravo, alpha, actor=staff_actor))
    assert (error.status, error.field) == (400, "authority")
    assert "'bravo' is not a customs authority" in error.detail


def test_officer_of_another_authority_is_403(tw_customs, kr_customs, alpha, kim):
    error = _refused(
        certificates.certificate_create,
        **_create_args(tw_customs, alpha, actor=Actor(partner=kr_customs, role=MemberRole.OPERATOR, user=kim)),
    )
    assert error.status == 403
    assert error.detail == "You act for kr-customs; only tw-customs may manage its own certificates."


def test_a_trader_cannot_register_certificates(tw_customs, alpha, alice):
    error = _refused(
        certificates.certificate_create,
        **_create_args(tw_customs, alpha, actor=Actor(partner=alpha, role=MemberRole.ADMIN, user=alice)),
    )
    assert error.status == 403
    assert error.detail == "Only a customs authority may manage its own certificates."


def test_a_customs_viewer_cannot_register_certificates(tw_customs, alpha):
    error = _refused(
        certificates.certificate_create,
        **_create_args(tw_customs, alpha, actor=Actor(partner=tw_customs, role="viewer")),
    )
    assert error.status == 403
    assert "needs the operator role" in error.detail


def test_a_read_scope_token_cannot_register_certificates(tw_customs, alpha):
    token = ApiToken(partner=tw_customs, name="read", scope=TokenScope.READ)
    actor = Actor(partner=tw_customs, role=MemberRole.ADMIN, token=token)
    error = _refused(certificates.certificate_create, **_create_args(tw_customs, alpha, actor=actor))
    assert error.status == 403
    assert "read scope" in error.detail


def test_a_customs_authority_cannot_hold_an_aeo(tw_customs, kr_customs, staff_actor):
    error = _refused(certificates.certificate_create, **_create_args(tw_customs, kr_customs, actor=staff_actor))
    assert (error.status, error.field) == (400, "holder")


@pytest.mark.parametrize(("field", "value"), [("number", "  "), ("number", "N" * 65), ("certificate_type", "")])
def test_blank_or_long_text_is_400_on_its_field(tw_customs, alpha, field, value):
    error = _refused(certificates.certificate_create, **_create_args(tw_customs, alpha, **{field: value}))
    assert (error.status, error.field) == (400, field)


def test_the_same_number_twice_for_one_authority_is_409_on_number(tw_customs, alpha, bravo, grant):
    grant(tw_customs, alpha, "TWAEO-0001")
    error = _refused(
        certificates.certificate_create,
        **_create_args(tw_customs, bravo, valid_from=date(2030, 1, 1), valid_until=None),
    )
    assert (error.status, error.field) == (409, "number")
    assert "renew it instead" in error.detail


def test_the_same_number_at_another_authority_is_another_certificate(tw_customs, kr_customs, alpha, grant):
    grant(tw_customs, alpha, "AEO-1")
    grant(kr_customs, alpha, "AEO-1")
    assert AeoCertificate.objects.filter(number="AEO-1").count() == 2


# ----------------------------------------------------------------------------------------- certificate_renew


@pytest.fixture
def certificate(tw_customs, alpha, grant) -> AeoCertificate:
    return grant(tw_customs, alpha, "TWAEO-0001", valid_from=date(2021, 1, 1), valid_until=date(2023, 12, 31))


def test_renewal_adds_a_period_and_is_audited(certificate, tw_customs, enqueued, django_capture_on_commit_callbacks):
    actor = Actor(partner=tw_customs, role=MemberRole.OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        period = certificates.certificate_renew(
            actor=actor, certificate=certificate, valid_from=date(2024, 1, 1), valid_until=date(2026, 12, 31)
        )

    assert list(certificate.validity_periods.values_list("valid_from", "valid_until")) == [
        (date(2021, 1, 1), date(2023, 12, 31)),
        (date(2024, 1, 1), date(2026, 12, 31)),
    ]
    assert period.certificate_id == certificate.pk
    record = AuditEvent.objects.get(action="aeo_certificate.renew")
    assert record.changes == {"valid_from": "2024-01-01", "valid_until": "2026-12-31"}
    assert [name for name, _ in enqueued] == ["aeo_credential_sync", "trust_reevaluate"]


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (date(2023, 12, 31), date(2026, 12, 31)),  # starts on the last day of the current period
        (date(2020, 1, 1), date(2021, 1, 1)),  # ends on its first day
        (date(2022, 6, 1), date(2022, 6, 30)),  # inside it
        (date(2019, 1, 1), None),  # open-ended from before
    ],
)
def test_overlapping_renewal_is_409_naming_valid_from(certificate, tw_customs, valid_from, valid_until):
    error = _refused(
        certificates.certificate_renew,
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    assert (error.status, error.field) == (409, "valid_from")
    assert error.detail.startswith("Certificate TWAEO-0001 is already valid 2021-01-01 to 2023-12-31")


def test_renewal_until_before_from_is_400(certificate, tw_customs):
    error = _refused(
        certificates.certificate_renew,
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        valid_from=date(2025, 1, 1),
        valid_until=date(2024, 1, 1),
    )
    assert (error.status, error.field) == (400, "valid_until")


def test_renewal_by_another_authority_is_403(certificate, us_customs, uma):
    error = _refused(
        certificates.certificate_renew,
        actor=Actor(partner=us_customs, role=MemberRole.OPERATOR, user=uma),
        certificate=certificate,
        valid_from=date(2024, 1, 1),
        valid_until=None,
    )
    assert error.status == 403


def test_renewing_an_expired_certificate_makes_it_valid_from_the_new_start(certificate, tw_customs):
    passes.aeo_expiry_pass(today=date(2024, 2, 1))
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.EXPIRED

    certificates.certificate_renew(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        valid_from=date(2024, 3, 1),
        valid_until=date(2028, 2, 29),
    )

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert list(certificate.status_changes.values_list("status", "effective_on", "reason")) == [
        ("valid", date(2021, 1, 1), "granted"),
        ("expired", date(2024, 1, 1), "validity period ended"),
        ("valid", date(2024, 3, 1), "renewed"),
    ]


# ------------------------------------------------------------------------------------ certificate_status_set


def test_suspension_is_kept_in_the_history_with_its_reason_and_audited(
    certificate, tw_customs, tina, enqueued, django_capture_on_commit_callbacks
):
    actor = Actor(partner=tw_customs, role=MemberRole.OPERATOR, user=tina)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_status_set(
            actor=actor,
            certificate=certificate,
            status=CertificateStatus.SUSPENDED,
            effective_on=date(2023, 5, 2),
            reason="post-audit finding",
        )

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUSPENDED
    assert list(certificate.status_changes.values_list("status", "effective_on", "reason", "recorded_by")) == [
        ("valid", date(2021, 1, 1), "granted", None),
        ("suspended", date(2023, 5, 2), "post-audit finding", tina.pk),
    ]
    record = AuditEvent.objects.get(action="aeo_certificate.status")
    assert record.changes == {
        "status": ["valid", "suspended"],
        "effective_on": "2023-05-02",
        "reason": "post-audit finding",
    }
    assert ("trust_reevaluate", {"holder_ids": [str(certificate.holder_id)], "as_of": None}) in enqueued


def test_reinstating_a_suspended_certificate_makes_it_valid(certificate, tw_customs):
    actor = Actor(partner=tw_customs, role=MemberRole.OPERATOR)
    for status, day in (("suspended", date(2023, 5, 2)), ("valid", date(2023, 6, 1))):
        certificates.certificate_status_set(
            actor=actor, certificate=certificate, status=status, effective_on=day, reason="review"
        )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert certificate.status_changes.count() == 3


def test_revocation_is_final(certificate, tw_customs):
    actor = Actor(partner=tw_customs, role=MemberRole.OPERATOR)
    certificates.certificate_status_set(
        actor=actor, certificate=certificate, status="revoked", effective_on=date(2023, 5, 2), reason="fraud"
    )
    for status in ("valid", "suspended", "revoked"):
        error = _refused(
            certificates.certificate_status_set,
            actor=actor,
            certificate=certificate,
            status=status,
            effective_on=date(2023, 6, 1),
            reason="appeal",
        )
        assert (error.status, error.field) == (409, "status")
        assert error.detail == "Certificate TWAEO-0001 is revoked; revocation is final."


def test_unknown_status_is_400(certificate, tw_customs):
    error = _refused(
        certificates.certificate_status_set,
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        status="cancelled",
        effective_on=date(2023, 6, 1),
        reason="x",
    )
    assert (error.status, error.field) == (400, "status")


def test_status_change_without_reason_is_400(certificate, tw_customs):
    error = _refused(
        certificates.certificate_status_set,
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        status="suspended",
        effective_on=date(2023, 6, 1),
        reason=" ",
    )
    assert (error.status, error.field) == (400, "reason")


def test_status_change_by_another_authority_is_403(certificate, kr_customs, kim):
    error = _refused(
        certificates.certificate_status_set,
        actor=Actor(partner=kr_customs, role=MemberRole.OPERATOR, user=kim),
        certificate=certificate,
        status="suspended",
        effective_on=date(2023, 6, 1),
        reason="not ours to decide",
    )
    assert error.status == 403


# ------------------------------------------------------------------------------------------------------ MRAs


def _mra_args(staff_actor: Actor, *authorities: Any, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "actor": staff_actor,
        "key": "kr-tw",
        "name": "Korea-Taiwan AEO MRA",
        "participants": [mras.ParticipantIn(authority=a) for a in authorities],
        "signed_on": date(2016, 6, 1),
        "in_force_from": date(2016, 10, 1),
    }
    args.update(changes)
    return args


def test_mra_create_stores_participants_history_and_audit(
    staff_actor, tw_customs, kr_customs, enqueued, django_capture_on_commit_callbacks
):
    participants = [
        mras.ParticipantIn(authority=tw_customs, recognised_types=("AEOS",)),
        mras.ParticipantIn(authority=kr_customs),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        mra = mras.mra_create(**_mra_args(staff_actor, participants=participants, notes="bilateral"))

    assert list(mra.participants.order_by("authority__slug").values_list("authority__slug", "recognised_types")) == [
        ("kr-customs", None),
        ("tw-customs", ["AEOS"]),
    ]
    history = mra.history.get()
    assert history.reason == "created"
    assert list(history.changes) == ["after"]
    assert history.changes["after"]["in_force_from"] == "2016-10-01"
    assert history.changes["after"]["notes"] == "bilateral"
    assert AuditEvent.objects.get(action="mra.create").changes == history.changes["after"]
    assert enqueued == [
        (
            "trust_reevaluate",
            {"mra_id": str(mra.pk), "authority_ids": sorted([str(tw_customs.pk), str(kr_customs.pk)])},
        )
    ]


def test_mra_with_fewer_than_two_authorities_is_400(staff_actor, tw_customs):
    for participants in ([], [tw_customs], [tw_customs, tw_customs]):
        error = _refused(mras.mra_create, **_mra_args(staff_actor, *participants))
        assert (error.status, error.field) == (400, "participants")
        assert error.detail == "An MRA needs at least two distinct customs authorities."


def test_mra_listing_an_authority_twice_is_400(staff_actor, tw_customs, kr_customs):
    error = _refused(mras.mra_create, **_mra_args(staff_actor, tw_customs, kr_customs, tw_customs))
    assert (error.status, error.field) == (400, "participants")


def test_mra_with_a_trader_is_400_on_that_participant(staff_actor, tw_customs, alpha):
    error = _refused(mras.mra_create, **_mra_args(staff_actor, tw_customs, alpha))
    assert (error.status, error.field) == (400, "participants.1.authority")


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            {"in_force_from": date(2016, 10, 1), "in_force_until": date(2016, 9, 30)},
            "in_force_until",
            "in_force_until 2016-09-30 is before in_force_from 2016-10-01.",
        ),
        (
            {"in_force_from": None, "in_force_until": date(2016, 5, 31)},
            "in_force_until",
            "in_force_until 2016-05-31 is before signed_on 2016-06-01.",
        ),
        (
            {"in_force_from": date(2016, 5, 1)},
            "in_force_from",
            "in_force_from 2016-05-01 is before signing on 2016-06-01.",
        ),
    ],
)
def test_mra_dates_in_the_wrong_order_are_400(staff_actor, tw_customs, kr_customs, dates, field, message):
    error = _refused(mras.mra_create, **_mra_args(staff_actor, tw_customs, kr_customs, **dates))
    assert (error.status, error.field, error.detail) == (400, field, message)


@pytest.mark.parametrize(("key", "field"), [("", "key"), ("kr tw!", "key")])
def test_mra_key_must_be_a_slug(staff_actor, tw_customs, kr_customs, key, field):
    error = _refused(mras.mra_create, **_mra_args(staff_actor, tw_customs, kr_customs, key=key))
    assert (error.status, error.field) == (400, field)


def test_mra_unknown_status_is_400(staff_actor, tw_customs, kr_customs):
    error = _refused(mras.mra_create, **_mra_args(staff_actor, tw_customs, kr_customs, status="pending"))
    assert (error.status, error.field) == (400, "status")


def test_mra_key_twice_is_409(staff_actor, tw_customs, kr_customs, us_customs, arrange):
    arrange("kr-tw", tw_customs, kr_customs)
    error = _refused(mras.mra_create, **_mra_args(staff_actor, kr_customs, us_customs))
    assert (error.status, error.field) == (409, "key")


def test_only_staff_manage_mras(tw_customs, kr_customs, tina):
    error = _refused(
        mras.mra_create,
        **_mra_args(Actor(partner=tw_customs, role=MemberRole.ADMIN, user=tina), tw_customs, kr_customs),
    )
    assert error.status == 403


@pytest.fixture
def kr_tw(arrange, tw_customs, kr_customs) -> Mra:
    return arrange("kr-tw", tw_customs, kr_customs, name="Korea-Taiwan AEO MRA")


def test_mra_update_keeps_the_values_before_and_after(
    kr_tw, staff_actor, tw_customs, kr_customs, us_customs, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mras.mra_update(
            actor=staff_actor,
            mra=kr_tw,
            reason="ended by notice",
            in_force_until=date(2025, 6, 30),
            status=MraStatus.ENDED,
            participants=[mras.ParticipantIn(authority=kr_customs), mras.ParticipantIn(authority=us_customs)],
        )

    change = kr_tw.history.order_by("changed_at", "id").last()
    assert kr_tw.history.count() == 2
    assert change.reason == "ended by notice"
    before, after = change.changes["before"], change.changes["after"]
    assert (before["in_force_until"], after["in_force_until"]) == (None, "2025-06-30")
    assert (before["status"], after["status"]) == ("in force", "ended")
    assert [p["authority"] for p in before["participants"]] == ["kr-customs", "tw-customs"]
    assert [p["authority"] for p in after["participants"]] == ["kr-customs", "us-cbp"]
    assert AuditEvent.objects.get(action="mra.update").changes == {"before": before, "after": after}
    # Taiwan left the arrangement: its verdicts are re-decided as well as the new member's.
    assert enqueued == [
        (
            "trust_reevaluate",
            {
                "mra_id": str(kr_tw.pk),
                "authority_ids": sorted(str(a.pk) for a in (tw_customs, kr_customs, us_customs)),
            },
        )
    ]


def test_mra_update_of_notes_only_is_kept_in_history(kr_tw, staff_actor):
    mras.mra_update(actor=staff_actor, mra=kr_tw, reason="source added", notes="see the KCS notice")
    change = kr_tw.history.order_by("changed_at", "id").last()
    assert (change.changes["before"]["notes"], change.changes["after"]["notes"]) == ("", "see the KCS notice")


def test_mra_update_that_changes_nothing_writes_nothing(kr_tw, staff_actor):
    before = _counts()
    mras.mra_update(actor=staff_actor, mra=kr_tw, reason="no-op", name=kr_tw.name)
    assert _counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"in_force_until": date(2016, 9, 30)}, "in_force_until"),
        ({"status": "paused"}, "status"),
        ({"participants": []}, "participants"),
        ({"colour": "blue"}, "colour"),
        ({"name": ""}, "name"),
    ],
)
def test_mra_update_bad_input_is_400_and_stores_nothing(kr_tw, staff_actor, changes, field):
    error = _refused(mras.mra_update, actor=staff_actor, mra=kr_tw, reason="edit", **changes)
    assert (error.status, error.field) == (400, field)
    kr_tw.refresh_from_db()
    assert kr_tw.in_force_until is None
    assert kr_tw.participants.count() == 2


def test_mra_update_needs_a_reason(kr_tw, staff_actor):
    error = _refused(mras.mra_update, actor=staff_actor, mra=kr_tw, reason="", status=MraStatus.ENDED)
    assert (error.status, error.field) == (400, "reason")


def test_mra_update_by_customs_is_403(kr_tw, tw_customs):
    error = _refused(
        mras.mra_update,
        actor=Actor(partner=tw_customs, role=MemberRole.ADMIN),
        mra=kr_tw,
        reason="we leave",
        status=MraStatus.ENDED,
    )
    assert error.status == 403
