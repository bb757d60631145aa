"""Confidential business information on the consignment API: goods values and customs decisions by role.

PO-1001 (Kaohsiung → Rotterdam, 5000.00 USD of power supplies) is alpha's; each partner below has one
role in it. The Dutch customs authority (nora) sees it because it arrives in the Netherlands.
"""

from __future__ import annotations

import json

import pytest

from apps.compliance.services import reviews
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import selectors
from apps.shipments.models import Consignment
from tests.credentials.issuing import credential_of, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/consignments/"
COMMERCIAL = {"parties", "goods", "goods_values"}
HANDLING = {"parties", "goods"}
INFORMED = {"parties", "goods", "goods_values", "customs_decisions"}

ROLES = {
    # slug: (role in PO-1001, partner kind)
    "echo": ("consignee", PartnerKind.CONSIGNEE),
    "fox": ("customs_broker", PartnerKind.CUSTOMS_BROKER),
    "delta": ("freight_forwarder", PartnerKind.FREIGHT_FORWARDER),
    "golf": ("terminal_operator", PartnerKind.TERMINAL_OPERATOR),
    "hotel": ("notify_party", PartnerKind.CONSIGNEE),
}


@pytest.fixture
def members(alpha, alice, charlie, nora):
    """One user per partner: the slug is the key; alpha's alice and bravo's charlie already exist."""
    users = {"alpha": alice, "bravo": charlie, "nl-customs": nora}
    for slug, (_, kind) in ROLES.items():
        partner = PartnerFactory(slug=slug, name=slug.title(), kinds=[kind])
        users[slug] = MembershipFactory(user=UserFactory(username=f"{slug}-user"), partner=partner).user
    return users


@pytest.fixture
def po(make_consignment, members) -> Consignment:
    parties = [{"partner": "alpha", "role": "consignor"}, {"partner": "bravo", "role": "carrier"}]
    parties += [{"partner": slug, "role": role} for slug, (role, _) in ROLES.items()]
    return make_consignment(parties=parties)


def get(client_for, user, consignment: Consignment) -> dict:
    response = client_for(user).get(f"{URL}{consignment.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def decide(consignment: Consignment, customs, officer, decision: str = "hold", reason: str = "Undervalued") -> None:
    reviews.review_decision_create(
        actor=Actor(partner=customs, role=MemberRole.OPERATOR, user=officer),
        consignment_id=consignment.pk,
        decision=decision,
        reason=reason,
    )


# --- the rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "groups"),
    [
        ("alpha", COMMERCIAL),
        ("bravo", HANDLING),
        ("echo", INFORMED),
        ("fox", INFORMED),
        ("delta", COMMERCIAL),
        ("golf", HANDLING),
        ("hotel", HANDLING),
        ("nl-customs", INFORMED),
    ],
)
def test_each_role_is_disclosed_its_field_groups(po, members, slug, groups):
    partner = members[slug].memberships.get().partner
    assert selectors.consignment_disclosure(actor=Actor(partner=partner), consignment=po) == groups


def test_a_partner_with_two_roles_gets_both_roles_groups(po, members):
    po.parties.create(partner=members["bravo"].memberships.get().partner, role="consignee")
    bravo = members["bravo"].memberships.get().partner
    assert selectors.consignment_disclosure(actor=Actor(partner=bravo), consignment=po) == INFORMED


def test_customs_of_a_country_the_consignment_does_not_touch_get_nothing(po):
    kr = PartnerFactory(slug="kr-customs", country="KR", serves_country="KR", kinds=[PartnerKind.CUSTOMS_AUTHORITY])
    assert selectors.consignment_disclosure(actor=Actor(partner=kr), consignment=po) == frozenset()
    assert selectors.consignment_disclosure(actor=Actor(), consignment=po) == frozenset()


# --- goods values on the API ------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["alpha", "echo", "fox", "delta", "nl-customs"])
def test_goods_values_are_shown_to_the_commercial_parties_and_customs(client_for, po, members, slug):
    body = get(client_for, members[slug], po)
    item = body["goods_items"][0]
    assert (item["value"], item["currency"]) == ("5000.00", "USD")
    assert {p["partner"] for p in body["parties"]} == {"alpha", "bravo", *ROLES}


@pytest.mark.parametrize("slug", ["bravo", "golf", "hotel"])
def test_carriers_terminals_and_notify_parties_see_goods_without_their_value(client_for, po, members, slug):
    body = get(client_for, members[slug], po)
    item = body["goods_items"][0]
    assert "value" not in item
    assert "currency" not in item
    assert (item["hs_code"], item["description"], item["gross_weight_kg"]) == ("850440", "Power supplies", "120.500")
    assert {p["partner"] for p in body["parties"]} == {"alpha", "bravo", *ROLES}, "every party knows whom it deals with"


