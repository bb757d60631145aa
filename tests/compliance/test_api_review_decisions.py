"""/api/v1/review-decisions/: a customs officer's decision, stored with the verdict and chain check it was based on.

uma (US customs) reviews the Kaohsiung → Los Angeles consignment; Echo Imports (erin) is its
consignee and a broker (brenda) clears it: both are told the decision, not the reason or the
evaluation. bravo, the carrier, is told nothing; Korean customs (kim) cannot see the consignment.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from apps.compliance import selectors
from apps.compliance.models import ReviewDecision
from apps.compliance.services import certificates
from apps.core.models import AuditEvent
from apps.credentials.models import Credential
from apps.credentials.services.status import credential_status_set
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments.models import ConsignmentParty
from tests.credentials.issuing import record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/review-decisions/"
STATUS_FIELDS = {"id", "consignment", "authority", "decision", "decided_at"}


@pytest.fixture
def registry(grant, arrange, tw_customs, us_customs, alpha, us_importer):
    return {
        "alpha": grant(tw_customs, alpha, "TW-AEO-0001", valid_from=date(2015, 1, 1), valid_until=None),
        "echo": grant(us_customs, us_importer, "CTPAT-77", valid_from=date(2018, 1, 1), valid_until=None),
        "mra": arrange("tw-us", tw_customs, us_customs, signed_on=date(2012, 11, 13), in_force_from=date(2012, 11, 13)),
    }


@pytest.fixture
def erin(us_importer):
    return MembershipFactory(user=UserFactory(username="erin"), partner=us_importer, role=MemberRole.VIEWER).user


@pytest.fixture
def brenda(tw_us_consignment):
    broker = PartnerFactory(slug="foxtrot-brokers", country="US", kinds=[PartnerKind.CUSTOMS_BROKER])
    ConsignmentParty.objects.create(consignment=tw_us_consignment, partner=broker, role="customs_broker")
    return MembershipFactory(user=UserFactory(username="brenda"), partner=broker, role=MemberRole.VIEWER).user


@pytest.fixture
def departed(tw_us_consignment, bravo):
    """bravo recorded the departure from Kaohsiung: the chain holds one step credential."""
    (event,) = record(bravo, step_event("bravo-depa-1", consignments=(tw_us_consignment,)))
    return Credential.objects.get(event=event)


def body(subject: Any, **changes: Any) -> dict[str, Any]:
    return {"consignment": str(subject.pk), "decision": "document_check", "reason": "Carrier has no AEO", **changes}


def _stored() -> tuple:
    return ReviewDecision.objects.count(), AuditEvent.objects.filter(action="review_decision.create").count()


@pytest.fixture
def decided(client_for, uma, tw_us_consignment, registry, departed):
    response = client_for(uma).post(URL, body(tw_us_consignment), format="json")
    assert response.status_code == 201, response.content
    return ReviewDecision.objects.get(pk=response.json()["id"])


# --------------------------------------------------------------------------------------------- create


def test_officer_decision_stores_the_current_verdict_and_chain_check(
    client_for, uma, us_customs, tw_us_consignment, registry, departed
):
    response = client_for(uma).post(URL, body(tw_us_consignment), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["consignment"], data["authority"], data["decision"], data["reason"], data["officer"]) == (
        str(tw_us_consignment.pk),
        "us-cbp",
        "document_check",
        "Carrier has no AEO",
        "uma",
    )
    expected = selectors.chain_verdict(
        consignment=tw_us_consignment, authority=us_customs, as_of=timezone.localdate()
    ).to_dict()
    assert data["evaluation"] == expected
    assert data["evaluation"]["verdict"] == "partially_trusted"
    assert {p["partner"]: p["outcome"] for p in data["evaluation"]["parties"]} == {
        "alpha": "trusted_mra",
        "bravo": "no_certificate",
        "echo-imports": "trusted_own_aeo",
    }
    assert data["chain_verification"] == {"verified": True, "steps": 1, "failures": []}
    stored = ReviewDecision.objects.get(pk=data["id"])
    assert (stored.evaluation, stored.chain_verification["verified"]) == (expected, True)
    record_ = audit_for(response, "review_decision.create")
    assert (record_.actor_label, record_.changes["decision"]) == ("uma", "document_check")


def test_a_chain_without_credentials_is_not_verified(client_for, uma, tw_us_consignment, registry):
    response = client_for(uma).post(URL, body(tw_us_consignment, decision="hold"), format="json")
    assert response.json()["chain_verification"] == {"verified": False, "steps": 0, "failures": []}


def test_a_revoked_step_credential_is_reported_as_a_failure(client_for, uma, bravo, tw_us_consignment, departed):
    credential_status_set(
        actor=Actor(partner=bravo, role=MemberRole.OPERATOR), credential=departed, purpose="revocation", value=True
    )
    response = client_for(uma).post(URL, body(tw_us_consignment, decision="physical_inspection"), format="json")
    verification = response.json()["chain_verification"]
    assert (verification["verified"], verification["steps"]) == (False, 1)
    (failure,) = verification["failures"]
    assert (failure["position"], failure["issuer"]) == (1, "bravo")
    assert failure["credential"].endswith(str(departed.pk))
    assert "status" in {error["check"] for error in failure["errors"]}


def test_the_decision_keeps_the_evaluation_it_was_based_on(client_for, uma, tw_customs, decided, registry):
    before = client_for(uma).get(f"{URL}{decided.pk}/").json()["evaluation"]
    certificates.certificate_status_set(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=registry["alpha"],
        status="revoked",
        effective_on=date(2020, 1, 1),
        reason="Fraud",
    )
    after = client_for(uma).get(f"{URL}{decided.pk}/").json()["evaluation"]
    assert after == before
    assert {p["partner"]: p["outcome"] for p in after["parties"]}["alpha"] == "trusted_mra"


@pytest.mark.parametrize("who", ["alice", "charlie", "erin"])
def test_non_customs_callers_cannot_decide(request, client_for, tw_us_consignment, registry, who):
    before = _stored()
    response = client_for(request.getfixturevalue(who)).post(URL, body(tw_us_consignment), format="json")
    problem = assert_problem(response, 403, problem="permission-denied")
    assert problem["detail"] in {
        "Only a customs authority may decide on consignments.",
        "This needs the operator role for echo-imports; you act as viewer.",
    }
    # Refused before the body is read: bad input answers the same.
    response = client_for(request.getfixturevalue(who)).post(URL, {"decision": "maybe"}, format="json")
    assert_problem(response, 403)
    assert _stored() == before


def test_customs_viewer_cannot_decide(client_for, us_customs, tw_us_consignment):
    viewer = MembershipFactory(user=UserFactory(username="vic"), partner=us_customs, role=MemberRole.VIEWER).user
    before = _stored()
    assert_problem(client_for(viewer).post(URL, body(tw_us_consignment), format="json"), 403)
    assert _stored() == before


def test_deciding_on_a_consignment_the_authority_cannot_see_is_404(client_for, kim, tw_us_consignment, registry):
    before = _stored()
    response = client_for(kim).post(URL, body(tw_us_consignment), format="json")
    assert_problem(response, 404, problem="not-found", field="consignment")
    assert _stored() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision": "wave through"}, "decision"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"consignment": "PO-1001"}, "consignment"),
        ({"officer": "someone else"}, "officer"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(client_for, uma, tw_us_consignment, changes, field):
    before = _stored()
    assert_problem(client_for(uma).post(URL, body(tw_us_consignment, **changes), format="json"), 400, field=field)
    assert _stored() == before


def test_blank_reason_is_refused_by_the_service_too(client_for, uma, tw_us_consignment):
    before = _stored()
    problem = assert_problem(
        client_for(uma).post(URL, body(tw_us_consignment, reason="   "), format="json"), 400, field="reason"
    )
    assert problem["errors"][0]["field"] == "reason"
    assert _stored() == before


# ----------------------------------------------------------------------------------------------- read


def test_the_deciding_authority_sees_everything(client_for, uma, decided):
    (row,) = client_for(uma).get(URL).json()["results"]
    assert (row["id"], row["reason"], row["officer"]) == (str(decided.pk), "Carrier has no AEO", "uma")
    assert row["evaluation"]["deciding_authority"] == "us-cbp"
    assert row["chain_verification"]["steps"] == 1


@pytest.mark.parametrize("who", ["erin", "brenda"])
def test_consignee_and_broker_see_the_decision_only(request, client_for, decided, who):
    client = client_for(request.getfixturevalue(who))
    (row,) = client.get(URL).json()["results"]
    assert set(row) == STATUS_FIELDS
    assert (row["authority"], row["decision"], row["consignment"]) == (
        "us-cbp",
        "document_check",
        str(decided.consignment_id),
    )
    detail = client.get(f"{URL}{decided.pk}/").json()
    assert set(detail) == STATUS_FIELDS


@pytest.mark.parametrize("who", ["alice", "charlie", "kim", "tina"])
def test_other_parties_and_authorities_see_nothing(request, client_for, decided, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(URL).json()["results"] == []
    assert_problem(client.get(f"{URL}{decided.pk}/"), 404, problem="not-found")


def test_staff_see_everything(client_for, staff, decided):
    detail = client_for(staff).get(f"{URL}{decided.pk}/").json()
    assert detail["reason"] == "Carrier has no AEO"


@pytest.mark.parametrize(
    ("query", "count"),
    [("decision=document_check", 1), ("decision=hold", 0), ("authority=us-cbp", 1), ("authority=tw-customs", 0)],
)
def test_list_filters(client_for, uma, decided, query, count):
    assert len(client_for(uma).get(f"{URL}?{query}").json()["results"]) == count


def test_list_filters_by_consignment(client_for, uma, decided):
    assert len(client_for(uma).get(f"{URL}?consignment={decided.consignment_id}").json()["results"]) == 1
    assert client_for(uma).get(f"{URL}?consignment=00000000-0000-0000-0000-000000000000").json()["results"] == []
    assert_problem(client_for(uma).get(f"{URL}?consignment=PO-1001"), 400, field="consignment")


def test_decisions_cannot_be_changed_or_deleted(client_for, uma, decided):
    assert_problem(client_for(uma).patch(f"{URL}{decided.pk}/", {"decision": "release"}, format="json"), 405)
    assert_problem(client_for(uma).delete(f"{URL}{decided.pk}/"), 405)
    decided.refresh_from_db()
    assert decided.decision == "document_check"
