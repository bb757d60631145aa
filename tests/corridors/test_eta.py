"""ETA: position from the events, remaining components, conditioning on elapsed time, the interval (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.corridors.baselines import DWELL, HISTORY, SCHEDULE, TRANSIT, Figures, LegSpec
from apps.corridors.eta import (
    ARRIVED,
    ASSUMED,
    AT_NODE,
    NOT_STARTED,
    ON_LEG,
    PLAN,
    Component,
    predict,
    remaining,
)
from apps.corridors.milestones import MilestoneEvent, node_times

T0 = datetime(2026, 11, 16, 1, tzinfo=UTC)
HOUR = 3600.0
LEGS = (
    LegSpec("TWKHH", "KRPUS", "sea", T0, T0 + timedelta(days=2)),
    LegSpec("KRPUS", "USLAX", "sea", T0 + timedelta(days=4), T0 + timedelta(days=16)),
)
BASELINES = {
    (TRANSIT, "TWKHH", "KRPUS"): Figures(
        TRANSIT, "TWKHH", "KRPUS", "sea", 50 * HOUR, 44 * HOUR, 60 * HOUR, 20, HISTORY
    ),
    (DWELL, "KRPUS", "KRPUS"): Figures(DWELL, "KRPUS", "KRPUS", "sea", 48 * HOUR, 30 * HOUR, 90 * HOUR, 20, HISTORY),
    (TRANSIT, "KRPUS", "USLAX"): Figures(
        TRANSIT, "KRPUS", "USLAX", "sea", 300 * HOUR, 280 * HOUR, 340 * HOUR, 20, HISTORY
    ),
}


def ev(n: int, place: str, hours: float, code: str) -> MilestoneEvent:
    return MilestoneEvent(f"e{n}", "demo-pacific-bridge", T0 + timedelta(hours=hours), place, code)


def no_distance(leg: LegSpec) -> float | None:
    return None


def run(events, as_of_hours: float, baselines=BASELINES, legs=LEGS):
    return predict(
        legs=legs,
        times=node_times(events),
        baselines=baselines,
        last_event=max(events, key=lambda e: e.event_time) if events else None,
        as_of=T0 + timedelta(hours=as_of_hours),
        distance_seconds=no_distance,
    )


def test_on_the_last_leg_the_remaining_transit_is_conditioned_on_the_time_at_sea():
    events = [ev(1, "TWKHH", 0, "DEPA"), ev(2, "KRPUS", 48, "ARRI"), ev(3, "KRPUS", 96, "DEPA")]
    eta = run(events, as_of_hours=96 + 100)
    assert eta.state == ON_LEG
    (transit,) = eta.components
    assert transit.elapsed == 100 * HOUR
    # 100 h into a leg whose p10 is 280 h: the remaining figures are the baseline's minus the time spent.
    assert eta.predicted_arrival == T0 + timedelta(hours=96 + 300)
    assert eta.p10 == T0 + timedelta(hours=96 + 280)
    assert eta.p90 == T0 + timedelta(hours=96 + 340)
    assert eta.basis(as_of=T0)["last_event"]["event_id"] == "e3"


def test_at_a_transshipment_node_the_stay_and_the_next_leg_remain():
    events = [ev(1, "TWKHH", 0, "DEPA"), ev(2, "KRPUS", 48, "ARRI")]
    eta = run(events, as_of_hours=48)
    assert eta.state == AT_NODE
    assert [c.kind for c in eta.components] == [DWELL, TRANSIT]
    assert eta.predicted_arrival == T0 + timedelta(hours=48 + 48 + 300)
    # Independent components: the interval is the root sum of squares of each one's distances.
    assert eta.p90 == T0 + timedelta(hours=48 + 348, seconds=((42**2 + 40**2) ** 0.5) * HOUR)
    assert eta.p10 < eta.predicted_arrival < eta.p90


def test_past_its_longest_modelled_time_a_component_is_overdue_and_expected_soon():
    events = [ev(1, "TWKHH", 0, "DEPA"), ev(2, "KRPUS", 48, "ARRI"), ev(3, "KRPUS", 96, "DEPA")]
    eta = run(events, as_of_hours=96 + 400)
    (transit,) = eta.components
    assert transit.overdue
    assert eta.p10 == T0 + timedelta(hours=496)
    assert eta.predicted_arrival > T0 + timedelta(hours=496)


def test_arrived_at_destination_is_the_actual_arrival():
    events = [ev(1, "TWKHH", 0, "DEPA"), ev(2, "USLAX", 390, "ARRI")]
    eta = run(events, as_of_hours=500)
    assert eta.state == ARRIVED
    assert eta.predicted_arrival == eta.p10 == eta.p90 == T0 + timedelta(hours=390)


def test_not_started_starts_at_the_planned_departure():
    eta = run([], as_of_hours=-24)
    assert eta.state == NOT_STARTED
    assert [c.kind for c in eta.components] == [TRANSIT, DWELL, TRANSIT]
    assert eta.predicted_arrival == T0 + timedelta(hours=50 + 48 + 300)


def test_without_history_the_consignment_plan_then_a_nominal_stay_are_used():
    schedule_only = {
        key: Figures(*(f.kind, f.from_locode, f.to_locode, f.mode, f.median, f.p10, f.p90, 1, SCHEDULE))
        for key, f in BASELINES.items()
        if f.kind == TRANSIT
    }
    legs = (LEGS[0], LegSpec("KRPUS", "USLAX", "sea"))
    eta = run([ev(1, "TWKHH", 0, "DEPA")], as_of_hours=1, baselines=schedule_only, legs=legs)
    first, stay, second = eta.components
    assert first.source == PLAN  # the consignment's own plan beats the corridor's schedule baseline
    assert stay.source == ASSUMED
    assert stay.median == 48 * HOUR
    assert second.source == SCHEDULE


def test_no_figures_for_a_leg_means_no_prediction():
    legs = (LegSpec("TWKHH", "KRPUS", "sea"),)
    assert run([ev(1, "TWKHH", 0, "DEPA")], as_of_hours=1, baselines={}, legs=legs) is None
    assert run([], as_of_hours=1, legs=()) is None


@pytest.mark.parametrize("elapsed_hours", [0, 10, 44, 50, 59, 61, 70])
def test_remaining_quantiles_stay_ordered_and_never_end_before_the_unconditional_ones(elapsed_hours):
    component = Component(TRANSIT, "A", "B", "sea", 44 * HOUR, 50 * HOUR, 60 * HOUR, HISTORY)
    elapsed = elapsed_hours * HOUR
    left = remaining(component, elapsed)
    assert 0 <= left.p10 <= left.median <= left.p90
    # The tail beyond p90 reaches 62.5 h; past it the component is overdue.
    assert left.overdue == (elapsed_hours >= 62.5)
    if not left.overdue:
        assert elapsed + left.median >= component.median
        assert elapsed + left.p90 >= component.p90
