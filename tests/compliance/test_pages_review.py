"""Customs review pages: /compliance/review/ (the queue) and /compliance/review/<consignment>/ (one review).

PO-1001 is Alpha's (TW) consignment to Echo Imports (US) on Bravo (KR): it arrives in the US, so it is in
the queue of US customs (uma); it leaves Taiwan, so Taiwan's customs (tina) sees it but does not review it
as an arrival; it does not touch Korea, so Korea's customs (kim) does not see it at all.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.compliance import selectors
from apps.compliance.models import AeoCertificate, ReviewDecision, TrustEvaluation
from apps.compliance.services import reevaluation, reviews
from apps.core.models import AuditEvent
from apps.corridors.models import ConsignmentEta
from apps.disruptions import services as alerts
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.models import Alert
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.shipments import services as shipments
from apps.shipments.models import Consignment
from tests.credentials.issuing import record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.shipments.conftest import actor_for, consignment_data

pytestmark = pytest.mark.django_db

QUEUE = "/compliance/review/"


def detail(consignment: Consignment) -> str:
    return f"{QUEUE}{consignment.pk}/"


def page(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def queue_rows(text: str) -> dict[str, str]:
    """Consignment reference → its queue row's HTML."""
    rows = re.findall(r"<tr>\s*<td><a href=\"/compliance/review/[^\"]+/\">([^<]+)</a>(.*?)</tr>", text, flags=re.S)
    return dict(rows)


def consignment_to(
    alpha, alice, reference: str, destination: str, *, status: str = "in_transit", parties: list | None = None
) -> Consignment:
    """Another of Alpha's consignments from Kaohsiung to ``destination``, on Bravo unless ``parties`` differ."""
    extra = {"parties": parties} if parties is not None else {}
    consignment = shipments.consignment_create(
        actor=actor_for(alpha, alice),
        data=consignment_data(
            **extra,
            reference=reference,
            transport_document_number=f"BL-{reference}",
            booking_reference=f"BKG-{reference}",
            destination=destination,
            equipment=[],
            legs=[{"sequence": 1, "mode": "sea", "origin": "TWKHH", "destination": destination, "carrier": "bravo"}],
        ),
    )
    Consignment.objects.filter(pk=consignment.pk).update(status=status)
    return consignment


@pytest.fixture
def trusted_by_us(grant, us_customs, alpha, bravo, us_importer):
    """US customs' own AEOs for every commercial party of PO-1001: its chain is fully trusted for the US."""
    for number, holder in (("US-AEO-1", alpha), ("US-AEO-2", bravo), ("US-AEO-3", us_importer)):
        grant(us_customs, holder, number)


# --- the queue --------------------------------------------------------------------------------------


def test_the_queue_lists_only_open_consignments_arriving_in_or_transiting_the_officers_country(
    client, uma, alpha, alice, tw_us_consignment, trusted_by_us
):
    PartnerFactory(slug="mx-buyer", name="MX Buyer", country="MX", kinds=[PartnerKind.CONSIGNEE])
    consignment_to(alpha, alice, "PO-KR", "KRPUS")
    parties = [
        {"partner": "alpha", "role": "consignor"},
        {"partner": "bravo", "role": "carrier"},
        {"partner": "mx-buyer", "role": "consignee"},
    ]
    via_la = consignment_to(alpha, alice, "PO-MX", "MXZLO", parties=parties)
    leg = via_la.legs.get()
    leg.destination = "USLAX"
    leg.save()
    via_la.legs.create(sequence=2, mode="sea", origin="USLAX", destination="MXZLO")
    consignment_to(alpha, alice, "PO-DONE", "USLAX", status="delivered")

    rows = queue_rows(page(client, uma, QUEUE))

    assert set(rows) == {"PO-1001", "PO-MX"}, "PO-KR does not touch the US; PO-DONE is no longer open"
    assert 'data-verdict="fully_trusted"' in rows["PO-1001"]
    assert "100% of parties trusted" in rows["PO-1001"]
    assert "TWKHH → USLAX" in rows["PO-1001"]
    assert 'data-verdict="partially_trusted"' in rows["PO-MX"], "its consignee holds no AEO"
    assert "67% of parties trusted" in rows["PO-MX"]
    assert "TWKHH → USLAX → MXZLO" in rows["PO-MX"]


