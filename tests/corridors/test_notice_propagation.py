"""Notices reach the consignments, voyages and corridors whose remaining route they touch, and resolve after.

The corridor fixture runs TWKHH → KRPUS → USLAX; a sailing from T0 is planned two days to Busan
(arrive T0+2d), two days there (leave T0+4d), twelve days to Los Angeles (arrive T0+16d).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.corridors import scan
from apps.corridors.notices import propagation, tasks
from apps.corridors.notices.models import Notice
from apps.corridors.notices.propagation import notice_propagate, notice_propagation_run, notices_to_refresh
from apps.corridors.notices.services import notice_create, notice_end, notice_update
from apps.disruptions.models import Alert
from apps.partners.access import system_actor
from apps.partners.choices import PartnerKind
from apps.shipments.services import consignment_create
from tests.corridors.conftest import T0, actor_of, voyage
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

STAFF = system_actor("tests")
DAY = timedelta(days=1)


def _notice(place="KRPUS", starts=T0 + 2 * DAY, ends=T0 + 5 * DAY, **extra) -> Notice:
    values = {
        "kind": "weather",
        "title": "Typhoon warning",
        "place": place,
        "starts_at": starts,
        "ends_at": ends,
        "source": "Korea Meteorological Administration",
        **extra,
    }
    return notice_create(actor=STAFF, values=values)


def _open(**filters) -> list[tuple]:
    rows = Alert.objects.open().filter(kind="notice", **filters)
    return sorted(rows.values_list("partner__slug", "subject_type", "subject_id"))


def _consignment_alerts(consignment) -> list[str]:
    return sorted(
        Alert.objects.open().filter(kind="notice", consignment=consignment).values_list("partner__slug", flat=True)
    )


def test_a_notice_reaches_the_consignment_its_corridor_and_the_voyage_with_evidence(corridor, shipment, alpha, bravo):
    consignment = shipment("PO-1", T0)
    notice = _notice()

    reach = notice_propagate(notice, as_of=T0)

    assert _consignment_alerts(consignment) == ["alpha", "bravo"]
    assert _open(subject_type="corridor") == [
        ("alpha", "corridor", "khh-pus-lax"),
        ("bravo", "corridor", "khh-pus-lax"),
    ]
    assert (reach.consignments, reach.corridors) == (1, 1)
    alert = Alert.objects.get(partner=alpha, consignment=consignment)
    assert alert.rule == notice.key
    assert alert.severity == "warning"
    assert alert.title == "Weather at Pusan (KRPUS): Typhoon warning"
    evidence = alert.evidence
    assert evidence["notice"]["id"] == str(notice.pk)
    assert evidence["notice"]["source"] == "Korea Meteorological Administration"
    assert evidence["touches"] == "departure"
    assert evidence["leg"]["origin"] == "KRPUS"
    assert evidence["leg"]["planned_departure"] == (T0 + 4 * DAY).isoformat()
    assert "leg 2 KRPUS→USLAX is still to depart KRPUS" in evidence["summary"]


def test_only_the_remaining_route_counts(corridor, shipment, record):
    gone = shipment("PO-GONE", T0)
    record(gone, voyage(T0, first=2 * DAY, stay=2 * DAY, second=12 * DAY)[:3])  # left Busan at T0+4d
    waiting = shipment("PO-WAIT", T0)
    record(waiting, voyage(T0, first=2 * DAY, stay=2 * DAY, second=12 * DAY)[:2])  # at Busan since T0+2d

    notice_propagate(_notice(starts=T0 + 2 * DAY, ends=T0 + 10 * DAY), as_of=T0 + 5 * DAY)

    assert _consignment_alerts(gone) == []
    assert _consignment_alerts(waiting) == ["alpha", "bravo"]  # late to leave: still there, so touched


def test_the_window_must_meet_the_stay(corridor, shipment):
    early = shipment("PO-EARLY", T0)  # at Busan T0+2d .. T0+4d
    later = shipment("PO-LATER", T0 + 10 * DAY)  # at Busan T0+12d .. T0+14d

    notice_propagate(_notice(starts=T0 + 3 * DAY, ends=T0 + 6 * DAY), as_of=T0)

    assert _consignment_alerts(early) == ["alpha", "bravo"]
    assert _consignment_alerts(later) == []


def test_the_final_destination_counts_by_its_planned_arrival(corridor, shipment):
    consignment = shipment("PO-LAX", T0)  # arrives USLAX T0+16d

    notice_propagate(_notice(place="USLAX", starts=T0 + 15 * DAY, ends=T0 + 17 * DAY), as_of=T0)
    assert Alert.objects.get(partner__slug="alpha", consignment=consignment).evidence["touches"] == "arrival"

    other = _notice(place="USLAX", starts=T0 + 20 * DAY, ends=T0 + 21 * DAY)
    notice_propagate(other, as_of=T0)
    assert not Alert.objects.filter(rule=other.key).exclude(subject_type="corridor").exists()


def test_customs_of_touched_countries_are_alerted_and_outsiders_are_not(corridor, shipment, delta):
    customs_kr = PartnerFactory(
        slug="customs-kr", country="KR", serves_country="KR", kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )
    PartnerFactory(slug="customs-nl", country="NL", serves_country="NL", kinds=[PartnerKind.CUSTOMS_AUTHORITY])
    consignment = shipment("PO-1", T0)

    notice_propagate(_notice(), as_of=T0)

    assert _consignment_alerts(consignment) == ["alpha", "bravo", customs_kr.slug]
    assert not Alert.objects.filter(partner=delta).exists()


def test_a_second_run_raises_nothing_new(corridor, shipment):
    shipment("PO-1", T0)
    notice = _notice()
    first = notice_propagate(notice, as_of=T0)
    again = notice_propagate(notice, as_of=T0 + timedelta(hours=1))

    assert sum(first.result.raised.values()) == 4
    assert (sum(again.result.raised.values()), sum(again.result.resolved.values())) == (0, 0)
    assert sum(again.result.refreshed.values()) == 4


def test_editing_the_place_resolves_what_no_longer_holds_and_raises_what_does(corridor, shipment):
    consignment = shipment("PO-1", T0)
    notice = _notice()
    notice_propagate(notice, as_of=T0)
    kr_alert = Alert.objects.get(partner__slug="alpha", consignment=consignment)

    notice = notice_update(actor=STAFF, notice=notice, values={"place": "USLAX", "ends_at": T0 + 20 * DAY})
    reach = notice_propagate(notice, as_of=T0 + timedelta(hours=1))

    kr_alert.refresh_from_db()
    # The consignment's alert was found again (now at Los Angeles): refreshed, not resolved.
    assert kr_alert.state == "open"
    assert kr_alert.evidence["touches"] == "arrival"
    assert reach.corridors == 1


def test_ending_a_notice_or_its_window_passing_resolves_its_alerts(corridor, shipment):
    consignment = shipment("PO-1", T0)
    ended = _notice()
    passing = _notice(title="Strike", kind="strike", ends=T0 + 3 * DAY)
    notice_propagate(ended, as_of=T0)
    notice_propagate(passing, as_of=T0)
    assert Alert.objects.open().filter(consignment=consignment).count() == 4  # two notices, two partners

    notice_propagate(notice_end(actor=STAFF, notice=ended, at=T0 + DAY), as_of=T0 + DAY)
    assert not Alert.objects.open().filter(rule=ended.key).exists()
    assert Alert.objects.open().filter(rule=passing.key).count() == 4  # the other notice's alerts stay

    notice_propagate(passing, as_of=T0 + 3 * DAY + timedelta(minutes=1))
    assert not Alert.objects.open().filter(kind="notice").exists()
    resolved = Alert.objects.get(rule=passing.key, partner__slug="alpha", consignment=consignment)
    assert (resolved.state, resolved.resolved_by) == ("resolved", None)


def _on_voyage(alpha, bravo, reference, *, voyage_number="042E", imo="9412347"):
    return consignment_create(
        actor=actor_of(alpha),
        data={
            "reference": reference,
            "origin": "TWKHH",
            "destination": "KRPUS",
            "parties": [{"partner": "alpha", "role": "consignor"}, {"partner": "bravo", "role": "carrier"}],
            "goods_items": [
                {
                    "hs_code": "847130",
                    "description": "Notebook computers",
                    "packages": 1,
                    "gross_weight_kg": Decimal("1.000"),
                    "country_of_origin": "TW",
                }
            ],
            "legs": [
                {
                    "sequence": 1,
                    "mode": "sea",
                    "origin": "TWKHH",
                    "destination": "KRPUS",
                    "carrier": "bravo",
                    "vessel_imo": imo,
                    "voyage_number": voyage_number,
                    "planned_departure": T0,
                    "planned_arrival": T0 + 2 * DAY,
                }
            ],
        },
    )


def test_a_voyage_notice_reaches_its_consignments_and_its_carrier(corridor, alpha, bravo):
    aboard = _on_voyage(alpha, bravo, "PO-V1")
    other = _on_voyage(alpha, bravo, "PO-V2", voyage_number="043E")

    notice = _notice(place="", voyage="9412347/042E", kind="port_closure", starts=T0, ends=T0 + 3 * DAY)
    notice_propagate(notice, as_of=T0)

    assert _consignment_alerts(aboard) == ["alpha", "bravo"]
    assert _consignment_alerts(other) == []
    assert _open(subject_type="voyage") == [("bravo", "voyage", "9412347/042E")]
    alert = Alert.objects.get(partner__slug="alpha", consignment=aboard)
    assert (alert.severity, alert.evidence["touches"]) == ("critical", "voyage")


def test_a_place_notice_also_alerts_the_voyages_still_calling_there(corridor, alpha, bravo):
    _on_voyage(alpha, bravo, "PO-V1")
    notice_propagate(_notice(starts=T0, ends=T0 + 3 * DAY), as_of=T0)
    assert _open(subject_type="voyage") == [("bravo", "voyage", "9412347/042E")]


def test_a_consignment_without_legs_counts_only_while_the_notice_is_in_force(alpha):
    consignment = consignment_create(
        actor=actor_of(alpha),
        data={"reference": "PO-NOLEGS", "origin": "TWKHH", "destination": "KRPUS"},
    )
    ahead = _notice(starts=T0 + 2 * DAY)
    notice_propagate(ahead, as_of=T0)
    assert _consignment_alerts(consignment) == []
    notice_propagate(ahead, as_of=T0 + 2 * DAY)
    assert _consignment_alerts(consignment) == ["alpha"]
    assert Alert.objects.get(consignment=consignment).evidence["touches"] == "destination"


def test_the_ledger_run_clears_the_due_mark_and_records_the_reach(corridor, shipment):
    shipment("PO-1", T0)
    notice = _notice()
    assert Notice.objects.get(pk=notice.pk).propagation_due_at is not None

    reach = notice_propagation_run(notice_id=notice.pk, as_of=T0)

    notice.refresh_from_db()
    assert reach is not None
    assert notice.propagation_due_at is None
    assert notice.propagated_at == T0
    assert notice.reach["consignments"] == 1
    assert notice.reach["raised"] == 4


def test_the_refresh_picks_live_notices_and_leaves_passed_ones(corridor, settings):
    live = _notice(ends=T0 + 30 * DAY)
    passed = _notice(starts=T0, ends=T0 + DAY)
    for notice in (live, passed):
        notice_propagation_run(notice_id=notice.pk, as_of=T0 + 2 * DAY)
    # Both were propagated at T0+2d; the passed one was already past its window then.
    ids = notices_to_refresh(as_of=T0 + 2 * DAY + propagation_refresh(), every=propagation_refresh())
    assert ids == [str(live.pk)]


def propagation_refresh() -> timedelta:
    return timedelta(minutes=15)


def test_touches_uses_a_constant_number_of_queries(corridor, shipment, django_assert_max_num_queries):
    for n in range(12):
        shipment(f"PO-{n}", T0 + n * timedelta(hours=6))
    notice = _notice()
    with django_assert_max_num_queries(8):
        touched, _ = propagation.touches(notice, as_of=T0)
    assert len(touched) == 12


def test_the_tasks_propagate_and_the_refresh_resends_what_is_due(corridor, shipment, settings):
    shipment("PO-1", T0)
    notice = _notice()
    assert tasks.notice_propagate(str(notice.pk), as_of=T0.isoformat()) == 4
    assert tasks.notice_propagate(str(notice.pk), as_of=T0.isoformat()) == 0  # idempotent

    # A write whose message was lost: due for longer than the sweep interval, so the refresh sends it again.
    settings.CORRIDOR_SWEEP_INTERVAL_SECONDS = 0
    Notice.objects.filter(pk=notice.pk).update(propagation_due_at=T0)
    assert str(notice.pk) in notices_to_refresh(as_of=T0, every=timedelta(minutes=15))
    assert tasks.notices_refresh(as_of=(T0 + timedelta(hours=1)).isoformat()) >= 1
    notice.refresh_from_db()
    assert notice.propagation_due_at is None


def test_new_events_bring_a_consignments_notice_alerts_in_line_before_the_next_propagation(corridor, shipment, record):
    waiting = shipment("PO-WAITING", T0)  # at Busan T0+2d .. T0+4d
    early = shipment("PO-EARLY-IN", T0 + 10 * DAY)  # planned at Busan T0+12d .. T0+14d: after the window
    other = shipment("PO-ELSEWHERE", T0, route=["TWKHH", "JPTYO"])
    notice = _notice(starts=T0 + 2 * DAY, ends=T0 + 10 * DAY)
    notice_propagate(notice, as_of=T0 + 3 * DAY)
    assert _consignment_alerts(waiting) == ["alpha", "bravo"]
    assert _consignment_alerts(early) == []
    corridor_and_voyage = _open(subject_type__in=["corridor", "voyage"])
    assert corridor_and_voyage

    # Busan left at T0+4d; the other consignment sailed at once and reached Busan at T0+9d, inside the window.
    record(waiting, voyage(T0, first=2 * DAY, stay=2 * DAY, second=12 * DAY)[:3])
    record(early, [("DEPA", "TWKHH", T0 + 7 * DAY), ("ARRI", "KRPUS", T0 + 9 * DAY)])
    counts = scan.consignments_check(consignment_ids=[waiting.pk, early.pk, other.pk], as_of=T0 + 9 * DAY)

    assert _consignment_alerts(waiting) == []
    assert _consignment_alerts(early) == ["alpha", "bravo"]
    assert _consignment_alerts(other) == []
    assert counts["raised"]["notice"] == 2
    assert counts["resolved"]["notice"] == 2
    found = Alert.objects.open().get(kind="notice", consignment=early, partner__slug="alpha")
    assert found.rule == notice.key
    assert found.evidence["touches"] == "departure"
    # The voyage's and the corridor's alerts are the notice's own propagation's: untouched by the check.
    assert _open(subject_type__in=["corridor", "voyage"]) == corridor_and_voyage
    # A second check changes nothing.
    again = scan.consignments_check(consignment_ids=[waiting.pk, early.pk, other.pk], as_of=T0 + 9 * DAY)
    assert again["raised"] == {}
    assert again["resolved"] == {}


def test_the_notice_check_of_a_batch_costs_the_same_queries_whatever_its_size(corridor, shipment):
    _notice(starts=T0, ends=T0 + 10 * DAY)

    def cost(count: int, prefix: str) -> int:
        ids = [shipment(f"{prefix}-{n}", T0).pk for n in range(count)]
        Alert.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            propagation.consignments_notices_check(consignment_ids=ids, as_of=T0 + DAY)
        return len(queries)

    assert cost(2, "S") == cost(8, "L")


@pytest.mark.parametrize("legs", [True, False], ids=["on-a-leg", "no-legs"])
def test_a_consignments_notice_alert_is_said_again_from_its_evidence_in_the_pages_language(
    corridor, shipment, alpha, client, alice, compiled_catalogues, legs
):
    if legs:
        consignment = shipment("PO-1", T0)
        notice = _notice()
        notice_propagate(notice, as_of=T0)
    else:
        consignment = consignment_create(
            actor=actor_of(alpha), data={"reference": "PO-NOLEGS", "origin": "TWKHH", "destination": "KRPUS"}
        )
        notice = _notice(starts=T0, ends=None)
        notice_propagate(notice, as_of=T0 + DAY)
    alert = Alert.objects.get(partner=alpha, consignment=consignment)
    assert alert.wording == {}, "raised by the ten thousand: its words are not stored per alert"
    title, summary = propagation.consignment_notice_words(alert.evidence)
    assert (title, summary) == (alert.title, alert.evidence["summary"]), "the same English as stored"
    client.force_login(alice)
    page = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "Pusan (KRPUS) 天氣：Typhoon warning" in page  # noqa: RUF001 (the page's own punctuation)
    assert "此貨件的剩餘路線受其影響" in page
    assert "Weather at Pusan" not in page
    assert "remaining route meets it" not in page
