"""A consignment's predicted arrival at its destination with a p10 to p90 interval (no Django imports).

The prediction starts from where the events put the goods (``milestones.node_times``): on a leg since
its departure, at a node since their coming, not started yet, or arrived. What remains is a chain of
components (the rest of the current leg or stay, then each remaining dwell and transit), each with a
median, p10 and p90 from the best figures there are:

1. the corridor's baseline observed on completed consignments (``history``);
2. the consignment's own legs' planned times;
3. the corridor's schedule or distance baseline;
4. distance at a service speed (transit), a nominal stay (dwell).

The component under way is conditioned on the time already spent in it: each baseline is read as a
piecewise-linear distribution through its p10, median and p90 (tails a quarter of the neighbouring
spread), and the remaining time is the distribution beyond the elapsed time. A component past its
longest modelled time is overdue: expected any moment, within half its usual spread.

The components are taken as independent: medians add, and the distances to p10 and p90 add in
quadrature (root sum of squares), which keeps the interval from growing as fast as a sum of p90s.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from apps.corridors.baselines import (
    DWELL,
    FALLBACK_SPREAD,
    HISTORY,
    TRANSIT,
    Figures,
    Key,
    LegSpec,
)
from apps.corridors.milestones import MilestoneEvent, NodeTimes

ARRIVED, ON_LEG, AT_NODE, NOT_STARTED = "arrived", "on_leg", "at_node", "not_started"
PLAN, ASSUMED = "plan", "assumed"
# A stay at a node with no baseline and no plan, by the mode of the leg leaving it: two days in a
# sea port (discharge, yard, load), half a day at an airport, a rail terminal or a river port, two
# hours for a truck's stop.
NOMINAL_DWELL_HOURS: dict[str, float] = {"sea": 48, "inland_waterway": 12, "air": 12, "rail": 12, "road": 2}
HOUR = 3600.0


@dataclass(frozen=True)
class Component:
    """One remaining part of the journey: its kind, place, figures (seconds) and where they came from."""

    kind: str
    from_locode: str
    to_locode: str
    mode: str
    p10: float
    median: float
    p90: float
    source: str
    samples: int = 0
    elapsed: float = 0.0
    overdue: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "from": self.from_locode,
            "to": self.to_locode,
            "mode": self.mode,
            "source": self.source,
            "samples": self.samples,
            "median_hours": round(self.median / HOUR, 2),
            "p10_hours": round(self.p10 / HOUR, 2),
            "p90_hours": round(self.p90 / HOUR, 2),
        }
        if self.elapsed:
            data["elapsed_hours"] = round(self.elapsed / HOUR, 2)
        if self.overdue:
            data["overdue"] = True
        return data


@dataclass(frozen=True)
class Eta:
    """The prediction: median arrival, its interval, the state it started from and the components used."""

    state: str
    predicted_arrival: datetime
    p10: datetime
    p90: datetime
    destination: str
    last_event: MilestoneEvent | None
    components: tuple[Component, ...]

    def basis(self, *, as_of: datetime) -> dict[str, Any]:
        """What the prediction stood on, as JSON for the API, the page and an alert's evidence."""
        last = self.last_event
        return {
            "state": self.state,
            "as_of": as_of.isoformat(),
            "last_event": None
            if last is None
            else {
                "event_id": last.event_id,
                "recorder": last.recorder,
                "event_time": last.event_time.isoformat(),
                "place": last.location,
            },
            "components": [component.as_json() for component in self.components],
        }


def _points(p10: float, median: float, p90: float) -> list[tuple[float, float]]:
    """The CDF's corners: (seconds, probability), tails a quarter of the neighbouring spread."""
    low = max(0.0, p10 - (median - p10) / 4)
    high = p90 + (p90 - median) / 4
    return [(low, 0.0), (p10, 0.1), (median, 0.5), (p90, 0.9), (high, 1.0)]


def _cdf(points: list[tuple[float, float]], x: float) -> float:
    if x <= points[0][0]:
        return 0.0
    for (x0, u0), (x1, u1) in itertools.pairwise(points):
        if x <= x1:
            return u1 if x1 == x0 else u0 + (u1 - u0) * (x - x0) / (x1 - x0)
    return 1.0


def _inverse(points: list[tuple[float, float]], u: float) -> float:
    for (x0, u0), (x1, u1) in itertools.pairwise(points):
        if u <= u1:
            return x1 if u1 == u0 else x0 + (x1 - x0) * (u - u0) / (u1 - u0)
    return points[-1][0]


def remaining(component: Component, elapsed: float) -> Component:
    """The component's remaining time given ``elapsed`` seconds already spent in it."""
    if elapsed <= 0:
        return component
    points = _points(component.p10, component.median, component.p90)
    spent = _cdf(points, elapsed)
    if spent >= 1.0:
        width = max(component.p90 - component.p10, HOUR) / 2
        return replace(component, p10=0.0, median=width / 2, p90=width, elapsed=elapsed, overdue=True)
    p10, median, p90 = (max(_inverse(points, spent + q * (1 - spent)) - elapsed, 0.0) for q in (0.1, 0.5, 0.9))
    return replace(component, p10=p10, median=median, p90=p90, elapsed=elapsed)


def _widened(median: float) -> tuple[float, float, float]:
    low, high = FALLBACK_SPREAD
    return median * low, median, median * high


