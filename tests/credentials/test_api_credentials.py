"""/api/v1/credentials/: credentials one issued or may see; the issuer revokes, suspends, unsuspends.

PO-1001 is alpha's consignment with bravo as carrier: alpha and bravo each recorded a step, so each
sees both credentials; delta (dave) is uninvolved. Only the issuer may change a credential's status.
"""

from __future__ import annotations

import pytest

from apps.credentials import status_list
from apps.credentials.models import Credential, StatusList
from apps.credentials.verification import credential_verify
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from tests.credentials.issuing import credential_of, document_of, make_consignment, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

CREDENTIALS = "/api/v1/credentials/"


@pytest.fixture
def dave(db):
    delta = PartnerFactory(slug="delta", name="Delta Forwarding", kinds=[PartnerKind.FREIGHT_FORWARDER])
    return MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user


@pytest.fixture
def steps(alpha, bravo):
    """alpha's departure and bravo's load of PO-1001: (alpha's credential, bravo's credential)."""
    consignment = make_consignment(alpha)
    (departure,) = record(alpha, step_event("evt-depa", consignments=(consignment,)))
    (load,) = record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    return credential_of(departure), credential_of(load)


def _bit(credential: Credential, purpose: str) -> bool:
    lst = StatusList.objects.get(
        pk=credential.revocation_list_id if purpose == "revocation" else credential.suspension_list_id
    )
    index = credential.revocation_index if purpose == "revocation" else credential.suspension_index
    return status_list.Bitstring.from_bytes(bytes(lst.bits)).get(index)


def _failed(credential: Credential) -> list[str]:
    return [check["check"] for check in credential_verify(document_of(credential)).errors]


# --- Reading ------------------------------------------------------------------------------------------


def test_a_party_lists_its_own_and_the_other_partys_step_credentials(client_for, alice, steps):
    response = client_for(alice).get(CREDENTIALS)
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    mine, theirs = steps
    assert set(rows) == {str(mine.pk), str(theirs.pk)}
    row = rows[str(mine.pk)]
    assert row == {
        "id": str(mine.pk),
        "url": f"http://127.0.0.1:8000/credentials/{mine.pk}",
        "kind": "step",
        "issuer": "alpha",
        "event": str(mine.event_id),
        "issued_at": row["issued_at"],
        "digest_multibase": mine.digest_multibase,
        "revoked_at": None,
        "suspended": False,
    }
    assert rows[str(theirs.pk)]["issuer"] == "bravo"


def test_an_uninvolved_partner_lists_and_reads_none_of_them(client_for, dave, steps):
    api = client_for(dave)
    assert api.get(CREDENTIALS).json()["results"] == []
    for credential in steps:
        assert_problem(api.get(f"{CREDENTIALS}{credential.pk}/"), 404, problem="not-found")


def test_a_credential_is_read_by_id(client_for, charlie, steps):
    mine, _ = steps
    response = client_for(charlie).get(f"{CREDENTIALS}{mine.pk}/")
    assert response.status_code == 200
    assert (response.json()["issuer"], response.json()["kind"]) == ("alpha", "step")


def test_credentials_cannot_be_created_here(client_for, alice, steps):
    assert_problem(client_for(alice).post(CREDENTIALS, {"kind": "step"}, format="json"), 405)


# --- Revoking and suspending --------------------------------------------------------------------------


def test_the_issuers_operator_revokes_the_bit_flips_and_verification_fails_on_status(client_for, olga, steps):
    mine, theirs = steps
    assert credential_verify(document_of(mine)).verified
    response = client_for(olga).post(f"{CREDENTIALS}{mine.pk}/revoke/")
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] is not None
    audit = audit_for(response, "credential.revocation.set")
    assert audit.object_id == str(mine.pk)
    mine.refresh_from_db()
    assert _bit(mine, "revocation") is True
    assert _bit(mine, "suspension") is False
    outcome = credential_verify(document_of(mine))
    assert [check["check"] for check in outcome.errors] == ["status"]
    assert "revoked" in outcome.errors[0]["detail"]
    assert credential_verify(document_of(theirs)).verified  # only that one


def test_suspension_is_reversible(client_for, olga, steps):
    mine, _ = steps
    api = client_for(olga)
    response = api.post(f"{CREDENTIALS}{mine.pk}/suspend/")
    assert (response.status_code, response.json()["suspended"]) == (200, True)
    mine.refresh_from_db()
    assert _bit(mine, "suspension") is True
    assert _failed(mine) == ["status"]
    assert "suspended" in credential_verify(document_of(mine)).errors[0]["detail"]
    response = api.post(f"{CREDENTIALS}{mine.pk}/unsuspend/")
    assert (response.status_code, response.json()["suspended"]) == (200, False)
    mine.refresh_from_db()
    assert _bit(mine, "suspension") is False
    assert credential_verify(document_of(mine)).verified


def test_revoking_again_keeps_the_first_revocation_time(client_for, olga, steps):
    mine, _ = steps
    api = client_for(olga)
    first = api.post(f"{CREDENTIALS}{mine.pk}/revoke/").json()["revoked_at"]
    second = api.post(f"{CREDENTIALS}{mine.pk}/revoke/")
    assert second.status_code == 200
    assert second.json()["revoked_at"] == first


def test_a_write_token_of_the_issuer_may_revoke(alpha, steps, token_for, bearer):
    mine, _ = steps
    response = bearer(token_for(alpha)).post(f"{CREDENTIALS}{mine.pk}/suspend/")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("action", ["revoke", "suspend", "unsuspend"])
def test_another_party_that_sees_the_credential_is_403(client_for, charlie, steps, action):
    mine, _ = steps
    assert_problem(client_for(charlie).post(f"{CREDENTIALS}{mine.pk}/{action}/"), 403, problem="permission-denied")
    mine.refresh_from_db()
    assert (mine.revoked_at, mine.suspended) == (None, False)
    assert not _bit(mine, "revocation")


@pytest.mark.parametrize("action", ["revoke", "suspend", "unsuspend"])
def test_an_uninvolved_partner_is_404(client_for, dave, steps, action):
    mine, _ = steps
    assert_problem(client_for(dave).post(f"{CREDENTIALS}{mine.pk}/{action}/"), 404, problem="not-found")
    mine.refresh_from_db()
    assert (mine.revoked_at, mine.suspended) == (None, False)


def test_a_viewer_or_read_token_of_the_issuer_is_403(client_for, bob, steps, token_for, bearer):
    mine, _ = steps
    assert_problem(client_for(bob).post(f"{CREDENTIALS}{mine.pk}/revoke/"), 403)
    assert_problem(bearer(token_for(mine.issuer, scope=TokenScope.READ)).post(f"{CREDENTIALS}{mine.pk}/revoke/"), 403)
    mine.refresh_from_db()
    assert mine.revoked_at is None


def test_an_unknown_credential_is_404(client_for, olga, steps):
    assert_problem(client_for(olga).post(f"{CREDENTIALS}00000000-0000-0000-0000-000000000000/revoke/"), 404)
