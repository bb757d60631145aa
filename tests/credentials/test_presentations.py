"""GET /api/v1/consignments/{id}/presentation/ and POST /presentations/verify.

PO-1001 is alpha's consignment with bravo as carrier, three steps recorded; delta (dave) is
uninvolved. A presentation signed for a verifier's challenge and domain proves who presents it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.credentials.services.keys import partner_key_ensure
from apps.partners.choices import MemberRole, PartnerKind
from tests.credentials.issuing import chain_of, checks_failed, make_consignment, problem_types, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

BRAVO_DID = "did:web:localhost%3A8000:partners:bravo"


@pytest.fixture
def consignment(alpha, bravo):
    consignment = make_consignment(alpha)
    record(alpha, step_event("evt-gtin", consignments=(consignment,), code="GTIN"))
    record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    record(bravo, step_event("bravo-depa", consignments=(consignment,), hours=2))
    return consignment


def _url(consignment) -> str:
    return f"/api/v1/consignments/{consignment.pk}/presentation/"


def present(api: Any, consignment, **params: str) -> dict[str, Any]:
    response = api.get(_url(consignment), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vp")
    return json.loads(response.content)


def verify(client: Any, presentation: Any, *, unsigned: bool = True, **options: str) -> Any:
    """POST /presentations/verify; an unsigned presentation is allowed unless ``unsigned`` is False."""
    body = {"verifiablePresentation": presentation, "options": {**options, "unsignedPresentation": unsigned}}
    return client.post("/presentations/verify", json.dumps(body), content_type="application/json")


def assert_refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["verified"] is False
    assert problem_types(body) == checks_failed(body)
    return body


def test_the_presentation_holds_the_chain_in_order_as_issued(client_for, charlie, consignment):
    presentation = present(client_for(charlie), consignment)
    assert presentation["type"] == ["VerifiablePresentation"]
    assert presentation["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert "proof" not in presentation
    assert presentation["verifiableCredential"] == [
        json.loads(bytes(credential.document)) for credential in chain_of(consignment)
    ]


def test_an_unsigned_presentation_verifies_credential_by_credential(client, client_for, alice, consignment):
    response = verify(client, present(client_for(alice), consignment))
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    for index in range(3):
        assert f"credential {index}: proof" in checks
        assert f"credential {index}: status" in checks
    assert "credential 1: chain digests" in checks


def test_a_presentation_signed_for_a_challenge_and_domain_verifies_with_them(client, client_for, charlie, consignment):
    presentation = present(client_for(charlie), consignment, challenge="c-123", domain="customs.example")
    proof = presentation["proof"]
    key = partner_key_ensure(partner=consignment.parties.get(role="carrier").partner)
    assert presentation["holder"] == BRAVO_DID
    assert (proof["proofPurpose"], proof["challenge"], proof["domain"]) == (
        "authentication",
        "c-123",
        "customs.example",
    )
    assert proof["verificationMethod"] == f"{BRAVO_DID}#{key.key_id}"
    response = verify(client, presentation, challenge="c-123", domain="customs.example")
    assert response.status_code == 200, response.content
    assert "proof" in response.json()["checks"]


@pytest.mark.parametrize("wrong", ["challenge", "domain"])
def test_a_wrong_challenge_or_domain_fails_the_proof(client, client_for, charlie, consignment, wrong):
    presentation = present(client_for(charlie), consignment, challenge="c-123", domain="customs.example")
    options = {"challenge": "c-123", "domain": "customs.example", wrong: "something-else.example"}
    body = assert_refused(verify(client, presentation, **options))
    assert checks_failed(body) == ["proof"]
    assert wrong in body["problemDetails"][0]["detail"]


def test_a_replayed_presentation_with_a_changed_challenge_fails_the_signature(client, client_for, charlie, consignment):
    presentation = present(client_for(charlie), consignment, challenge="c-123")
    presentation["proof"]["challenge"] = "c-456"
    body = assert_refused(verify(client, presentation, challenge="c-456"))
    assert "signature" in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize("options", [{"challenge": "c-1"}, {"domain": "customs.example"}])
def test_a_challenge_or_domain_asked_of_an_unsigned_presentation_fails(client, client_for, alice, consignment, options):
    body = assert_refused(verify(client, present(client_for(alice), consignment), **options))
    assert checks_failed(body) == ["proof"]


def test_each_consignments_steps_are_held_to_its_own_chain(client, client_for, alice, alpha, consignment):
    other = make_consignment(alpha, reference="PO-2002")
    record(alpha, step_event("evt-other", consignments=(other,)))
    mixed = present(client_for(alice), consignment)
    mixed["verifiableCredential"].insert(1, present(client_for(alice), other)["verifiableCredential"][0])
    assert verify(client, mixed).status_code == 200  # PO-1001's steps are still consecutive
    del mixed["verifiableCredential"][2]  # PO-1001's second step, hidden behind the other consignment's
    body = assert_refused(verify(client, mixed))
    assert checks_failed(body) == ["chain digests"]
    assert "credential 2 does not name credential 0" in body["problemDetails"][0]["detail"]


def test_a_tampered_credential_inside_is_named_by_its_place(client, client_for, alice, consignment):
    presentation = present(client_for(alice), consignment)
    presentation["verifiableCredential"][1]["credentialSubject"]["eventCode"] = "DISC"
    body = assert_refused(verify(client, presentation))
    assert checks_failed(body) == ["credential 1: proof", "chain digests"]  # and the next step no longer matches it


def test_a_tampered_signed_presentation_fails_its_own_proof(client, client_for, charlie, consignment):
    presentation = present(client_for(charlie), consignment, challenge="c-1")
    presentation["verifiableCredential"].pop()
    body = assert_refused(verify(client, presentation, challenge="c-1"))
    assert checks_failed(body) == ["proof"]


def test_a_step_removed_from_an_unsigned_presentation_is_named(client, client_for, alice, consignment):
    presentation = present(client_for(alice), consignment)
    del presentation["verifiableCredential"][1]
    body = assert_refused(verify(client, presentation))
    assert checks_failed(body) == ["chain digests"]


def test_reordered_steps_are_named(client, client_for, alice, consignment):
    presentation = present(client_for(alice), consignment)
    credentials = presentation["verifiableCredential"]
    credentials[1], credentials[2] = credentials[2], credentials[1]
    body = assert_refused(verify(client, presentation))
    assert checks_failed(body) == ["chain digests"]


def test_a_revoked_step_fails_its_status_inside_the_presentation(client, client_for, alice, charlie, consignment):
    load = chain_of(consignment)[1]
    assert client_for(charlie).post(f"/api/v1/credentials/{load.pk}/revoke/").status_code == 200
    body = assert_refused(verify(client, present(client_for(alice), consignment)))
    assert checks_failed(body) == ["credential 1: status"]


def test_an_unsigned_presentation_is_refused_unless_the_options_allow_it(client, client_for, alice, consignment):
    presentation = present(client_for(alice), consignment)
    body = assert_refused(verify(client, presentation, unsigned=False))
    assert checks_failed(body)[0] == "proof"
    assert "unsignedPresentation" in body["problemDetails"][0]["detail"]
    assert verify(client, presentation, unsigned=True).status_code == 200


@pytest.mark.parametrize(
    "presentation",
    [
        None,
        "text",
        [],
        {"type": ["VerifiablePresentation"]},
    ],
)
def test_a_body_without_a_presentation_fails_the_structure_check(client, presentation):
    body = assert_refused(verify(client, presentation))
    assert checks_failed(body) == ["structure"]


def test_credentials_that_are_no_credentials_fail_their_structure_check(client):
    presentation = {"type": ["VerifiablePresentation"], "verifiableCredential": [{"type": 5}, {"type": None}, "x"]}
    body = assert_refused(verify(client, presentation))
    assert checks_failed(body) == ["credential 0: structure", "credential 1: structure", "credential 2: structure"]


def test_an_uninvolved_partner_gets_404(client_for, consignment):
    delta = PartnerFactory(slug="delta", kinds=[PartnerKind.FREIGHT_FORWARDER])
    dave = MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user
    api = client_for(dave)
    assert_problem(api.get(_url(consignment)), 404, problem="not-found")
    assert_problem(api.get(_url(consignment), {"challenge": "c-1"}), 404, problem="not-found")


def test_staff_without_a_partner_cannot_sign_but_can_read(client_for, staff, consignment):
    assert len(present(client_for(staff), consignment)["verifiableCredential"]) == 3
    assert_problem(client_for(staff).get(_url(consignment), {"challenge": "c-1"}), 400, field="challenge")


def test_the_presentation_of_a_chain_is_a_copy_of_the_credentials_not_a_reserialization(client_for, alice, consignment):
    presentation = present(client_for(alice), consignment)
    for credential, stored in zip(presentation["verifiableCredential"], chain_of(consignment), strict=True):
        assert json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode() == bytes(stored.document)
