"""/alerts/: the acting partner's alerts inbox, in words, filtered; operators acknowledge and resolve.

alpha (alice admin, olga operator, bob viewer) has alerts; bravo (charlie) has its own, which alpha's
people never see nor touch (404).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.core.words import Text
from apps.disruptions.models import Alert
from apps.disruptions.presentation import evidence_facts
from apps.disruptions.services import alert_raise, alerts_sync, trust_change_alerts_raise
from tests.disruptions.conftest import AS_OF, overdue
from tests.shipments.conftest import native_event

pytestmark = pytest.mark.django_db

URL = "/alerts/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def departed(consignment, charlie, client_for):
    """bravo's departure event evt-depa-1, which the overdue finding names."""
    response = client_for(charlie).post("/api/v1/events/", native_event(consignment=str(consignment.pk)), format="json")
    assert response.status_code == 201, response.content
    return response


@pytest.fixture
def alerts(alpha, bravo, consignment, departed):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=[], as_of=AS_OF)
    expired, _ = alert_raise(
        partner=alpha,
        kind="aeo_expired",
        title="AEO certificate TW-AEO-0002 expired",
        subject_type="certificate",
        subject_id="cert-2",
        evidence={"number": "TW-AEO-0002", "expired_on": "2026-11-30"},
        severity="critical",
    )
    theirs, _ = alert_raise(
        partner=bravo, kind="aeo_expired", title="Bravo's certificate", subject_type="certificate", subject_id="cert-3"
    )
    return {"late": Alert.objects.get(kind="overdue"), "expired": expired, "theirs": theirs}


def test_inbox_shows_the_partners_alerts_with_evidence_in_words_and_links(alerts, olga, consignment):
    response = _client(olga).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "PO-1001 is 3 days late at Rotterdam" in html
    assert "AEO certificate TW-AEO-0002 expired on 2026-11-30" in html
    assert "Bravo&#x27;s certificate" not in html
    assert "Bravo's certificate" not in html
    # The evidence: the summary, the event by the id its recorder sent, the recorder's name, a link to it.
    assert "Due 2026-11-28 12:00 UTC" in html
    assert "Event evt-depa-1" in html
    assert "recorded by Bravo Lines" in html
    assert f'href="/consignments/{consignment.pk}/#event-' in html
    assert f'href="/consignments/{consignment.pk}/"' in html
    assert "Overdue tolerance (hours)" in html
    assert "overdue_tolerance_hours" not in html
    assert "Acknowledge" in html
    assert "Resolve" in html


def test_trust_change_title_is_in_words(alpha, consignment, olga):
    trust_change_alerts_raise(
        changes=[
            {
                "partner": alpha,
                "consignment_id": consignment.pk,
                "before": "fully_trusted",
                "after": "partially_trusted",
                "evaluation": {"as_of": "2026-12-01", "parties": []},
            }
        ]
    )
    html = _client(olga).get(URL).content.decode()
    assert "Trust verdict changed from Fully trusted to Partially trusted" in html
    assert "fully_trusted" not in html
    assert "partially_trusted" not in html


def test_operator_acknowledges_then_resolves(alerts, olga):
    client = _client(olga)
    late = alerts["late"]
    response = client.post(f"/alerts/{late.pk}/acknowledge/", {"next": "/alerts/?kind=overdue"})
    assert response.status_code == 302
    assert response["Location"] == "/alerts/?kind=overdue"
    late.refresh_from_db()
    assert (late.state, late.acknowledged_by) == ("acknowledged", "olga")
    page = client.get("/alerts/?kind=overdue").content.decode()
    assert "Alert acknowledged: PO-1001 is 3 days late at Rotterdam" in page
    assert "Acknowledged" in page
    assert "Alert resolved: PO-1001" in client.post(f"/alerts/{late.pk}/resolve/", follow=True).content.decode()
    late.refresh_from_db()
    assert (late.state, late.resolved_by) == ("resolved", "olga")
    # Resolved alerts leave the default (unresolved) view, and show when asked for.
    assert "3 days late" not in client.get(URL).content.decode()
    assert "3 days late" in client.get(URL, {"state": "resolved"}).content.decode()
    assert "3 days late" in client.get(URL, {"state": "all"}).content.decode()