def test_an_export_is_not_in_the_queue_of_the_country_it_leaves(client, tina, tw_us_consignment):
    text = page(client, tina, QUEUE)
    assert queue_rows(text) == {}
    assert "No open consignments arriving in or transiting TW" in text


def test_the_queue_shows_the_stored_verdict_chain_alerts_and_latest_decision(
    client, uma, us_customs, alpha, tw_us_consignment, trusted_by_us
):
    reevaluation.trust_reevaluate_consignments(consignment_ids=[tw_us_consignment.pk], as_of=date(2026, 1, 2))
    record(alpha, step_event("evt-depa", consignments=(tw_us_consignment,)))
    alerts.alert_raise(
        partner=us_customs,
        kind=AlertKind.TRUST_CHANGE,
        title="Verdict changed",
        subject_type=AlertSubject.CONSIGNMENT,
        subject_id=str(tw_us_consignment.pk),
        consignment_id=tw_us_consignment.pk,
    )
    officer = Actor(partner=us_customs, role=MemberRole.OPERATOR, user=uma)
    for decision in ("document_check", "release"):
        reviews.review_decision_create(
            actor=officer, consignment_id=tw_us_consignment.pk, decision=decision, reason="seen"
        )

    row = queue_rows(page(client, uma, QUEUE))["PO-1001"]

    assert "as of 2 Jan 2026" in row, "the stored evaluation, not one judged today"
    assert "1 step" in row
    assert "none revoked" in row
    # The trust alert, and whatever the corridor watch found when the step was recorded (a departure long
    # past with no news since): the queue counts the authority's open alerts on the consignment.
    open_alerts = Alert.objects.open().filter(partner=us_customs, consignment=tw_us_consignment).count()
    assert open_alerts >= 1
    assert f'<span class="badge bad">{open_alerts}</span>' in row
    assert "Release" in row
    assert "Document check" not in row


def test_the_queue_judges_missing_verdicts_for_a_whole_page_at_once(client, uma, alpha, alice, tw_us_consignment):
    client.force_login(uma)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        assert client.get(QUEUE).status_code == 200
    for n in range(3):
        consignment_to(alpha, alice, f"PO-{n}", "USLAX")
    with CaptureQueriesContext(connection) as four:
        response = client.get(QUEUE)
    assert len(queue_rows(response.content.decode())) == 4
    assert len(four) == len(one), "queries do not grow with the rows"
    assert not TrustEvaluation.objects.exists(), "showing the queue writes nothing"


def test_the_queue_is_paginated(client, uma, alpha, alice, tw_us_consignment, monkeypatch):
    monkeypatch.setattr(selectors, "REVIEW_QUEUE_PAGE_SIZE", 2)
    for n in range(2):
        consignment_to(alpha, alice, f"PO-{n}", "USLAX")
    first = page(client, uma, QUEUE)
    second = page(client, uma, QUEUE + "?page=2")
    assert len(queue_rows(first)) == 2
    assert len(queue_rows(second)) == 1
    assert "page 1 of 2" in first
    assert set(queue_rows(first)) | set(queue_rows(second)) == {"PO-1001", "PO-0", "PO-1"}


def test_a_trader_is_refused_the_queue(client, alice):
    text = page(client, alice, QUEUE, status=403)
    assert "Only a customs authority may review consignments." in text


def test_staff_without_a_customs_authority_is_refused_the_queue(client, staff):
    page(client, staff, QUEUE, status=403)


