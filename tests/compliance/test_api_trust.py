"""GET /api/v1/consignments/{id}/trust/: a customs authority's verdict on every party of a chain, with reasons.

The consignment goes from Kaohsiung (alpha, a Taiwanese AEO) to Los Angeles (Echo Imports, a US
CTPAT member) on bravo (a Korean carrier without an AEO). US customs (uma) trust alpha through the
Taiwan-US MRA, Echo by its own certificate, bravo not at all.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from apps.compliance.services import certificates
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(grant, arrange, tw_customs, us_customs, kr_customs, alpha, us_importer):
    """alpha's Taiwanese AEO, Echo's CTPAT, and the Taiwan-US MRA (Korea has none with either)."""
    return {
        "alpha": grant(tw_customs, alpha, "TW-AEO-0001", valid_from=date(2015, 1, 1), valid_until=None),
        "echo": grant(us_customs, us_importer, "CTPAT-77", certificate_type="tier 3", valid_from=date(2018, 1, 1)),
        "mra": arrange("tw-us", tw_customs, us_customs, name="Taiwan-US MRA", signed_on=date(2012, 11, 13),
                       in_force_from=date(2012, 11, 13)),
    }  # fmt: skip


def _url(consignment, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/consignments/{consignment.pk}/trust/" + (f"?{query}" if query else "")


def _outcomes(body: dict) -> dict[str, str]:
    return {party["partner"]: party["outcome"] for party in body["parties"]}


def test_us_customs_see_each_party_with_the_certificate_and_mra_that_decided(
    client_for, uma, tw_us_consignment, registry
):
    response = client_for(uma).get(_url(tw_us_consignment, as_of="2025-05-01"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["consignment"], body["reference"]) == (str(tw_us_consignment.pk), tw_us_consignment.reference)
    assert (body["deciding_authority"], body["as_of"], body["verdict"]) == ("us-cbp", "2025-05-01", "partially_trusted")
    assert (body["trusted_count"], body["judged_count"]) == (2, 3)
    assert _outcomes(body) == {"alpha": "trusted_mra", "echo-imports": "trusted_own_aeo", "bravo": "no_certificate"}
    alpha = next(p for p in body["parties"] if p["partner"] == "alpha")
    assert alpha["roles"] == ["consignor"]
    assert alpha["certificate"] == {
        "number": "TW-AEO-0001",
        "authority": "tw-customs",
        "type": "security and safety",
        "holder": "alpha",
    }
    assert alpha["mra"]["key"] == "tw-us"
    assert alpha["mra"]["name"] == "Taiwan-US MRA"
    assert alpha["mra"]["covered_from"] == "2012-11-13"
    assert alpha["reason"] == (
        "recognised by us-cbp through Taiwan-US MRA: certificate TW-AEO-0001 (security and safety) issued by "
        "tw-customs, valid 2015-01-01 to open; Taiwan-US MRA is in force on 2025-05-01: in force from 2012-11-13"
    )
    echo = next(p for p in body["parties"] if p["partner"] == "echo-imports")
    assert (echo["certificate"]["number"], echo["mra"]) == ("CTPAT-77", None)
    bravo = next(p for p in body["parties"] if p["partner"] == "bravo")
    assert (bravo["certificate"], bravo["mra"]) == (None, None)
    assert bravo["reason"] == "bravo holds no AEO certificate on record"


def test_korean_carrier_with_a_korean_aeo_is_not_recognised_without_an_mra(
    client_for, uma, tw_us_consignment, registry, grant, kr_customs, bravo
):
    grant(kr_customs, bravo, "KR-AEO-9", certificate_type="AAA")
    body = client_for(uma).get(_url(tw_us_consignment, as_of="2025-05-01")).json()
    bravo_verdict = next(p for p in body["parties"] if p["partner"] == "bravo")
    assert (bravo_verdict["outcome"], bravo_verdict["certificate"]["number"]) == ("not_recognised", "KR-AEO-9")


def test_as_of_in_the_past_reproduces_the_earlier_verdict(client_for, uma, tw_us_consignment, registry, tw_customs):
    client = client_for(uma)
    before = client.get(_url(tw_us_consignment, as_of="2025-05-31")).json()
    certificates.certificate_status_set(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=registry["alpha"],
        status="revoked",
        effective_on=date(2025, 6, 1),
        reason="Security breach",
    )
    assert client.get(_url(tw_us_consignment, as_of="2025-05-31")).json() == before
    after = client.get(_url(tw_us_consignment, as_of="2025-06-01")).json()
    assert (after["verdict"], _outcomes(after)["alpha"]) == ("partially_trusted", "suspended_or_revoked")
    alpha = next(p for p in after["parties"] if p["partner"] == "alpha")
    assert alpha["status"] == {"status": "revoked", "on": "2025-06-01", "reason": "Security breach"}
    assert (after["trusted_count"], before["trusted_count"]) == (1, 2)


def test_before_the_mra_was_in_force_alpha_was_not_recognised(
    client_for, uma, tw_us_consignment, grant, arrange, tw_customs, us_customs, alpha
):
    grant(tw_customs, alpha, "TW-AEO-0001", valid_from=date(2010, 1, 1), valid_until=None)
    arrange("tw-us", tw_customs, us_customs, signed_on=date(2012, 11, 13), in_force_from=date(2012, 11, 13))
    body = client_for(uma).get(_url(tw_us_consignment, as_of="2012-11-12")).json()
    alpha_verdict = next(p for p in body["parties"] if p["partner"] == "alpha")
    assert (alpha_verdict["outcome"], alpha_verdict["mra"]["key"]) == ("not_recognised", "tw-us")
    assert body["verdict"] == "not_trusted"
    assert _outcomes(client_for(uma).get(_url(tw_us_consignment, as_of="2012-11-13")).json())["alpha"] == "trusted_mra"


def test_as_of_defaults_to_today_and_authority_to_the_callers(client_for, uma, tw_us_consignment, registry):
    body = client_for(uma).get(_url(tw_us_consignment)).json()
    assert (body["as_of"], body["deciding_authority"]) == (timezone.localdate().isoformat(), "us-cbp")


def test_taiwan_customs_trust_alpha_by_its_own_aeo(client_for, tina, tw_us_consignment, registry):
    body = client_for(tina).get(_url(tw_us_consignment, authority="tw-customs", as_of="2025-05-01")).json()
    assert _outcomes(body) == {"alpha": "trusted_own_aeo", "echo-imports": "trusted_mra", "bravo": "no_certificate"}


def test_staff_see_any_authoritys_view(client_for, staff, tw_us_consignment, registry):
    body = client_for(staff).get(_url(tw_us_consignment, authority="us-cbp", as_of="2025-05-01")).json()
    assert (body["deciding_authority"], _outcomes(body)["alpha"]) == ("us-cbp", "trusted_mra")


# --------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("as_of", ["yesterday", "2025-02-30", "2025-5-1x"])
def test_bad_as_of_is_400_naming_it(client_for, uma, tw_us_consignment, as_of):
    problem = assert_problem(client_for(uma).get(_url(tw_us_consignment, as_of=as_of)), 400, field="as_of")
    assert as_of in problem["detail"]


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_non_customs_callers_are_refused(request, client_for, tw_us_consignment, registry, who):
    response = client_for(request.getfixturevalue(who)).get(_url(tw_us_consignment, authority="us-cbp"))
    problem = assert_problem(response, 403, problem="permission-denied")
    assert problem["detail"] == "Only a customs authority may do this."
    # Refused before the request is looked at: a bad date or an unknown consignment answers the same.
    assert_problem(client_for(request.getfixturevalue(who)).get(_url(tw_us_consignment, as_of="soon")), 403)


def test_customs_see_only_their_own_authoritys_view(client_for, tina, tw_us_consignment, registry):
    response = client_for(tina).get(_url(tw_us_consignment, authority="us-cbp"))
    assert_problem(response, 403, problem="permission-denied", field="authority")


def test_consignment_the_authority_cannot_see_is_404(client_for, kim, tw_us_consignment, registry):
    # Kaohsiung to Los Angeles never touches Korea, whatever the carrier's nationality.
    assert_problem(client_for(kim).get(_url(tw_us_consignment)), 404, problem="not-found")


def test_unknown_consignment_is_404(client_for, uma):
    assert_problem(client_for(uma).get("/api/v1/consignments/00000000-0000-0000-0000-000000000000/trust/"), 404)


def test_unknown_or_non_customs_authority_is_400(client_for, staff, tw_us_consignment):
    for slug in ("nowhere", "alpha"):
        problem = assert_problem(client_for(staff).get(_url(tw_us_consignment, authority=slug)), 400, field="authority")
        assert problem["detail"] == f"'{slug}' is not a customs authority."
    assert_problem(client_for(staff).get(_url(tw_us_consignment)), 400, field="authority")
