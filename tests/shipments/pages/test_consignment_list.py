"""/consignments/: the consignments of the partner acting, filterable, sortable and paged, with one search box."""

from __future__ import annotations

import pytest

from apps.partners.choices import PartnerKind
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import raise_alert
from tests.shipments.conftest import OTHER_CONTAINER

pytestmark = pytest.mark.django_db

URL = "/consignments/"


@pytest.fixture
def two(make_consignment, delta):
    first = make_consignment()
    second = make_consignment(
        reference="PO-2002",
        transport_document_number="BL-KHH-0002",
        destination="USLAX",
        equipment=[{"number": OTHER_CONTAINER}],
        legs=[],
    )
    return first, second


def test_a_logistics_firms_home_is_its_consignments(browser, alice, two):
    response = browser(alice).get("/")
    assert response.status_code == 302
    assert response["Location"] == URL


def test_a_customs_officers_home_is_the_review_queue(browser, nora):
    response = browser(nora).get("/")
    assert response["Location"] == "/compliance/review/"


def test_the_party_sees_its_consignments_with_places_by_name(browser, bob, two):
    html = browser(bob).get(URL).content.decode()
    assert "PO-1001" in html
    assert "PO-2002" in html
    assert "Kaohsiung" in html
    assert "Los Angeles" in html
    assert "MSKU1234565" in html


def test_another_partner_sees_none_of_them(browser, dave, two):
    html = browser(dave).get(URL).content.decode()
    assert "PO-1001" not in html
    assert "No consignments yet" in html


def test_one_search_box_finds_a_consignment_by_part_of_its_container_in_any_case(browser, bob, two):
    html = browser(bob).get(URL, {"q": "tghu 9876"}).content.decode()
    assert "PO-2002" in html
    assert "PO-1001" not in html
    assert 'value="tghu 9876"' in html  # what was typed stays in the box


def test_filters_and_sorting_combine(browser, bob, two):
    html = browser(bob).get(URL, {"destination": "uslax", "sort": "-reference"}).content.decode()
    assert "PO-2002" in html
    assert "PO-1001" not in html
    html = browser(bob).get(URL, {"sort": "reference"}).content.decode()
    assert html.index("PO-1001") < html.index("PO-2002")
    html = browser(bob).get(URL, {"sort": "-reference"}).content.decode()
    assert html.index("PO-2002") < html.index("PO-1001")


def test_an_unknown_sort_falls_back_to_the_default(browser, bob, two):
    assert browser(bob).get(URL, {"sort": "password"}).status_code == 200


def test_a_bad_filter_is_400_naming_the_field_and_keeping_what_was_typed(browser, bob, two):
    response = browser(bob).get(URL, {"created_after": "last tuesday", "q": "PO"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date" in html
    assert 'value="last tuesday"' in html
    assert 'value="PO"' in html


def test_open_alerts_show_as_a_column_and_filter(browser, bob, alpha, two):
    first, _ = two
    raise_alert(alpha, first)
    html = browser(bob).get(URL, {"has_open_alerts": "true"}).content.decode()
    assert "PO-1001" in html
    assert "PO-2002" not in html
    assert f'href="/consignments/{first.pk}/#alerts">1</a>' in html


def test_the_list_pages(browser, bob, make_consignment, settings):
    for n in range(27):
        make_consignment(reference=f"PO-{n:04d}", equipment=[], legs=[])
    client = browser(bob)
    first = client.get(URL, {"sort": "reference"}).content.decode()
    assert "PO-0000" in first
    assert "PO-0025" not in first
    assert "Page 1 of 2" in first
    second = client.get(URL, {"sort": "reference", "page": 2}).content.decode()
    assert "PO-0025" in second
    assert "PO-0026" in second
    assert "PO-0000" not in second


def test_a_user_without_a_partner_is_refused(browser, db):
    response = browser(UserFactory(username="nobody")).get(URL)
    assert response.status_code == 403


def test_a_member_of_a_partner_of_another_kind_still_lands_on_its_consignments(browser, db):
    broker = PartnerFactory(slug="echo", country="US", kinds=[PartnerKind.CUSTOMS_BROKER])
    user = MembershipFactory(user=UserFactory(username="erin"), partner=broker).user
    assert browser(user).get("/")["Location"] == URL
