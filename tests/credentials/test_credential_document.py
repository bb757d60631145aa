"""GET /credentials/{id}: the signed credential, exactly the bytes the next step's digest covers.

PO-1001 is alpha's consignment with bravo as carrier; delta (dave) is uninvolved.
"""

from __future__ import annotations

import pytest

from apps.credentials.models import Credential
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from tests.credentials.issuing import (
    credential_of,
    document_of,
    make_consignment,
    record,
    sha256_digest_multibase,
    step_event,
)
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(alpha, bravo) -> Credential:
    consignment = make_consignment(alpha)
    (event,) = record(alpha, step_event("evt-depa", consignments=(consignment,)))
    return credential_of(event)


def test_the_stored_bytes_are_served_as_application_vc(client_for, alice, credential):
    response = client_for(alice).get(f"/credentials/{credential.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc"
    assert response.content == bytes(credential.document)
    assert sha256_digest_multibase(response.content) == credential.digest_multibase
    assert document_of(credential)["id"] == f"http://127.0.0.1:8000/credentials/{credential.pk}"


def test_the_served_bytes_follow_the_stored_ones_exactly(client_for, alice, credential):
    """Whatever is stored is what is served: nothing re-serializes (and so cannot hide a change)."""
    changed = bytes(credential.document).replace(b'"DEPA"', b'"DEPA" ', 1)
    Credential.objects.filter(pk=credential.pk).update(document=changed)
    assert client_for(alice).get(f"/credentials/{credential.pk}").content == changed


def test_another_party_of_the_consignment_reads_it(client_for, charlie, credential):
    response = client_for(charlie).get(f"/credentials/{credential.pk}")
    assert response.status_code == 200
    assert response.content == bytes(credential.document)


def test_an_uninvolved_partner_gets_404(client_for, credential):
    delta = PartnerFactory(slug="delta", kinds=[PartnerKind.FREIGHT_FORWARDER])
    dave = MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user
    response = client_for(dave).get(f"/credentials/{credential.pk}")
    assert_problem(response, 404, problem="not-found")
    assert b"proof" not in response.content


def test_a_read_token_of_a_party_reads_it(bravo, credential, token_for, bearer):
    response = bearer(token_for(bravo, scope=TokenScope.READ)).get(f"/credentials/{credential.pk}")
    assert response.status_code == 200
    assert response.content == bytes(credential.document)


def test_anonymous_is_refused(client, credential):
    response = client.get(f"/credentials/{credential.pk}")
    assert response.status_code in {401, 403}
    assert b"proof" not in response.content


def test_an_unknown_credential_is_404(client_for, alice, credential):
    assert_problem(client_for(alice).get("/credentials/00000000-0000-0000-0000-000000000000"), 404)
    assert client_for(alice).get("/credentials/not-a-uuid").status_code == 404