def test_acknowledging_twice_says_who_did(alerts, olga, alice):
    late = alerts["late"]
    _client(alice).post(f"/alerts/{late.pk}/acknowledge/")
    response = _client(olga).post(f"/alerts/{late.pk}/acknowledge/", follow=True)
    assert "already acknowledged by alice" in response.content.decode()


def test_another_partners_alert_is_not_found(alerts, olga, charlie):
    theirs = alerts["theirs"]
    for action in ("acknowledge", "resolve"):
        assert _client(olga).post(f"/alerts/{theirs.pk}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "open"
    # And the other way round: bravo sees its own alert only.
    html = _client(charlie).get(URL).content.decode()
    assert "Bravo&#x27;s certificate" in html or "cert-3" in html
    assert "3 days late" not in html


def test_viewer_sees_alerts_without_actions_and_is_refused_a_change(alerts, bob):
    html = _client(bob).get(URL).content.decode()
    assert "3 days late" in html
    assert "/acknowledge/" not in html
    assert _client(bob).post(f"/alerts/{alerts['late'].pk}/acknowledge/").status_code == 403


def test_posting_without_the_csrf_token_is_refused(alerts, olga):
    client = Client(enforce_csrf_checks=True)
    client.force_login(olga)
    assert client.post(f"/alerts/{alerts['late'].pk}/acknowledge/").status_code == 403
    alerts["late"].refresh_from_db()
    assert alerts["late"].state == "open"


def test_filters_by_kind_consignment_and_corridor(alerts, olga, consignment):
    client = _client(olga)
    by_kind = client.get(URL, {"kind": "aeo_expired"}).content.decode()
    assert "TW-AEO-0002" in by_kind
    assert "3 days late" not in by_kind
    by_consignment = client.get(URL, {"consignment": str(consignment.pk)}).content.decode()
    assert "3 days late" in by_consignment
    assert "TW-AEO-0002" not in by_consignment
    by_corridor = client.get(URL, {"corridor": "twkhh-nlrtm"}).content.decode()
    assert "3 days late" in by_corridor
    assert "TW-AEO-0002" not in by_corridor
    assert "3 days late" not in client.get(URL, {"corridor": "elsewhere"}).content.decode()


def test_a_bad_filter_is_a_400_naming_it(alerts, olga):
    response = _client(olga).get(URL, {"kind": "nonsense"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_nav_links_the_inbox(olga):
    assert 'href="/alerts/"' in _client(olga).get("/dashboard/").content.decode()


def test_query_count_does_not_grow_with_the_alerts(alerts, olga, alpha, make_consignment):
    client = _client(olga)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(4):
        other = make_consignment(reference=f"PO-20{n}", equipment=[], transport_document_number=f"BL-{n}")
        alerts_sync(findings_by_partner={alpha.pk: [overdue(other)]}, checked=[], as_of=AS_OF)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_a_title_raised_in_other_words_is_shown_as_raised(alpha, consignment, departed, olga, compiled_catalogues):
    alerts_sync(
        findings_by_partner={alpha.pk: [overdue(consignment, evidence={"destination": "NLRTM"})]},
        checked=[],
        as_of=AS_OF,
    )
    page = _client(olga).get(URL, HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
    assert "PO-1001 is 3 days late at Rotterdam" in page


def test_the_watchs_titles_facts_and_refusals_speak_traditional_chinese(
    alpha, consignment, departed, olga, alice, compiled_catalogues
):
    evidence = {
        "destination": "NLRTM",
        "events": [{"event_id": "evt-depa-1", "recorder": "bravo", "event_time": "2026-11-16T08:00:00+09:00"}],
        "thresholds": {"overdue_tolerance_hours": 12.0, "silence_hours.sea": 72},
        "baseline": {"median_hours": 1234.5, "samples": 40},
    }
    findings = [
        # Worded as the watch's detectors word them: the page says them in its language.
        overdue(
            consignment,
            title=Text("%(reference)s is overdue at %(destination)s", reference="PO-1001", destination="NLRTM"),
            evidence=evidence,
        ),
        overdue(
            consignment,
            kind="dwell",
            title=Text("%(reference)s has stayed at %(node)s longer than usual", reference="PO-1001", node="KRPUS"),
            evidence={"node": "KRPUS"},
        ),
    ]
    alerts_sync(findings_by_partner={alpha.pk: findings}, checked=[], as_of=AS_OF)
    page = _client(olga).get(URL, HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
    assert "PO-1001 逾時未抵達 NLRTM" in page
    assert "PO-1001 在 KRPUS 停留超過平常時間" in page
    assert "門檻：逾時寬限（小時）" in page  # noqa: RUF001 (the page's own punctuation)
    assert "門檻：允許無回報時間（海運，小時）" in page  # noqa: RUF001 (the mode's label, not its code)
    assert "：sea" not in page  # noqa: RUF001
    assert "基準：中位數（小時）" in page  # noqa: RUF001
    assert "1,234.5" in page
    assert "is overdue" not in page

    korean = _client(olga).get(URL, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "무보고 허용 시간(해상, 시간)" in korean
    assert "sea 운송" not in korean

    late = Alert.objects.get(kind="overdue")
    assert late.title == "PO-1001 is overdue at NLRTM", "the stored title (API, webhooks) stays as raised"
    assert "PO-1001 is overdue at NLRTM" in _client(olga).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    _client(alice).post(f"/alerts/{late.pk}/acknowledge/")
    again = _client(olga).post(f"/alerts/{late.pk}/acknowledge/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-Hant")
    assert "此警示已由 alice 於" in again.content.decode()


def test_evidence_reads_as_words_in_the_pages_language(compiled_catalogues):
    evidence = {
        "mode": "sea",
        "due_by_plan": "2026-11-28T13:00:00+00:00",
        "baselines": [
            {
                "kind": "transit",
                "from": "TWKHH",
                "to": "KRPUS",
                "median_hours": 48.0,
                "p90_hours": 60.0,
                "samples": 3,
                "source": "history",
            },
        ],
        "corridors": [{"corridor": "khh-lax", "count": 4, "thresholds": {"dwell_factor": 1.5}}],
        "notice": {"id": "5c1d", "kind": "weather", "title": "Typhoon"},
    }
    with translation.override("zh-hant"):
        facts = {(f.label, f.value) for f in evidence_facts(evidence)}
    assert ("運輸方式", "海運") in facts
    assert ("依計畫應抵達時間", "2026年11月28日 13:00:00 UTC") in facts
    baseline = next(value for label, value in facts if label == "基準")
    assert baseline.startswith("運輸")
    assert "TWKHH→KRPUS：中位數 48 小時，p90 60 小時（3 個樣本" in baseline  # noqa: RUF001
    assert any(label == "走廊" and "khh-lax" in value and "{" not in value for label, value in facts)
    assert ("通知：種類", "天氣") in facts  # noqa: RUF001
    assert not any("5c1d" in value for _, value in facts), "the notice's id is not for people"


@pytest.mark.parametrize(
    ("language", "event", "mode"),
    [
        ("zh-TW", "TWKHH 的 船舶離港（事件 evt-depa-1，由 Bravo Lines 記錄）", "海運途中"),  # noqa: RUF001
        ("ko", "TWKHH에서 선박 출발 (이벤트 evt-depa-1, 기록자 Bravo Lines)", "해상 운송 중에는"),
    ],
)
def test_the_step_mode_and_recorder_in_a_raisers_words_are_said_in_words(
    alpha, consignment, olga, compiled_catalogues, language, event, mode
):
    depa = Text(
        "%(step)s at %(place)s on %(when)s (event %(event)s by %(recorder)s)",
        step="DEPA",
        place="TWKHH",
        when="2026-11-16 08:00 UTC",
        event="evt-depa-1",
        recorder="bravo",
    )
    summary = Text(
        "Last event: %(event)s. In transit by %(mode)s, the corridor allows %(allowed)s h without news after the "
        "later of the two, so news was due by %(due)s; none has come.",
        event=depa,
        mode="sea",
        allowed=72,
        due="2026-11-20 01:00 UTC",
    )
    events = [{"event_id": "evt-depa-1", "recorder": "bravo", "event_time": "2026-11-16T08:00:00+00:00"}]
    finding = overdue(consignment, kind="silence", evidence={"summary": summary, "events": events})
    alerts_sync(findings_by_partner={alpha.pk: [finding]}, checked=[], as_of=AS_OF)
    page = _client(olga).get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert event in page
    assert mode in page
    for code in (" sea ", "DEPA", "by bravo", ", bravo", "由 bravo"):
        assert code not in page
    stored = Alert.objects.get().evidence["summary"]
    assert stored.startswith(
        "Last event: DEPA at TWKHH on 2026-11-16 08:00 UTC (event evt-depa-1 by bravo). In transit by sea,"
    ), "stored (API, webhooks) as raised"
