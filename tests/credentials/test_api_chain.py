"""GET /api/v1/consignments/{id}/credentials/: the consignment's chain of step credentials, in order.

PO-1001 is alpha's consignment with bravo as carrier; delta (dave) is uninvolved.
"""

from __future__ import annotations

import pytest

from apps.partners.choices import MemberRole, PartnerKind
from tests.credentials.issuing import chain_of, make_consignment, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def consignment(alpha, bravo):
    consignment = make_consignment(alpha)
    record(alpha, step_event("evt-gtin", consignments=(consignment,), code="GTIN"))
    record(bravo, step_event("bravo-load", consignments=(consignment,), hours=1, code="LOAD"))
    record(bravo, step_event("bravo-depa", consignments=(consignment,), hours=2))
    return consignment


def _url(consignment) -> str:
    return f"/api/v1/consignments/{consignment.pk}/credentials/"


def test_the_chain_is_listed_in_order_with_each_link(client_for, alice, consignment):
    response = client_for(alice).get(_url(consignment))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consignment"] == str(consignment.pk)
    credentials = chain_of(consignment)
    base = "http://127.0.0.1:8000/credentials/"
    assert [
        (row["position"], row["credential"], row["issuer"], row["event_id"], row["previous"], row["digest_multibase"])
        for row in body["chain"]
    ] == [
        (1, f"{base}{credentials[0].pk}", "alpha", "evt-gtin", None, credentials[0].digest_multibase),
        (
            2,
            f"{base}{credentials[1].pk}",
            "bravo",
            "bravo-load",
            f"{base}{credentials[0].pk}",
            credentials[1].digest_multibase,
        ),
        (
            3,
            f"{base}{credentials[2].pk}",
            "bravo",
            "bravo-depa",
            f"{base}{credentials[1].pk}",
            credentials[2].digest_multibase,
        ),
    ]
    assert {(row["revoked"], row["suspended"]) for row in body["chain"]} == {(False, False)}


def test_a_revoked_step_is_marked(client_for, alice, charlie, consignment):
    load = chain_of(consignment)[1]
    assert client_for(charlie).post(f"/api/v1/credentials/{load.pk}/revoke/").status_code == 200
    rows = client_for(alice).get(_url(consignment)).json()["chain"]
    assert [row["revoked"] for row in rows] == [False, True, False]


def test_a_consignment_without_steps_has_an_empty_chain(client_for, alice, alpha, bravo):
    other = make_consignment(alpha, reference="PO-2002")
    assert client_for(alice).get(_url(other)).json()["chain"] == []


def test_an_uninvolved_partner_gets_404(client_for, consignment):
    delta = PartnerFactory(slug="delta", kinds=[PartnerKind.FREIGHT_FORWARDER])
    dave = MembershipFactory(user=UserFactory(username="dave"), partner=delta, role=MemberRole.ADMIN).user
    assert_problem(client_for(dave).get(_url(consignment)), 404, problem="not-found")


def test_an_unknown_consignment_is_404_and_anonymous_is_refused(client, client_for, alice, consignment):
    assert_problem(client_for(alice).get("/api/v1/consignments/00000000-0000-0000-0000-000000000000/credentials/"), 404)
    assert client.get(_url(consignment)).status_code in {401, 403}


def test_staff_reads_any_chain(client_for, staff, consignment):
    assert len(client_for(staff).get(_url(consignment)).json()["chain"]) == 3
