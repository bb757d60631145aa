"""/consignments/<id>/ and its event graph: where it is, milestones, legs, custody, goods by disclosure, panels."""

from __future__ import annotations

import pytest

from apps.compliance.models import ReviewDecision
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers import raise_alert
from tests.shipments.conftest import native_event

pytestmark = pytest.mark.django_db


def _url(consignment, suffix: str = "") -> str:
    return f"/consignments/{consignment.pk}/{suffix}"


@pytest.fixture
def travelled(client_for, charlie, consignment):
    """The carrier (bravo) loaded the container and the vessel left Kaohsiung on the leg's voyage."""
    api = client_for(charlie)
    events = [
        native_event(
            event_id="evt-load-1",
            type="EQUIPMENT",
            event_code="LOAD",
            event_time="2026-03-01T06:00:00+08:00",
            equipment=["MSKU1234565"],
        ),
        native_event(consignment=str(consignment.pk), voyage_number="042W"),
    ]
    assert api.post("/api/v1/events/", events, format="json").status_code == 201
    return consignment


def test_the_party_sees_where_it_is_in_the_places_time_with_utc_on_hover(browser, bob, travelled):
    html = browser(bob).get(_url(travelled)).content.decode()
    assert "Vessel departed" in html
    assert 'title="DEPA"' in html  # the code on hover
    assert "1 Mar 2026 10:00 <abbr>CST</abbr>" in html  # Kaohsiung's local time
    assert 'title="2026-03-01 02:00 UTC"' in html


def test_milestones_are_in_event_time_order_and_legs_show_planned_and_actual(browser, bob, travelled):
    html = browser(bob).get(_url(travelled)).content.decode()
    assert html.index("Loaded on vessel") < html.index("Vessel departed", html.index('id="milestones"'))
    legs = html[html.index("Legs: planned and actual") :]
    assert "Kaohsiung" in legs
    assert "Rotterdam" in legs
    assert "1 Mar 2026 10:00 <abbr>CST</abbr>" in legs  # the actual departure, derived from the event


def test_containers_parties_and_goods_values_for_the_shipper(browser, bob, travelled):
    html = browser(bob).get(_url(travelled)).content.decode()
    assert "MSKU1234565" in html
    assert "Bravo Lines" in html
    assert "?party=bravo" in html
    assert "5,000.00 USD" in html


def test_the_carrier_sees_the_goods_without_their_value(browser, charlie, travelled):
    html = browser(charlie).get(_url(travelled)).content.decode()
    assert "Power supplies" in html
    assert "5,000.00" not in html
    assert "5000.00" not in html


def test_custody_names_the_carrier_after_loading(browser, bob, travelled):
    html = browser(bob).get(_url(travelled)).content.decode()
    custody = html[html.index('id="custody"') : html.index('id="consistency"')]
    assert "Bravo Lines" in custody


def test_another_partner_is_refused_by_url(browser, dave, travelled):
    for suffix in ("", "graph/", "record/"):
        assert browser(dave).get(_url(travelled, suffix)).status_code == 404


def test_open_alerts_of_the_partner_show_in_their_panel(browser, bob, alpha, travelled):
    raise_alert(alpha, travelled, title="Dwelling at Kaohsiung")
    html = browser(bob).get(_url(travelled)).content.decode()
    assert "Dwelling at Kaohsiung" in html


def test_the_eta_says_clearly_when_nothing_estimates_it(browser, bob, travelled):
    assert "No estimate" in browser(bob).get(_url(travelled)).content.decode()


def test_the_customs_decision_is_shown_as_status_to_the_consignee_only(
    browser, bob, make_consignment, nl_customs, nora
):
    consignee = PartnerFactory(slug="nl-buyer", country="NL")
    carol = MembershipFactory(user=UserFactory(username="carol"), partner=consignee).user
    consignment = make_consignment(
        parties=[{"partner": "alpha", "role": "consignor"}, {"partner": "nl-buyer", "role": "consignee"}]
    )
    ReviewDecision.objects.create(
        consignment=consignment, authority=nl_customs, decision="release", reason="Trusted chain", evaluation={}
    )
    html = browser(carol).get(_url(consignment)).content.decode()
    assert 'data-decision="release"' in html
    assert "Trusted chain" not in html  # status only
    assert 'data-decision="release"' not in browser(bob).get(_url(consignment)).content.decode()


def test_the_event_graph_draws_each_event_and_its_container(browser, bob, travelled):
    response = browser(bob).get(_url(travelled, "graph/"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "MSKU1234565" in html
    assert html.count('<g class="row">') == 2
    assert 'class="custody-carrier"' in html