def test_anonymous_visitors_are_sent_to_log_in(client, tw_us_consignment):
    for url in (QUEUE, detail(tw_us_consignment)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_customs_officers_have_the_queue_in_the_navigation_and_traders_do_not(client, uma, alice):
    assert 'href="/compliance/review/"' in page(client, uma, "/partner/")
    assert 'href="/compliance/review/"' not in page(client, alice, "/partner/")


# --- one consignment's review -----------------------------------------------------------------------


@pytest.fixture
def mixed_chain(grant, arrange, tw_customs, us_customs, alpha, bravo):
    """Alpha: a Taiwanese AEO recognised under TW-US; Bravo: a US AEO that expired; Echo: no AEO."""
    arrange("tw-us", tw_customs, us_customs, name="TW-US MRA")
    grant(tw_customs, alpha, "TW-AEO-1")
    grant(us_customs, bravo, "US-AEO-9", valid_until=date(2025, 6, 30))


def test_the_review_shows_each_partys_outcome_with_its_reason(client, uma, us_customs, tw_us_consignment, mixed_chain):
    text = page(client, uma, detail(tw_us_consignment))

    verdict = selectors.chain_verdict(
        consignment=tw_us_consignment, authority=us_customs, as_of=timezone.localdate()
    ).to_dict()
    assert verdict["verdict"] == "partially_trusted"
    assert 'data-verdict="partially_trusted"' in text
    assert "1 of 3 parties trusted" in text
    rows = dict(re.findall(r'<tr data-party="([^"]+)">(.*?)</tr>', text, flags=re.S))
    assert set(rows) == {"alpha", "bravo", "echo-imports"}
    assert "Trusted through an MRA" in rows["alpha"]
    assert "TW-AEO-1" in rows["alpha"]
    assert "TW-US MRA" in rows["alpha"]
    assert "AEO expired" in rows["bravo"]
    assert "US-AEO-9" in rows["bravo"]
    assert "2025-06-30" in rows["bravo"]
    assert "No AEO certificate" in rows["echo-imports"]
    for party in verdict["parties"]:
        assert html.escape(party["reason"]) not in rows[party["partner"]], "slugs become names in the reasons"
    assert f"own AEO of {us_customs.slug}" not in text
    assert f"by {html.escape(us_customs.name)} through" in rows["alpha"]
    certificate = AeoCertificate.objects.get(number="TW-AEO-1")
    assert f'href="/compliance/aeo/{certificate.pk}/"' in rows["alpha"]
    assert 'href="/compliance/mras/' in rows["alpha"]


def test_the_reasons_speak_traditional_chinese_and_the_api_keeps_them_in_english(
    client, uma, us_customs, tw_us_consignment, mixed_chain, compiled_catalogues
):
    client.force_login(uma)
    text = client.get(detail(tw_us_consignment), HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
    rows = dict(re.findall(r'<tr data-party="([^"]+)">(.*?)</tr>', text, flags=re.S))
    reason = re.compile(r"<td>([^<]*(?:依|承認|到期|沒有登錄)[^<]*)</td>")
    alpha, bravo, echo = (reason.search(rows[slug])[1] for slug in ("alpha", "bravo", "echo-imports"))
    assert f"{html.escape(us_customs.name)} 依 TW-US MRA 承認" in alpha
    assert "有效期間" in alpha
    assert "已於 2025-06-30 到期" in bravo
    assert "沒有登錄的優質企業" in echo
    assert not re.search(r"\b(recognised|expired|holds|certificate|valid)\b", alpha + bravo + echo)

    evaluation = selectors.chain_verdict(
        consignment=tw_us_consignment, authority=us_customs, as_of=timezone.localdate()
    ).to_dict()
    echo_reason = next(p["reason"] for p in evaluation["parties"] if p["partner"] == "echo-imports")
    assert echo_reason == "echo-imports holds no AEO certificate on record", "stored and answered in English"


def test_the_review_shows_goods_values_parties_and_the_verified_chain(client, uma, alpha, tw_us_consignment):
    record(alpha, step_event("evt-depa", consignments=(tw_us_consignment,)))
    text = page(client, uma, detail(tw_us_consignment))
    assert "5,000.00 USD" in text, "customs see the goods' value"
    assert "Echo Imports — Consignee" in text
    assert "every one of 1 step credential verified" in text


def test_recording_a_decision_stores_the_evaluation_and_chain_check_and_is_audited(
    client, uma, us_customs, alpha, tw_us_consignment, mixed_chain
):
    record(alpha, step_event("evt-depa", consignments=(tw_us_consignment,)))
    client.force_login(uma)
    response = client.post(
        detail(tw_us_consignment), {"decision": "physical_inspection", "reason": "Carrier's AEO expired"}
    )

    assert response.status_code == 302
    assert response["Location"] == detail(tw_us_consignment)
    decision = ReviewDecision.objects.get()
    assert (decision.consignment, decision.authority, decision.officer) == (tw_us_consignment, us_customs, uma)
    assert (decision.decision, decision.reason) == ("physical_inspection", "Carrier's AEO expired")
    assert decision.evaluation["verdict"] == "partially_trusted"
    assert decision.evaluation["deciding_authority"] == "us-cbp"
    assert {p["partner"]: p["outcome"] for p in decision.evaluation["parties"]} == {
        "alpha": "trusted_mra",
        "bravo": "expired",
        "echo-imports": "no_certificate",
    }
    assert decision.chain_verification == {"verified": True, "steps": 1, "failures": []}
    audit = AuditEvent.objects.get(action="review_decision.create")
    assert (audit.object_id, audit.partner, audit.actor_user) == (str(decision.pk), us_customs, uma)
    assert audit.changes["decision"] == "physical_inspection"

    text = client.get(response["Location"]).content.decode()
    assert "Decision recorded: Physical inspection." in text
    history = text.split('id="decisions"')[1]
    assert "Carrier&#x27;s AEO expired" in history
    assert "uma" in history
    assert "Partially trusted (1 of 3 trusted" in history
    assert "chain verified (1 step)" in history


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"decision": "wave_through", "reason": "fine"}, "decision", "Select a valid choice"),
        ({"decision": "release", "reason": "   "}, "reason", "This field is required."),
        ({"reason": "no decision"}, "decision", "This field is required."),
        ({"decision": "hold", "reason": "x" * 1001}, "reason", "at most 1000 characters"),
    ],
)
def test_a_bad_decision_or_blank_reason_is_a_form_error_and_stores_nothing(
    client, uma, tw_us_consignment, form, field, message
):
    client.force_login(uma)
    response = client.post(detail(tw_us_consignment), form)

    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert not ReviewDecision.objects.exists()
    assert not AuditEvent.objects.filter(action="review_decision.create").exists()


