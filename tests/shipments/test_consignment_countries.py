"""The countries a consignment touches: origin, destination and both ends of every leg, transit included.

PO-1001 here goes from Kaohsiung (TW) to Los Angeles (US) by way of Busan (KR): Korean customs see it
and its goods values although it neither starts nor ends in Korea; Japanese customs do not.
"""

from __future__ import annotations

import pytest

from apps.compliance import selectors as compliance
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import selectors
from apps.shipments.models import Consignment
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/consignments/"
VIA_BUSAN = [
    {"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": "KRPUS", "carrier": "bravo"},
    {"sequence": 2, "mode": "sea", "origin": "KRPUS", "destination": "USLAX", "carrier": "bravo"},
]


def customs_officer(country: str):
    """An officer of ``country``'s customs authority (slug ``xx-customs``)."""
    code = country.lower()
    kinds = [PartnerKind.CUSTOMS_AUTHORITY]
    authority = PartnerFactory(slug=f"{code}-customs", country=country, serves_country=country, kinds=kinds)
    return MembershipFactory(user=UserFactory(username=f"{code}-officer"), partner=authority).user


@pytest.fixture
def via_busan(make_consignment) -> Consignment:
    return make_consignment(destination="USLAX", legs=VIA_BUSAN, equipment=[])


def test_a_transhipment_touches_the_countries_of_origin_transit_and_destination(via_busan):
    consignment = Consignment.objects.prefetch_related("legs").get(pk=via_busan.pk)
    assert selectors.consignment_countries(consignment=consignment) == {"TW", "KR", "US"}


@pytest.mark.parametrize("country", ["TW", "KR", "US", "JP", "NL"])
def test_the_query_and_the_loaded_rows_agree(via_busan, make_consignment, country):
    make_consignment(reference="PO-NL", legs=[])
    make_consignment(reference="PO-JP", origin="JPTYO", destination="NLRTM", legs=[], equipment=[])
    touching = set(Consignment.objects.touching_country(country))
    for consignment in Consignment.objects.prefetch_related("legs"):
        assert (consignment in touching) == (country in selectors.consignment_countries(consignment=consignment))
    assert Consignment.objects.touching_country("").count() == 0


def test_customs_of_a_transit_country_see_the_consignment_and_its_goods_values(client_for, via_busan):
    officer = customs_officer("KR")
    assert [row["reference"] for row in client_for(officer).get(URL).json()["results"]] == ["PO-1001"]
    response = client_for(officer).get(f"{URL}{via_busan.pk}/")
    assert response.status_code == 200
    item = response.json()["goods_items"][0]
    assert (item["value"], item["currency"]) == ("5000.00", "USD")


def test_customs_of_a_country_it_does_not_touch_see_nothing(client_for, via_busan):
    officer = customs_officer("JP")
    assert client_for(officer).get(URL).json()["results"] == []
    assert client_for(officer).get(f"{URL}{via_busan.pk}/").status_code == 404
    actor = Actor(partner=officer.memberships.get().partner, role=MemberRole.VIEWER, user=officer)
    assert selectors.consignment_disclosure(actor=actor, consignment=via_busan) == frozenset()


def test_the_customs_of_every_country_it_touches_decide_on_its_trust(via_busan):
    for country in ("TW", "KR", "US", "JP"):
        customs_officer(country)
    deciders = compliance.deciding_authorities([via_busan.pk])
    assert [authority.slug for authority in deciders[via_busan.pk]] == ["kr-customs", "tw-customs", "us-customs"]
