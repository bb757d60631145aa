"""Milestones from events: arrival, departure, release, gates, plans (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apps.corridors.milestones import MilestoneEvent, last_actual, node_times, planned_schedule

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def ev(n: int, place: str, hours: float, code: str = "", step: str = "", classifier: str = "", disposition: str = ""):
    return MilestoneEvent(
        event_id=f"e{n}",
        recorder="carrier",
        event_time=T0 + timedelta(hours=hours),
        location=place,
        event_code=code,
        biz_step=step,
        disposition=disposition,
        event_classifier=classifier,
    )


def test_first_arrival_last_departure_release_and_gates():
    times = node_times(
        [
            ev(1, "TWKHH", -20, "GTIN"),
            ev(2, "TWKHH", 0, "DEPA", classifier="ACT"),
            ev(3, "KRPUS", 48, "ARRI"),
            ev(4, "KRPUS", 50, step="arriving"),
            ev(5, "KRPUS", 90, "LOAD"),
            ev(6, "KRPUS", 96, "DEPA"),
            ev(7, "USLAX", 384, "DISC"),
            ev(8, "USLAX", 400, "RELS"),
            ev(9, "USLAX", 408, "GTOT"),
        ]
    )
    assert times["TWKHH"].came.event_id == "e1"
    assert times["TWKHH"].departed.event_id == "e2"
    assert times["KRPUS"].arrived.event_id == "e3"  # the first arrival, not the repeat
    assert times["KRPUS"].departed.event_id == "e6"  # departure wins over the load
    assert times["USLAX"].arrived.event_id == "e7"  # a discharge proves an arrival when ARRI is missing
    assert times["USLAX"].released_at == T0 + timedelta(hours=400)
    assert times["USLAX"].left.event_id == "e9"


def test_planned_and_estimated_events_are_not_milestones():
    events = [ev(1, "KRPUS", 48, "ARRI", classifier="PLN"), ev(2, "KRPUS", 50, "ARRI", classifier="EST")]
    assert node_times(events) == {}
    schedule = planned_schedule([*events, ev(3, "KRPUS", 96, "DEPA", classifier="PLN")])
    assert schedule.arrivals == {"KRPUS": T0 + timedelta(hours=48)}
    assert schedule.departures == {"KRPUS": T0 + timedelta(hours=96)}
    assert last_actual(events) is None


def test_last_actual_is_the_latest_actual_event():
    assert last_actual([ev(1, "TWKHH", 5, "DEPA"), ev(2, "KRPUS", 2, "ARRI")]).event_id == "e1"