def test_a_trader_is_refused_the_review_even_of_its_own_consignment(client, alice, tw_us_consignment):
    page(client, alice, detail(tw_us_consignment), status=403)
    response = client.post(detail(tw_us_consignment), {"decision": "release", "reason": "mine"})
    assert response.status_code == 403
    assert not ReviewDecision.objects.exists()


def test_an_officer_of_a_country_the_consignment_does_not_touch_gets_404(client, kim, tw_us_consignment):
    page(client, kim, detail(tw_us_consignment), status=404)
    response = client.post(detail(tw_us_consignment), {"decision": "hold", "reason": "not ours"})
    assert response.status_code == 404
    assert not ReviewDecision.objects.exists()


def test_an_unknown_consignment_is_404(client, uma, tw_us_consignment):
    page(client, uma, f"{QUEUE}00000000-0000-0000-0000-000000000000/", status=404)


def test_a_customs_viewer_sees_the_review_but_may_not_decide(client, us_customs, tw_us_consignment):
    viewer = MembershipFactory(user=UserFactory(username="vera"), partner=us_customs, role=MemberRole.VIEWER).user
    text = page(client, viewer, detail(tw_us_consignment))
    assert "Recording a decision needs the operator role" in text
    assert 'name="reason"' not in text
    response = client.post(detail(tw_us_consignment), {"decision": "release", "reason": "ok"})
    assert response.status_code == 403
    assert not ReviewDecision.objects.exists()


# --- the queue's filters, sorting and arrival column ---------------------------------------------------


