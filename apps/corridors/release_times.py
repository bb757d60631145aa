"""Release-time metrics in the manner of the WCO Time Release Study (no Django imports).

The WCO's Time Release Study measures, at a border place, the time from the goods' arrival to their
release by customs and on to their leaving customs control. Here, per node and period (by arrival
time), from each consignment's milestones (``milestones.node_times``):

- ``arrival_to_release``: arrival (or discharge) to customs release;
- ``release_to_gate_out``: release to the gate-out that takes the goods away;
- ``arrival_to_gate_out``: the whole stay, arrival to gate-out.

Each interval has its own count: a consignment released but not yet gated out counts for the first
only. Median and p90 in hours, as the study reports them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from apps.corridors.baselines import quantile
from apps.corridors.milestones import NodeTimes

WEEK, MONTH, QUARTER = "week", "month", "quarter"
PERIODS = (WEEK, MONTH, QUARTER)
INTERVALS = ("arrival_to_release", "release_to_gate_out", "arrival_to_gate_out")


@dataclass(frozen=True)
class IntervalFigures:
    """One interval's figures in a node's period: how many consignments, median and p90 hours."""

    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ReleaseTimeRow:
    """A node's release times in one period."""

    node: str
    period: str
    period_label: str
    period_start: date
    intervals: dict[str, IntervalFigures]


def period_of(moment: datetime, period: str) -> tuple[str, date]:
    """The label (``2026-11``, ``2026-Q4``, ``2026-W47``) and first day of the period containing ``moment``."""
    day = moment.date()
    if period == MONTH:
        return f"{day:%Y-%m}", day.replace(day=1)
    if period == QUARTER:
        quarter = (day.month - 1) // 3
        return f"{day.year}-Q{quarter + 1}", date(day.year, quarter * 3 + 1, 1)
    if period == WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", date.fromisocalendar(year, week, 1)
    raise ValueError(f"unknown period '{period}'; use one of {', '.join(PERIODS)}")


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def release_times(
    histories: Iterable[Mapping[str, NodeTimes]],
    *,
    nodes: Iterable[str],
    period: str = MONTH,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ReleaseTimeRow]:
    """Per node of ``nodes`` and period, each interval's count, median and p90, oldest period first.

    A consignment counts where it arrived within ``[since, until]`` and was released or gated out there.
    """
    wanted = set(nodes)
    order = {node: position for position, node in enumerate(nodes)}
    buckets: dict[tuple[str, str, date], dict[str, list[float]]] = defaultdict(lambda: {i: [] for i in INTERVALS})
    for times in histories:
        for node, milestones in times.items():
            arrived = milestones.arrived_at
            if node not in wanted or arrived is None:
                continue
            if (since is not None and arrived < since) or (until is not None and arrived > until):
                continue
            values = {
                "arrival_to_release": _hours(arrived, milestones.released_at),
                "release_to_gate_out": _hours(milestones.released_at, milestones.gate_out_at),
                "arrival_to_gate_out": _hours(arrived, milestones.gate_out_at),
            }
            if all(value is None for value in values.values()):
                continue
            label, start = period_of(arrived, period)
            bucket = buckets[(node, label, start)]
            for interval, value in values.items():
                if value is not None:
                    bucket[interval].append(value)
    rows = [
        ReleaseTimeRow(
            node=node,
            period=period,
            period_label=label,
            period_start=start,
            intervals={interval: _figures(values) for interval, values in bucket.items()},
        )
        for (node, label, start), bucket in buckets.items()
    ]
    return sorted(rows, key=lambda row: (row.period_start, order.get(row.node, len(order))))


def _figures(values: list[float]) -> IntervalFigures:
    if not values:
        return IntervalFigures(0, None, None)
    return IntervalFigures(len(values), round(quantile(values, 0.5), 2), round(quantile(values, 0.9), 2))
