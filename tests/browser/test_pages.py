"""Corridor's pages used as people use them, in chromium, over the demo corridor (DESIGN §10, issue 18).

Each role logs in through the form and does its day's work by clicking and typing: the forwarder finds a
consignment by part of a container number and opens its detail, graph and map, records an event and sees
it verified in the chain, uploads an EPCIS file, acknowledges an alert; the US customs officer records a
decision the consignee then sees as status; the shipper's admin creates and revokes an API token. Every
main page is checked with axe-core and at a phone's width, and photographed for the README.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from apps.corridors.demo import DEMO_CORRIDOR
from apps.disruptions.models import Alert
from apps.disruptions.services import Finding, alerts_sync
from apps.partners.models import Partner
from apps.shipments.models import Consignment, Event
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, axe_violations, sideways_scroll
from tests.shipments.epcis.test_rest import document, object_event

pytestmark = [pytest.mark.browser]

OPERATOR = "forwarder-operator"  # Harbor Link Logistics (demo), freight forwarder of every demo consignment
OFFICER = "customs-us-operator"
ADMIN = "shipper-admin"
CONSIGNEE = "consignee-viewer"
OUTSIDER = "shipper-tainan-operator"  # the shipper of DEMO-KHH-LAX-0004 only
IN_TRANSIT = "DEMO-KHH-LAX-0002"  # container TGHU7700127


def _consignment(reference: str = IN_TRANSIT) -> Consignment:
    return Consignment.objects.get(reference=reference)


def _no_server_error(page: Any) -> None:
    assert "Server error" not in page.title()


# --- logging in ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "lands_on", "nav"),
    [
        (OPERATOR, "/consignments/", "Alerts"),
        (OFFICER, "/compliance/review/", "Customs review"),
        (ADMIN, "/consignments/", "API tokens"),
    ],
)
def test_each_role_logs_in_and_starts_at_its_own_work(login, username, lands_on, nav):
    page = login(username)
    page.goto("/")
    assert page.url.endswith(lands_on)
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name=nav, exact=True).is_visible()


# --- a logistics firm's day ----------------------------------------------------------------------------


def test_find_a_consignment_by_part_of_a_container_number_and_open_its_detail_graph_and_map(login):
    page = login(OPERATOR)
    page.goto("/consignments/")
    page.get_by_label("Search").fill("tghu77")
    page.get_by_role("button", name="Find").click()
    assert "1 consignment" in page.locator("[aria-live]").first.inner_text()
    page.get_by_role("link", name=IN_TRANSIT).click()
    page.wait_for_url(re.compile(r"/consignments/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(IN_TRANSIT)
    # The route map is drawn on the page: ports, legs and where it is now.
    route = page.locator("figure.map svg")
    assert route.is_visible()
    assert route.locator(".stops text").count() >= 2
    page.get_by_role("link", name=re.compile("graph", re.IGNORECASE)).first.click()
    page.wait_for_url(re.compile(r"/graph/$"))
    graph = page.locator("svg.graph")
    assert graph.is_visible()
    assert graph.locator(".node").count() > 3


def test_record_an_event_and_see_it_on_the_timeline_with_its_credential_verified(login):
    page = login(OPERATOR)
    page.goto(f"/consignments/{_consignment().pk}/")
    page.get_by_role("link", name="Record an event").first.click()
    page.get_by_label("What happened").select_option("EQUIPMENT:INSP")
    page.get_by_label("When (local time at the place)").fill("2026-11-26T09:30")
    page.get_by_label("Where (UN/LOCODE)").fill("krpus")
    page.get_by_label("Container (ISO 6346)").fill("tghu7700127")
    page.get_by_label("Your event id").fill("browser-inspection-1")
    page.get_by_role("button", name=re.compile("Record")).click()
    page.wait_for_url(re.compile(r"/consignments/[0-9a-f-]{36}/#event-"))
    assert "Event recorded" in page.locator(".messages").inner_text()
    event = Event.objects.get(event_id="browser-inspection-1")
    entry = page.locator(f"#event-{event.pk}")
    assert entry.is_visible()
    assert re.search("Busan|Pusan", entry.inner_text())
    # The step credential was issued (Celery inline: this test is the worker) and verifies in the chain.
    chain = page.locator("#chain")
    assert "verified" in chain.locator(".badge").first.inner_text()
    assert "not verified" not in chain.inner_text()
    assert chain.get_by_text("Forwarding").count() + chain.get_by_text("Harbor Link").count() > 0


def test_upload_an_epcis_file_and_watch_the_job_succeed(login, tmp_path):
    upload = tmp_path / "packing.jsonld"
    upload.write_text(json.dumps(document(object_event(901), object_event(902))))
    page = login(OPERATOR)
    page.goto("/events/upload/")
    page.get_by_label(re.compile("^Format")).select_option("epcis")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name=re.compile("Upload")).click()
    page.wait_for_url(re.compile(r"/events/upload/[0-9a-f-]{36}/$"))
    state = page.locator("[data-field=state]")
    state.filter(has_text="Success").wait_for()
    assert page.locator("[data-field=captured]").inner_text().strip() == "2 / 2"


@pytest.fixture(scope="module")
def forwarder_alert(live_url) -> Alert:
    """The forwarder's alert that DEMO-KHH-LAX-0002 went quiet, raised as the corridor scan raises its findings."""
    consignment = _consignment()
    forwarder = Partner.objects.get(slug="demo-harbor-link")
    seen = Event.objects.filter(links__consignment=consignment).select_related("recorder").order_by("event_time")
    last = seen.last()
    finding = Finding(
        kind="silence",
        subject_type="consignment",
        subject_id=str(consignment.pk),
        title=f"{consignment.reference}: no news for 3 days",
        evidence={
            "summary": "No event since the last one below; the corridor expects news every 48 hours.",
            "events": [
                {
                    "event_id": last.event_id,
                    "recorder": last.recorder.slug,
                    "event_time": last.event_time.isoformat(),
                    "place": last.location,
                }
            ],
            "thresholds": {"silence_hours": 48},
        },
        consignment_id=str(consignment.pk),
        corridor_id=DEMO_CORRIDOR,
    )
    alerts_sync(findings_by_partner={forwarder.pk: [finding]}, checked=[], as_of=datetime.now(UTC))
    # The demo's own scan may have raised it already (then this refreshes it) and others beside it.
    return Alert.objects.get(partner=forwarder, kind="silence", consignment=consignment)


