"""/api/v1/aeo-certificates/: customs register, renew and change the status of their own authority's AEOs.

tina is an officer of Taiwan's customs, kim of Korea's; alpha (alice) is a Taiwanese trader, bravo
(charlie) a Korean carrier. Holders read their own certificates; customs read the whole register.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from apps.compliance.models import AeoCertificate, CertificateStatusChange, ValidityPeriod
from apps.core.models import AuditEvent
from apps.partners.choices import MemberRole, TokenScope
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/aeo-certificates/"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "holder": "alpha",
        "number": "TW-AEO-0001",
        "certificate_type": "security and safety",
        "valid_from": "2024-01-01",
        "valid_until": "2028-12-31",
        "last_reviewed_on": "2025-06-30",
        **changes,
    }


def _stored() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        sorted(AeoCertificate.objects.values_list("number", "status", "certificate_type")),
        sorted(ValidityPeriod.objects.values_list("certificate__number", "valid_from", "valid_until")),
        CertificateStatusChange.objects.count(),
        AuditEvent.objects.filter(action__startswith="aeo_certificate").count(),
    )


@pytest.fixture
def alpha_aeo(tw_customs, alpha, grant):
    return grant(tw_customs, alpha, "TW-AEO-0001")


@pytest.fixture
def bravo_aeo(kr_customs, bravo, grant):
    return grant(kr_customs, bravo, "KR-AEO-0042", certificate_type="AAA")


# --------------------------------------------------------------------------------------------- create


def test_officer_registers_a_certificate_for_their_authority(client_for, tina, tw_customs, alpha):
    response = client_for(tina).post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["number"], data["holder"], data["holder_name"], data["authority"]) == (
        "TW-AEO-0001",
        "alpha",
        "Alpha Exports",
        "tw-customs",
    )
    assert (data["certificate_type"], data["status"], data["last_reviewed_on"]) == (
        "security and safety",
        "valid",
        "2025-06-30",
    )
    assert data["validity_periods"] == [{"valid_from": "2024-01-01", "valid_until": "2028-12-31"}]
    assert [(h["status"], h["effective_on"], h["reason"]) for h in data["status_history"]] == [
        ("valid", "2024-01-01", "granted")
    ]
    record = audit_for(response, "aeo_certificate.create")
    assert (record.actor_label, record.partner, record.object_id) == ("tina", tw_customs, data["id"])


def test_open_ended_certificate_needs_no_until(client_for, tina, alpha):
    response = client_for(tina).post(URL, body(valid_until=None), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["validity_periods"] == [{"valid_from": "2024-01-01", "valid_until": None}]


def test_staff_registers_for_any_customs_authority(client_for, staff, kr_customs, bravo):
    response = client_for(staff).post(URL, body(holder="bravo", authority="kr-customs"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["authority"] == "kr-customs"


def test_staff_must_say_which_authority(client_for, staff, alpha):
    before = _stored()
    assert_problem(client_for(staff).post(URL, body(), format="json"), 400, field="authority")
    assert _stored() == before


def test_certificate_issued_by_a_partner_that_is_not_customs_is_refused(client_for, staff, alpha, bravo):
    before = _stored()
    response = client_for(staff).post(URL, body(holder="alpha", authority="bravo"), format="json")
    problem = assert_problem(response, 400, problem="validation-error", field="authority")
    assert problem["detail"] == "'bravo' is not a customs authority; only customs authorities issue AEO certificates."
    assert _stored() == before


def test_trader_cannot_register_certificates(client_for, alice, alpha, tw_customs):
    before = _stored()
    for payload in (body(), body(authority="tw-customs"), body(authority="alpha"), body(valid_from="soon")):
        problem = assert_problem(client_for(alice).post(URL, payload, format="json"), 403, problem="permission-denied")
        assert problem["detail"] == "Only a customs authority may manage its own certificates."
    assert _stored() == before


def test_officer_cannot_register_for_another_authority(client_for, tina, kr_customs, bravo):
    before = _stored()
    response = client_for(tina).post(URL, body(holder="bravo", authority="kr-customs"), format="json")
    problem = assert_problem(response, 403, problem="permission-denied")
    assert problem["detail"] == "You act for tw-customs; only kr-customs may manage its own certificates."
    assert _stored() == before


def test_customs_viewer_and_read_token_cannot_register(client_for, tw_customs, alpha, token_for, bearer):
    viewer = MembershipFactory(user=UserFactory(username="vic"), partner=tw_customs, role=MemberRole.VIEWER).user
    before = _stored()
    assert_problem(client_for(viewer).post(URL, body(), format="json"), 403)
    assert_problem(bearer(token_for(tw_customs, scope=TokenScope.READ)).post(URL, body(), format="json"), 403)
    assert _stored() == before


def test_until_before_from_is_refused(client_for, tina, alpha):
    before = _stored()
    response = client_for(tina).post(URL, body(valid_from="2025-01-01", valid_until="2024-12-31"), format="json")
    problem = assert_problem(response, 400, field="valid_until")
    assert problem["detail"] == "valid_until 2024-12-31 is before valid_from 2025-01-01."
    assert _stored() == before


def test_same_number_twice_is_a_conflict(client_for, tina, alpha_aeo, bravo):
    before = _stored()
    response = client_for(tina).post(URL, body(holder="bravo"), format="json")
    assert_problem(response, 409, problem="conflict", field="number")
    assert _stored() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"holder": "nobody"}, "holder"),
        ({"holder": "tw-customs"}, "holder"),
        ({"number": "   "}, "number"),
        ({"number": "N" * 65}, "number"),
        ({"valid_from": "2024-02-30"}, "valid_from"),
        ({"valid_from": None}, "valid_from"),
        ({"certificate_type": ""}, "certificate_type"),
        ({"authority": "nowhere"}, "authority"),
        ({"status": "valid"}, "status"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(client_for, tina, alpha, changes, field):
    before = _stored()
    assert_problem(client_for(tina).post(URL, body(**changes), format="json"), 400, field=field)
    assert _stored() == before


# ----------------------------------------------------------------------------------------------- read


def test_holder_sees_only_its_own_certificates(client_for, alice, alpha_aeo, bravo_aeo):
    rows = client_for(alice).get(URL).json()["results"]
    assert [(r["number"], r["holder"]) for r in rows] == [("TW-AEO-0001", "alpha")]
    assert "status_history" not in rows[0]
    assert_problem(client_for(alice).get(f"{URL}{bravo_aeo.pk}/"), 404, problem="not-found")


def test_customs_see_the_whole_register(client_for, kim, alpha_aeo, bravo_aeo):
    rows = client_for(kim).get(URL).json()["results"]
    assert {r["number"] for r in rows} == {"TW-AEO-0001", "KR-AEO-0042"}
    detail = client_for(kim).get(f"{URL}{alpha_aeo.pk}/").json()
    assert detail["authority"] == "tw-customs"
    assert [h["reason"] for h in detail["status_history"]] == ["granted"]


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("holder=alpha", {"TW-AEO-0001"}),
        ("authority=kr-customs", {"KR-AEO-0042"}),
        ("number=KR-AEO-0042", {"KR-AEO-0042"}),
        ("status=valid", {"TW-AEO-0001", "KR-AEO-0042"}),
        ("status=suspended", set()),
    ],
)
def test_list_filters(client_for, kim, alpha_aeo, bravo_aeo, query, numbers):
    response = client_for(kim).get(f"{URL}?{query}")
    assert response.status_code == 200
    assert {r["number"] for r in response.json()["results"]} == numbers


def test_unknown_status_filter_is_400(client_for, kim, alpha_aeo):
    assert_problem(client_for(kim).get(f"{URL}?status=dubious"), 400, field="status")


def test_list_pages_with_a_cursor(client_for, kim, grant, tw_customs, alpha):
    for n in range(3):
        grant(tw_customs, alpha, f"TW-AEO-{n}")
    first = client_for(kim).get(f"{URL}?limit=2").json()
    second = client_for(kim).get(first["next"]).json()
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


# ------------------------------------------------------------------------------------------- renewal


def test_officer_renews_with_a_new_period(client_for, tina, alpha_aeo):
    response = client_for(tina).post(
        f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2029-01-01", "valid_until": "2031-12-31"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["validity_periods"] == [
        {"valid_from": "2024-01-01", "valid_until": "2028-12-31"},
        {"valid_from": "2029-01-01", "valid_until": "2031-12-31"},
    ]
    assert audit_for(response, "aeo_certificate.renew").object_id == str(alpha_aeo.pk)


def test_overlapping_validity_for_the_same_number_is_refused(client_for, tina, alpha_aeo):
    before = _stored()
    response = client_for(tina).post(
        f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2028-06-01", "valid_until": "2030-12-31"}, format="json"
    )
    problem = assert_problem(response, 409, problem="conflict", field="valid_from")
    assert problem["detail"] == (
        "Certificate TW-AEO-0001 is already valid 2024-01-01 to 2028-12-31; validity periods of one certificate "
        "may not overlap."
    )
    assert _stored() == before


def test_renewal_until_before_from_is_refused(client_for, tina, alpha_aeo):
    before = _stored()
    response = client_for(tina).post(
        f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2030-01-01", "valid_until": "2029-12-31"}, format="json"
    )
    assert_problem(response, 400, field="valid_until")
    assert _stored() == before


def test_renewal_needs_valid_until_even_if_null(client_for, tina, alpha_aeo):
    assert_problem(
        client_for(tina).post(f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2030-01-01"}, format="json"),
        400,
        field="valid_until",
    )


def test_another_authority_cannot_renew(client_for, kim, alpha_aeo):
    before = _stored()
    response = client_for(kim).post(
        f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2029-01-01", "valid_until": None}, format="json"
    )
    assert_problem(response, 403, problem="permission-denied")
    assert _stored() == before


def test_holder_reads_but_cannot_renew_its_certificate(client_for, alice, alpha_aeo):
    assert client_for(alice).get(f"{URL}{alpha_aeo.pk}/").status_code == 200
    before = _stored()
    response = client_for(alice).post(
        f"{URL}{alpha_aeo.pk}/renew/", {"valid_from": "2029-01-01", "valid_until": None}, format="json"
    )
    assert_problem(response, 403, problem="permission-denied")
    assert _stored() == before


# -------------------------------------------------------------------------------------------- status


def test_officer_suspends_with_a_reason_kept_in_the_history(client_for, tina, alpha_aeo):
    response = client_for(tina).post(
        f"{URL}{alpha_aeo.pk}/status/",
        {"status": "suspended", "effective_on": "2025-03-01", "reason": "Security audit failed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "suspended"
    assert [(h["status"], h["effective_on"], h["reason"]) for h in data["status_history"]] == [
        ("valid", "2024-01-01", "granted"),
        ("suspended", "2025-03-01", "Security audit failed"),
    ]
    record = audit_for(response, "aeo_certificate.status")
    assert record.changes["status"] == ["valid", "suspended"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "dubious", "effective_on": "2025-03-01", "reason": "x"}, "status"),
        ({"status": "suspended", "effective_on": "soon", "reason": "x"}, "effective_on"),
        ({"status": "suspended", "effective_on": "2025-03-01", "reason": ""}, "reason"),
        ({"status": "suspended", "effective_on": "2025-03-01"}, "reason"),
    ],
)
def test_bad_status_change_names_the_field(client_for, tina, alpha_aeo, payload, field):
    before = _stored()
    assert_problem(client_for(tina).post(f"{URL}{alpha_aeo.pk}/status/", payload, format="json"), 400, field=field)
    assert _stored() == before


def test_revocation_is_final(client_for, tina, alpha_aeo):
    path = f"{URL}{alpha_aeo.pk}/status/"
    revoke = {"status": "revoked", "effective_on": "2025-03-01", "reason": "Fraud"}
    assert client_for(tina).post(path, revoke, format="json").status_code == 200
    before = _stored()
    reinstate = {"status": "valid", "effective_on": "2025-04-01", "reason": "Appeal"}
    assert_problem(client_for(tina).post(path, reinstate, format="json"), 409, field="status")
    assert _stored() == before


def test_another_authority_cannot_change_the_status(client_for, kim, alpha_aeo):
    before = _stored()
    response = client_for(kim).post(
        f"{URL}{alpha_aeo.pk}/status/",
        {"status": "revoked", "effective_on": "2025-03-01", "reason": "Not ours"},
        format="json",
    )
    assert_problem(response, 403, problem="permission-denied")
    assert _stored() == before


def test_another_trader_gets_404_for_actions(client_for, charlie, alpha_aeo):
    before = _stored()
    for action, payload in [
        ("renew", {"valid_from": "2029-01-01", "valid_until": None}),
        ("status", {"status": "revoked", "effective_on": "2025-03-01", "reason": "x"}),
    ]:
        assert_problem(client_for(charlie).post(f"{URL}{alpha_aeo.pk}/{action}/", payload, format="json"), 404)
    assert_problem(client_for(charlie).get(f"{URL}{alpha_aeo.pk}/credential/"), 404)
    assert _stored() == before


# ----------------------------------------------------------------------------------------- credential


@pytest.fixture
def credentialed_aeo(tw_customs, alpha, grant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = grant(tw_customs, alpha, "TW-AEO-0007", valid_from=date(2024, 1, 1), valid_until=None)
    certificate.refresh_from_db()
    assert certificate.credential_id is not None
    return certificate


@pytest.mark.parametrize("who", ["alice", "tina", "staff"])
def test_holder_and_authority_get_the_signed_credential(request, client_for, credentialed_aeo, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get(f"{URL}{credentialed_aeo.pk}/credential/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vc"
    assert response.content == bytes(credentialed_aeo.credential.document)
    document = json.loads(response.content)
    assert "AeoCredential" in document["type"]
    assert document["credentialSubject"]["certificate"]["certificateNumber"] == "TW-AEO-0007"
    assert document["proof"]["type"] == "DataIntegrityProof"


def test_other_customs_see_the_certificate_but_not_its_credential(client_for, kim, credentialed_aeo):
    assert client_for(kim).get(f"{URL}{credentialed_aeo.pk}/").json()["has_credential"] is True
    assert_problem(client_for(kim).get(f"{URL}{credentialed_aeo.pk}/credential/"), 403, problem="permission-denied")


def test_certificate_without_a_credential_is_404(client_for, alice, alpha_aeo):
    assert client_for(alice).get(f"{URL}{alpha_aeo.pk}/").json()["has_credential"] is False
    assert_problem(client_for(alice).get(f"{URL}{alpha_aeo.pk}/credential/"), 404, problem="not-found")