def test_the_queue_filters_by_undecided_open_alerts_and_stored_verdict(
    client, uma, us_customs, alpha, alice, tw_us_consignment, trusted_by_us
):
    other = consignment_to(alpha, alice, "PO-2", "USLAX")
    reevaluation.trust_reevaluate_consignments(consignment_ids=[tw_us_consignment.pk], as_of=date(2026, 1, 2))
    officer = Actor(partner=us_customs, role=MemberRole.OPERATOR, user=uma)
    reviews.review_decision_create(actor=officer, consignment_id=tw_us_consignment.pk, decision="release", reason="ok")
    alerts.alert_raise(
        partner=us_customs,
        kind=AlertKind.TRUST_CHANGE,
        title="Changed",
        subject_type=AlertSubject.CONSIGNMENT,
        subject_id=str(other.pk),
        consignment_id=other.pk,
    )

    assert set(queue_rows(page(client, uma, QUEUE + "?undecided=true"))) == {"PO-2"}
    assert set(queue_rows(page(client, uma, QUEUE + "?undecided=false"))) == {"PO-1001"}
    assert set(queue_rows(page(client, uma, QUEUE + "?open_alerts=true"))) == {"PO-2"}
    assert set(queue_rows(page(client, uma, QUEUE + "?verdict=fully_trusted"))) == {"PO-1001"}
    assert set(queue_rows(page(client, uma, QUEUE + "?verdict=not_trusted"))) == set()


def test_the_queue_sorts_by_arrival_and_shows_the_eta_when_the_corridor_watch_has_one(
    client, uma, alpha, alice, tw_us_consignment
):
    soon = consignment_to(alpha, alice, "PO-SOON", "USLAX")
    late = consignment_to(alpha, alice, "PO-LATE", "USLAX")
    now = timezone.now()
    soon.legs.update(planned_arrival=now + timedelta(days=2))
    late.legs.update(planned_arrival=now + timedelta(days=9))
    ConsignmentEta.objects.create(
        consignment=late,
        destination="USLAX",
        predicted_arrival=now + timedelta(days=10),
        p10=now + timedelta(days=9),
        p90=now + timedelta(days=11),
        computed_at=now,
    )

    text = page(client, uma, QUEUE + "?sort=arrival")
    assert list(queue_rows(text))[:2] == ["PO-SOON", "PO-LATE"]
    assert list(queue_rows(page(client, uma, QUEUE + "?sort=-arrival")))[:2] == ["PO-LATE", "PO-SOON"]
    rows = queue_rows(text)
    soon, late = now + timedelta(days=2), now + timedelta(days=10)
    assert f"planned {soon.day} {soon:%b %Y}" in rows["PO-SOON"]
    assert f"ETA {late.day} {late:%b %Y}" in rows["PO-LATE"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "zh-TW",
            {
                "step": "船舶離港",
                "status": "自 2024-01-01 起 有效",
                "reason": "核發",
                "type": "安全保安（AEOS）",  # noqa: RUF001
                "role": "受通知人",
            },
        ),
        (
            "ko",
            {
                "step": "선박 출발",
                "status": "2024-01-01부터 유효",
                "reason": "발급",
                "type": "안전 및 보안(AEOS)",
                "role": "착화통지처",
            },
        ),
    ],
)
def test_steps_statuses_types_and_roles_are_words_in_the_pages_language(
    client, uma, alpha, tw_us_consignment, mixed_chain, compiled_catalogues, language, words
):
    record(alpha, step_event("evt-depa", consignments=(tw_us_consignment,)))
    notify = PartnerFactory(slug="nina-notify", name="Nina Notify", kinds=[PartnerKind.FREIGHT_FORWARDER])
    tw_us_consignment.parties.create(partner=notify, role="notify_party")
    client.force_login(uma)
    text = client.get(detail(tw_us_consignment), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    alpha_row = dict(re.findall(r'<tr data-party="([^"]+)">(.*?)</tr>', text, flags=re.S))["alpha"]
    assert f'<span title="DEPA">{words["step"]}</span>' in text
    assert f'<span title="valid">{words["status"]}</span>: {words["reason"]}' in alpha_row
    assert words["type"] in alpha_row
    assert f'Nina Notify (<span title="notify_party">{words["role"]}</span>)' in text
    shown = re.sub(r'title="[^"]*"', "", text)
    for code in ("DEPA ", ">valid ", "security and safety", ": granted", "(notify_party)"):
        assert code not in shown, f"{code!r} is a code, shown only on hover"