def test_acknowledge_an_alert_from_the_inbox(login, forwarder_alert):
    alert = forwarder_alert
    event_id = alert.evidence["events"][0]["event_id"]
    page = login(OPERATOR)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts", exact=True).click()
    item = page.locator(f"#alert-{alert.pk}")
    assert "no news for 3 days" in item.inner_text()
    # Only the first alert's evidence is open; the demo's scan raises others, which may come first.
    if item.locator("details.evidence").get_attribute("open") is None:
        item.locator("details.evidence summary").click()
    assert item.get_by_role("link", name=f"Event {event_id}").is_visible()
    with page.expect_navigation():
        item.get_by_role("button", name="Acknowledge").click()
    assert "Alert acknowledged" in page.locator(".messages").inner_text()
    assert "Acknowledged" in page.locator(f"#alert-{alert.pk}").inner_text()
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == ("acknowledged", OPERATOR)


def test_refused_another_partners_consignment_by_url(login):
    page = login(OUTSIDER)
    response = page.goto(f"/consignments/{_consignment().pk}/")
    assert response.status == 404
    assert IN_TRANSIT not in page.content()
    assert page.get_by_role("heading", level=1).is_visible()  # the styled 404 page


# --- customs ---------------------------------------------------------------------------------------------


def test_a_customs_decision_shows_as_status_on_the_consignees_page(login):
    consignment = _consignment("DEMO-KHH-LAX-0003")
    officer = login(OFFICER)
    officer.goto("/compliance/review/")
    officer.get_by_role("link", name="DEMO-KHH-LAX-0003").first.click()
    officer.wait_for_url(re.compile(r"/compliance/review/[0-9a-f-]{36}/$"))
    decide = officer.locator("#decide")
    decide.locator("select").select_option("hold")
    decide.locator("textarea").fill("Examine the cargo: X-ray at the terminal.")
    with officer.expect_navigation():
        decide.get_by_role("button", name="Record decision").click()
    consignee = login(CONSIGNEE)
    consignee.goto(f"/consignments/{consignment.pk}/")
    panel = consignee.locator("#customs")
    assert panel.locator("[data-decision=hold]").is_visible()
    assert "X-ray" not in consignee.content()  # status only: the reason stays with customs


# --- a partner's admin -------------------------------------------------------------------------------------