def _planned_seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end <= start:
        return None
    return (end - start).total_seconds()


def transit_component(
    leg: LegSpec, baselines: Mapping[Key, Figures], distance_seconds: Callable[[LegSpec], float | None]
) -> Component | None:
    """A leg's transit figures, from the best source there is (see the module's list), or None."""
    baseline = baselines.get((TRANSIT, leg.from_locode, leg.to_locode))
    if baseline is not None and baseline.source == HISTORY:
        return _from_baseline(baseline, leg.mode)
    planned = _planned_seconds(leg.planned_departure, leg.planned_arrival)
    if planned is not None:
        return Component(TRANSIT, leg.from_locode, leg.to_locode, leg.mode, *_widened(planned), source=PLAN)
    if baseline is not None:
        return _from_baseline(baseline, leg.mode)
    distance = distance_seconds(leg)
    if distance is None:
        return None
    return Component(TRANSIT, leg.from_locode, leg.to_locode, leg.mode, *_widened(distance), source="distance")


def dwell_component(
    node: str, arriving: LegSpec | None, leaving: LegSpec, baselines: Mapping[Key, Figures]
) -> Component:
    """A node's dwell figures, from the best source there is; a nominal stay when nothing else is known."""
    baseline = baselines.get((DWELL, node, node))
    if baseline is not None and baseline.source == HISTORY:
        return _from_baseline(baseline, leaving.mode)
    planned = _planned_seconds(arriving.planned_arrival if arriving else None, leaving.planned_departure)
    if planned is not None:
        return Component(DWELL, node, node, leaving.mode, *_widened(planned), source=PLAN)
    if baseline is not None:
        return _from_baseline(baseline, leaving.mode)
    nominal = NOMINAL_DWELL_HOURS.get(leaving.mode, NOMINAL_DWELL_HOURS["sea"]) * HOUR
    return Component(DWELL, node, node, leaving.mode, *_widened(nominal), source=ASSUMED)


def _from_baseline(baseline: Figures, mode: str) -> Component:
    return Component(
        baseline.kind,
        baseline.from_locode,
        baseline.to_locode,
        mode,
        baseline.p10,
        baseline.median,
        baseline.p90,
        source=baseline.source,
        samples=baseline.samples,
    )


def _position(legs: Sequence[LegSpec], times: Mapping[str, NodeTimes]) -> tuple[str, int, MilestoneEvent | None]:
    """(state, index, the milestone it started at): on leg ``index``, at node ``index`` of the route, ..."""
    nodes = [legs[0].from_locode, *(leg.to_locode for leg in legs)]
    for index in range(len(nodes) - 1, -1, -1):
        node = times.get(nodes[index])
        if node is None:
            continue
        if index == len(nodes) - 1 and node.arrived is not None:
            return ARRIVED, index, node.arrived
        if index < len(nodes) - 1 and node.departed is not None:
            return ON_LEG, index, node.departed
        if node.came is not None and index < len(nodes) - 1:
            return AT_NODE, index, node.came
    return NOT_STARTED, 0, None


def predict(
    *,
    legs: Sequence[LegSpec],
    times: Mapping[str, NodeTimes],
    baselines: Mapping[Key, Figures],
    last_event: MilestoneEvent | None,
    as_of: datetime,
    distance_seconds: Callable[[LegSpec], float | None],
) -> Eta | None:
    """The consignment's predicted arrival at its last leg's end as of ``as_of``; None without legs or figures.

    ``legs`` are the consignment's own legs in order; ``times`` its milestones up to ``as_of``.
    """
    if not legs:
        return None
    destination = legs[-1].to_locode
    state, index, since = _position(legs, times)
    if state == ARRIVED:
        assert since is not None
        at = since.event_time
        return Eta(ARRIVED, at, at, at, destination, last_event, ())
    components: list[Component] = []
    start = as_of
    first_leg = index
    if state == AT_NODE:
        arriving = legs[index - 1] if index > 0 else None
        stay = dwell_component(legs[index].from_locode, arriving, legs[index], baselines)
        components.append(remaining(stay, _elapsed(since, as_of)))
    elif state == NOT_STARTED:
        planned = legs[0].planned_departure
        if planned is not None and planned > as_of:
            start = planned
        else:
            components.append(dwell_component(legs[0].from_locode, None, legs[0], baselines))
    for position in range(first_leg, len(legs)):
        leg = legs[position]
        if position > first_leg:
            components.append(dwell_component(leg.from_locode, legs[position - 1], leg, baselines))
        transit = transit_component(leg, baselines, distance_seconds)
        if transit is None:
            return None
        if state == ON_LEG and position == first_leg:
            transit = remaining(transit, _elapsed(since, as_of))
        components.append(transit)
    median = sum(c.median for c in components)
    below = math.sqrt(sum((c.median - c.p10) ** 2 for c in components))
    above = math.sqrt(sum((c.p90 - c.median) ** 2 for c in components))
    return Eta(
        state,
        start + timedelta(seconds=median),
        start + timedelta(seconds=max(median - below, 0.0)),
        start + timedelta(seconds=median + above),
        destination,
        last_event,
        tuple(components),
    )


def _elapsed(since: MilestoneEvent | None, as_of: datetime) -> float:
    return max((as_of - since.event_time).total_seconds(), 0.0) if since is not None else 0.0
