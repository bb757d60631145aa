"""GET /api/v1/consignments/ filters: the FilterSet the consignments page uses too.

alpha (alice) creates every consignment here; bravo is their carrier, delta the forwarder of one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.disruptions.choices import AlertState
from apps.disruptions.services import alert_state_set
from apps.partners.access import system_actor
from apps.shipments.models import Consignment
from tests.helpers import assert_problem, raise_alert
from tests.shipments.conftest import CONTAINER, OTHER_CONTAINER

pytestmark = pytest.mark.django_db

URL = "/api/v1/consignments/"


@pytest.fixture
def two(make_consignment, delta):
    """PO-1001 (B/L BL-KHH-0001, MSKU1234565, to Rotterdam) and PO-2002 (B/L BL-KHH-0002, TGHU9876542, to LA)."""
    first = make_consignment()
    second = make_consignment(
        reference="PO-2002",
        transport_document_number="BL-KHH-0002",
        booking_reference="BKG-0002",
        destination="USLAX",
        equipment=[{"number": OTHER_CONTAINER}],
        parties=[
            {"partner": "alpha", "role": "consignor"},
            {"partner": "bravo", "role": "carrier"},
            {"partner": "delta", "role": "freight_forwarder"},
        ],
        legs=[],
    )
    return first, second


def _references(api, **params) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    return sorted(row["reference"] for row in response.json()["results"])


def test_the_equipment_filter_returns_only_the_consignments_of_that_container(client_for, alice, two):
    api = client_for(alice)
    assert _references(api, equipment=OTHER_CONTAINER) == ["PO-2002"]
    assert _references(api, equipment=CONTAINER.lower()) == ["PO-1001"]
    assert _references(api, equipment="MSKU 123456 5") == ["PO-1001"]
    assert _references(api, equipment="CSQU3054383") == []


def test_the_transport_document_filter_ignores_case(client_for, alice, two):
    api = client_for(alice)
    assert _references(api, transport_document_number="bl-khh-0002") == ["PO-2002"]
    assert _references(api, transport_document_number="BL-KHH-0001") == ["PO-1001"]
    assert _references(api, transport_document_number="BL-KHH") == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("po-2002", ["PO-2002"]),  # the reference (a PO number here), partial and any case
        ("2002", ["PO-2002"]),
        ("khh-0001", ["PO-1001"]),  # the B/L
        ("bkg-000", ["PO-1001", "PO-2002"]),  # the booking
        ("tghu 9876", ["PO-2002"]),  # the container, typed loosely
        ("msku1234565", ["PO-1001"]),
        ("nothing-like-it", []),
    ],
)
def test_one_search_finds_by_reference_bl_booking_or_container(client_for, alice, two, q, expected):
    assert _references(client_for(alice), q=q) == expected


def test_search_finds_only_what_the_caller_may_see(client_for, charlie, make_consignment, two):
    # bravo (charlie) is the carrier of both; a consignment of alpha's without bravo stays hidden.
    make_consignment(reference="PO-3003", parties=[{"partner": "alpha", "role": "consignor"}], legs=[])
    assert _references(client_for(charlie), q="PO-") == ["PO-1001", "PO-2002"]


def test_places_status_and_party_filter(client_for, alice, two):
    api = client_for(alice)
    assert _references(api, destination="uslax") == ["PO-2002"]
    assert _references(api, origin="TWKHH") == ["PO-1001", "PO-2002"]
    assert _references(api, party="delta") == ["PO-2002"]
    assert _references(api, status="booked") == ["PO-1001", "PO-2002"]
    assert _references(api, status=["delivered", "in_transit"]) == []


def test_the_date_range_filters_on_creation(client_for, alice, two):
    first, _ = two
    Consignment.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(days=10))
    api = client_for(alice)
    today = two[1].created_at.date().isoformat()
    assert _references(api, created_after=today) == ["PO-2002"]
    assert _references(api, created_before=(first.created_at - timedelta(days=9)).date().isoformat()) == ["PO-1001"]


def test_a_bad_filter_value_is_400_naming_it(client_for, alice, two):
    api = client_for(alice)
    assert_problem(api.get(URL, {"status": "lost"}), 400, field="status")
    assert_problem(api.get(URL, {"created_after": "yesterday"}), 400, field="created_after")
    assert_problem(api.get(URL, {"q": "x" * 65}), 400, field="q")


def test_has_open_alerts_keeps_the_consignments_with_an_open_alert_for_the_caller(client_for, alice, alpha, bravo, two):
    first, second = two
    raise_alert(alpha, first)
    resolved = raise_alert(alpha, second, key="resolved")
    alert_state_set(actor=system_actor("tests"), alert=resolved, state=AlertState.RESOLVED)
    raise_alert(bravo, second, key="bravo's own")  # addressed to another partner: not alpha's concern
    api = client_for(alice)
    assert _references(api, has_open_alerts="true") == ["PO-1001"]
    assert _references(api, has_open_alerts="false") == ["PO-2002"]
    assert _references(api) == ["PO-1001", "PO-2002"]
