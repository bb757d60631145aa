"""Baselines: quantiles, samples, route matching, fallbacks to the schedule and to distance (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.corridors.baselines import (
    DISTANCE,
    DWELL,
    HISTORY,
    SCHEDULE,
    TRANSIT,
    History,
    LegSpec,
    compute_baselines,
    on_corridor,
    quantile,
    stops_of,
    transit_seconds_for_distance,
)
from apps.corridors.milestones import MilestoneEvent, Schedule, node_times

T0 = datetime(2026, 6, 1, tzinfo=UTC)
HOUR = 3600.0
NODES = ["TWKHH", "KRPUS", "USLAX"]
LEGS = [LegSpec("TWKHH", "KRPUS", "sea"), LegSpec("KRPUS", "USLAX", "sea")]


def history(n: int, *, first_leg_hours: float, stay_hours: float, second_leg_hours: float) -> History:
    def ev(k: int, place: str, hours: float, code: str) -> MilestoneEvent:
        return MilestoneEvent(f"c{n}-{k}", "carrier", T0 + timedelta(days=n, hours=hours), place, code)

    arrive_pus = first_leg_hours
    leave_pus = arrive_pus + stay_hours
    events = [
        ev(1, "TWKHH", 0, "DEPA"),
        ev(2, "KRPUS", arrive_pus, "ARRI"),
        ev(3, "KRPUS", leave_pus, "DEPA"),
        ev(4, "USLAX", leave_pus + second_leg_hours, "ARRI"),
    ]
    return History(f"c{n}", tuple(LEGS), node_times(events))


def no_distance(leg: LegSpec) -> float | None:
    return None


def test_quantile_interpolates_between_order_statistics():
    assert quantile([10, 20, 30, 40, 50], 0.5) == 30
    assert quantile([10, 20], 0.9) == pytest.approx(19)
    assert quantile([7], 0.1) == 7
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)


def test_route_matching_is_a_contiguous_run_in_the_corridor_direction():
    assert on_corridor(NODES, ["TWKHH", "KRPUS", "USLAX"])
    assert on_corridor(NODES, ["KRPUS", "USLAX"])
    assert not on_corridor(NODES, ["TWKHH", "USLAX"])  # skips Busan: another lane
    assert not on_corridor(NODES, ["USLAX", "KRPUS"])  # the other direction
    assert not on_corridor(NODES, None)
    assert stops_of([LegSpec("TWKHH", "KRPUS", "sea"), LegSpec("CNSHA", "USLAX", "sea")]) is None
    assert stops_of([], origin="KRPUS", destination="USLAX") == ["KRPUS", "USLAX"]


def test_enough_completed_consignments_give_history_quantiles():
    completed = [
        history(n, first_leg_hours=40 + n, stay_hours=30 + 2 * n, second_leg_hours=300 + 5 * n) for n in range(10)
    ]
    figures = {
        f.key: f
        for f in compute_baselines(
            nodes=NODES, legs=LEGS, completed=completed, planned=completed, min_samples=5, distance_seconds=no_distance
        )
    }
    first = figures[(TRANSIT, "TWKHH", "KRPUS")]
    assert (first.source, first.samples) == (HISTORY, 10)
    assert first.median == pytest.approx(44.5 * HOUR)
    assert first.p10 == pytest.approx(40.9 * HOUR)
    assert first.p90 == pytest.approx(48.1 * HOUR)
    stay = figures[(DWELL, "KRPUS", "KRPUS")]
    assert stay.median == pytest.approx(39 * HOUR)
    assert stay.mode == "sea"


def test_too_few_samples_fall_back_to_the_plan_and_say_so():
    completed = [history(1, first_leg_hours=50, stay_hours=30, second_leg_hours=300)]
    planned = History(
        "p1",
        (
            LegSpec("TWKHH", "KRPUS", "sea", T0, T0 + timedelta(hours=48)),
            LegSpec("KRPUS", "USLAX", "sea", T0 + timedelta(hours=96), T0 + timedelta(hours=384)),
        ),
        {},
        # The carrier's PLN events win over the legs' planned times.
        Schedule(arrivals={"USLAX": T0 + timedelta(hours=396)}),
    )
    figures = {
        f.key: f
        for f in compute_baselines(
            nodes=NODES, legs=LEGS, completed=completed, planned=[planned], min_samples=5, distance_seconds=no_distance
        )
    }
    first = figures[(TRANSIT, "TWKHH", "KRPUS")]
    assert (first.source, first.samples) == (SCHEDULE, 1)
    assert first.median == 48 * HOUR
    assert first.p10 == pytest.approx(0.9 * 48 * HOUR)  # a plan gets at least the fallback spread
    assert first.p90 == pytest.approx(1.25 * 48 * HOUR)
    assert figures[(TRANSIT, "KRPUS", "USLAX")].median == 300 * HOUR
    assert figures[(DWELL, "KRPUS", "KRPUS")].median == 48 * HOUR


def test_without_history_or_plan_transit_falls_back_to_distance_and_dwell_to_nothing():
    def distance(leg: LegSpec) -> float | None:
        return transit_seconds_for_distance(1852.0, leg.mode)

    figures = {
        f.key: f
        for f in compute_baselines(
            nodes=NODES, legs=LEGS, completed=[], planned=[], min_samples=5, distance_seconds=distance
        )
    }
    assert figures[(TRANSIT, "TWKHH", "KRPUS")].source == DISTANCE
    assert figures[(TRANSIT, "TWKHH", "KRPUS")].median == pytest.approx(1000 / 16 * HOUR)  # 1000 nm at 16 knots
    assert (DWELL, "KRPUS", "KRPUS") not in figures
