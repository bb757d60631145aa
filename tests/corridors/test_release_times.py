"""Release-time metrics per node and period, WCO Time Release Study style (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apps.corridors.milestones import MilestoneEvent, node_times
from apps.corridors.release_times import period_of, release_times


def stay(n: int, arrived: datetime, release_hours: float | None, gate_out_hours: float | None):
    events = [MilestoneEvent(f"{n}-a", "carrier", arrived, "USLAX", "ARRI")]
    if release_hours is not None:
        events.append(MilestoneEvent(f"{n}-r", "customs", arrived + timedelta(hours=release_hours), "USLAX", "RELS"))
    if gate_out_hours is not None:
        events.append(MilestoneEvent(f"{n}-g", "terminal", arrived + timedelta(hours=gate_out_hours), "USLAX", "GTOT"))
    return node_times(events)


def test_median_and_p90_per_interval_and_month():
    november = datetime(2026, 11, 3, tzinfo=UTC)
    histories = [
        stay(1, november, 10, 30),
        stay(2, november + timedelta(days=5), 20, 40),
        stay(3, november + timedelta(days=9), 30, None),  # released, not gated out yet
        stay(4, datetime(2026, 12, 2, tzinfo=UTC), 5, 9),
        stay(5, november, None, None),  # arrived only: nothing to measure
    ]
    rows = release_times(histories, nodes=["TWKHH", "KRPUS", "USLAX"], period="month")
    assert [(r.node, r.period_label) for r in rows] == [("USLAX", "2026-11"), ("USLAX", "2026-12")]
    november_row = rows[0]
    assert november_row.period_start == date(2026, 11, 1)
    release = november_row.intervals["arrival_to_release"]
    assert (release.count, release.median_hours, release.p90_hours) == (3, 20.0, 28.0)
    gate = november_row.intervals["release_to_gate_out"]
    assert (gate.count, gate.median_hours) == (2, 20.0)
    assert november_row.intervals["arrival_to_gate_out"].count == 2


def test_window_and_unlisted_nodes_are_left_out():
    arrived = datetime(2026, 11, 3, tzinfo=UTC)
    histories = [stay(1, arrived, 10, 30)]
    assert release_times(histories, nodes=["KRPUS"], period="month") == []
    assert release_times(histories, nodes=["USLAX"], since=arrived + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("period", "label", "start"),
    [
        ("month", "2026-11", date(2026, 11, 1)),
        ("quarter", "2026-Q4", date(2026, 10, 1)),
        ("week", "2026-W47", date(2026, 11, 16)),
    ],
)
def test_period_labels(period, label, start):
    assert period_of(datetime(2026, 11, 18, 12, tzinfo=UTC), period) == (label, start)


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="unknown period"):
        period_of(datetime(2026, 11, 18, tzinfo=UTC), "fortnight")