def test_a_carrier_may_not_replace_goods_lines_whose_values_it_cannot_read(client_for, po, charlie, alice):
    refused = client_for(charlie).patch(f"{URL}{po.pk}/", {"goods_items": []}, format="json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["pointer"] == "#/goods_items"
    assert po.goods_items.count() == 1
    other_fields = client_for(charlie).patch(f"{URL}{po.pk}/", {"corridor": "TW-EU"}, format="json")
    assert other_fields.status_code == 200
    allowed = client_for(alice).patch(f"{URL}{po.pk}/", {"goods_items": []}, format="json")
    assert allowed.status_code == 200
    assert po.goods_items.count() == 0


def test_the_list_applies_the_rule_row_by_row(client_for, po, members, make_consignment, charlie, bravo):
    own = make_consignment(
        actor=Actor(partner=bravo, role=MemberRole.ADMIN, user=charlie),
        reference="BRAVO-1",
        parties=[{"partner": "bravo", "role": "carrier"}],
    )
    response = client_for(charlie).get(URL)
    assert response.status_code == 200
    items = {row["reference"]: row["goods_items"][0] for row in response.json()["results"]}
    assert "value" not in items[po.reference], "a carrier of alpha's consignment"
    assert items[own.reference]["value"] == "5000.00", "bravo created BRAVO-1 itself"


def test_staff_see_goods_values(client_for, po, staff):
    assert get(client_for, staff, po)["goods_items"][0]["value"] == "5000.00"


def test_step_credentials_carry_no_goods_values(po, alpha):
    (event,) = record(alpha, step_event("evt-depa", consignments=(po,)))
    document = json.loads(bytes(credential_of(event).document))
    subject = document["credentialSubject"]
    (named,) = subject["consignment"]
    assert set(named) == {"id", "type", "consignmentReference", "transportDocumentNumber"}
    text = json.dumps(document)
    assert "5000" not in text
    assert "goods" not in text.lower()


# --- customs decisions, status only -----------------------------------------------------------------


@pytest.mark.parametrize("slug", ["echo", "fox"])
def test_the_consignee_and_broker_see_customs_decisions_as_status_only(client_for, po, members, nl_customs, slug):
    decide(po, nl_customs, members["nl-customs"], "document_check", reason="Check the invoice")
    decide(po, nl_customs, members["nl-customs"], "hold", reason="Undervalued")

    decisions = get(client_for, members[slug], po)["customs_decisions"]

    assert [(d["decision"], d["authority"], d["authority_name"]) for d in decisions] == [
        ("hold", "nl-customs", "Douane Nederland"),
        ("document_check", "nl-customs", "Douane Nederland"),
    ]
    assert all(set(d) == {"decision", "authority", "authority_name", "decided_at"} for d in decisions)
    assert "Undervalued" not in json.dumps(decisions)
    assert "nora" not in json.dumps(decisions)


@pytest.mark.parametrize("slug", ["bravo", "golf", "hotel", "delta", "alpha"])
def test_other_parties_get_no_customs_decisions(client_for, po, members, nl_customs, slug):
    decide(po, nl_customs, members["nl-customs"])
    body = get(client_for, members[slug], po)
    assert "customs_decisions" not in body


def test_the_deciding_customs_sees_its_own_decisions_and_not_another_authoritys(
    client_for, po, members, nl_customs, nora
):
    be = PartnerFactory(slug="be-customs", country="BE", serves_country="BE", kinds=[PartnerKind.CUSTOMS_AUTHORITY])
    berta = MembershipFactory(user=UserFactory(username="berta"), partner=be, role=MemberRole.OPERATOR).user
    po.legs.update(destination="BEANR")
    po.legs.create(sequence=2, mode="road", origin="BEANR", destination="NLRTM")
    decide(po, nl_customs, nora, "release")
    decide(po, be, berta, "hold")

    assert [d["authority"] for d in get(client_for, nora, po)["customs_decisions"]] == ["nl-customs"]
    assert [d["authority"] for d in get(client_for, berta, po)["customs_decisions"]] == ["be-customs"]
    assert [d["authority"] for d in get(client_for, members["echo"], po)["customs_decisions"]] == [
        "be-customs",
        "nl-customs",
    ]


def test_the_list_has_no_customs_decisions(client_for, po, members, nl_customs):
    decide(po, nl_customs, members["nl-customs"])
    response = client_for(members["echo"]).get(URL)
    assert "customs_decisions" not in response.json()["results"][0]
