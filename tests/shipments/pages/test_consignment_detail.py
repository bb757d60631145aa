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


@pytest.fixture
def twice_gated_in(client_for, charlie, consignment):
    """bravo reports the container gated in at Kaohsiung, then at Rotterdam two days later: it never left the
    first terminal, and no ship crosses that distance in two days."""
    box = {"type": "EQUIPMENT", "event_code": "GTIN", "equipment": ["MSKU1234565"]}
    events = [
        native_event(event_id="gtin-khh", event_time="2026-03-01T09:00:00+08:00", location="TWKHH", **box),
        native_event(event_id="gtin-rtm", event_time="2026-03-03T09:00:00+08:00", location="NLRTM", **box),
    ]
    response = client_for(charlie).post("/api/v1/events/", events, format="json")
    assert response.status_code == 201
    return consignment, {event["event_id"]: event["id"] for event in response.json()["events"]}


def _consistency(client, consignment, language: str = "en") -> dict:
    return client.get(f"/api/v1/consignments/{consignment.pk}/consistency/", HTTP_ACCEPT_LANGUAGE=language).json()


FINDINGS_IN = {
    "zh-TW": {
        "out_of_order": "MSKU1234565：2026-03-03 01:00 UTC 於 NLRTM 進站 [{rtm}]，"  # noqa: RUF001
        "但自 2026-03-01 01:00 UTC 於 TWKHH 進站 [{khh}] 起一直在 TWKHH 碼頭內",
        "speed": "48.0 小時內移動 {km} 公里 = 時速 {speed} 公里，超過海運的速度上限 60 公里/小時",  # noqa: RUF001
    },
    "ko": {
        "out_of_order": "MSKU1234565: 2026-03-03 01:00 UTC에 NLRTM에 반입 [{rtm}], "
        "그러나 2026-03-01 01:00 UTC에 TWKHH에 반입 [{khh}] 이후 TWKHH 터미널 안에 있는 상태였음",
        "speed": "48.0시간 동안 {km} km = 시속 {speed} km, 해상 한도 60 km/h 초과",
    },
}


@pytest.mark.parametrize("language", ["zh-TW", "ko"])
def test_consistency_findings_read_in_the_pages_language(
    browser, client_for, bob, twice_gated_in, compiled_catalogues, language
):
    consignment, keys = twice_gated_in
    findings = {f["kind"]: f for f in _consistency(client_for(bob), consignment)["findings"]}
    assert set(findings) == {"out_of_order", "impossible_speed"}
    evidence = findings["impossible_speed"]["evidence"]
    html = browser(bob).get(_url(consignment), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    section = html[html.index('id="consistency"') : html.index("</section>", html.index('id="consistency"'))]
    expected = FINDINGS_IN[language]
    assert expected["out_of_order"].format(khh=keys["gtin-khh"], rtm=keys["gtin-rtm"]) in section
    assert (
        expected["speed"].format(km=f"{evidence['distance_km']:.0f}", speed=f"{evidence['speed_kmh']:.0f}") in section
    )
    for finding in findings.values():
        assert finding["detail"] not in section
    assert "gated in at" not in section


def test_the_api_answers_the_findings_in_english_whatever_the_language(
    browser, client_for, bob, twice_gated_in, compiled_catalogues
):
    consignment, keys = twice_gated_in
    english = _consistency(client_for(bob), consignment)
    assert (
        _consistency(client_for(bob), consignment, "zh-TW")
        == english
        == _consistency(client_for(bob), consignment, "ko")
    )
    details = [f["detail"] for f in english["findings"]]
    assert (
        f"MSKU1234565 gated in at NLRTM on 2026-03-03 01:00 UTC [{keys['gtin-rtm']}] while in terminal TWKHH "
        f"since it gated in at TWKHH on 2026-03-01 01:00 UTC [{keys['gtin-khh']}]"
    ) in details
    html = browser(bob).get(_url(consignment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for detail in details:
        assert detail in html


@pytest.mark.parametrize(("language", "carrier"), [("zh-TW", "承運人：Bravo Lines"), ("ko", "운송인: Bravo Lines")])  # noqa: RUF001
def test_the_graphs_custody_says_the_role_and_the_holders_name(
    browser, bob, travelled, compiled_catalogues, language, carrier
):
    html = browser(bob).get(_url(travelled, "graph/"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    custody = html[html.index('<g class="custody">') : html.index('<g class="lines">')]
    assert f"<title>{carrier}</title>" in custody
    assert "carrier bravo" not in custody
    assert ">carrier" not in custody