def test_create_and_revoke_an_api_token(login):
    page = login(ADMIN)
    page.goto("/tokens/")
    page.get_by_label("Name").fill("Browser test TMS")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("cor_")
    row = page.locator("tr", has_text="Browser test TMS")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row.get_by_role("button", name="Revoke").click()
    assert "revoked" in page.locator(".messages").inner_text()
    assert "revoked" in page.locator("tr", has_text="Browser test TMS").inner_text().lower()


# --- languages ---------------------------------------------------------------------------------------------


def test_switch_to_traditional_chinese(login):
    page = login(OPERATOR)
    page.goto("/consignments/")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("zh-hant")
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert page.get_by_role("navigation").get_by_role("link", name="貨件").is_visible()
    with page.expect_navigation():
        page.locator("#language").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"


# --- every main page: accessible, usable at 390 px, photographed ------------------------------------------------


def _main_pages() -> list[tuple[str, str | None, Any]]:
    """(name, user, path or a function of the demo giving it) of each main page; SHOWN ones are photographed."""

    def detail(suffix: str = "") -> Any:
        return lambda: f"/consignments/{_consignment().pk}/{suffix}"

    return [
        ("login", None, "/login/"),
        ("consignments", OPERATOR, "/consignments/"),
        ("consignment", OPERATOR, detail()),
        ("graph", OPERATOR, detail("graph/")),
        ("record-event", OPERATOR, detail("record/")),
        ("chain", OPERATOR, detail("credentials/")),
        ("upload", OPERATOR, "/events/upload/"),
        ("dashboard", OPERATOR, "/dashboard/"),
        ("alerts", OPERATOR, "/alerts/"),
        ("review-queue", OFFICER, "/compliance/review/"),
        ("review", OFFICER, lambda: f"/compliance/review/{_consignment('DEMO-KHH-LAX-0004').pk}/"),
        ("members", ADMIN, "/members/"),
        ("tokens", ADMIN, "/tokens/"),
        ("keys", ADMIN, "/keys/"),
        ("audit", ADMIN, "/audit/"),
        ("corridor", OPERATOR, f"/corridors/{DEMO_CORRIDOR}/"),
        ("verify", None, "/verify/"),
        ("partners", "demo-staff", "/partners/"),
    ]


# The pages photographed for the README (docs/screenshots/<name>.png; <name>-phone.png at 390 px).
SHOWN = {"consignments", "consignment", "graph", "alerts", "dashboard", "review", "chain"}
SHOWN_ON_PHONE = {"consignments", "consignment"}


@pytest.mark.parametrize(("name", "username", "path"), _main_pages(), ids=[p[0] for p in _main_pages()])
def test_main_page_is_accessible_and_fits_a_phone(login, forwarder_alert, name, username, path):
    url = path() if callable(path) else path
    page = login(username, viewport=DESKTOP)
    response = page.goto(url)
    assert response.status == 200, f"{name}: {url} answered {response.status}"
    _no_server_error(page)
    if name in SHOWN:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    violations = axe_violations(page)
    assert not violations, f"{name}: axe-core found serious violations: {json.dumps(violations, indent=1)}"
    phone = login(username, viewport=PHONE)
    phone.goto(url)
    overflow = sideways_scroll(phone)
    assert overflow is None, f"{name} scrolls sideways at 390 px: {overflow}"
    if name in SHOWN_ON_PHONE:
        phone.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"))


@pytest.mark.parametrize(("name", "username", "path"), _main_pages(), ids=[p[0] for p in _main_pages()])
def test_main_page_in_traditional_chinese_is_accessible_and_fits_a_phone(login, forwarder_alert, name, username, path):
    """The same pages as a browser set to Taiwanese Chinese sees them (Accept-Language: zh-TW)."""
    url = path() if callable(path) else path
    login(username)  # logs in through the English form once, if no earlier test has
    page = login(username, viewport=DESKTOP, locale="zh-TW")
    response = page.goto(url)
    assert response.status == 200, f"{name}: {url} answered {response.status}"
    _no_server_error(page)
    assert page.locator("html").get_attribute("lang") == "zh-hant", name
    violations = axe_violations(page)
    assert not violations, f"{name} (zh-Hant): axe-core found serious violations: {json.dumps(violations, indent=1)}"
    phone = login(username, viewport=PHONE, locale="zh-TW")
    phone.goto(url)
    overflow = sideways_scroll(phone)
    assert overflow is None, f"{name} (zh-Hant) scrolls sideways at 390 px: {overflow}"
