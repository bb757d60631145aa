"""How long a corridor's legs and nodes usually take: quantiles over completed consignments (no Django imports).

A baseline is computed per leg (transit: departure from one node to arrival at the next) and per node
(dwell: the goods' coming to their leaving, ``milestones.NodeTimes``) from the consignments that
completed the corridor in the trailing window. With fewer samples than the corridor's minimum it says
so (``samples``) and falls back, in order, to:

1. the schedule: planned times from DCSA ``PLN`` transport events, else the consignments' legs'
   planned departure and arrival;
2. distance (transit only): searoute's sea distance (great circle off the sea) at a service speed.

A schedule or a distance has no observed spread, so its interval is widened to at least
``FALLBACK_SPREAD`` around the median: a plan is a promise, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from apps.corridors.milestones import MilestoneEvent, NodeTimes, Schedule

TRANSIT, DWELL = "transit", "dwell"
HISTORY, SCHEDULE, DISTANCE = "history", "schedule", "distance"

KNOT_KMH = 1.852
# Service speeds by mode, km/h: a container ship's slow-steaming service speed (16 knots), a river
# barge's (10 knots), a freighter's block speed with ground handling, a truck's and a freight train's
# average including stops.
SERVICE_SPEED_KMH: dict[str, float] = {
    "sea": 16 * KNOT_KMH,
    "inland_waterway": 10 * KNOT_KMH,
    "air": 600.0,
    "road": 55.0,
    "rail": 40.0,
}
# (p10, p90) as fractions of the median, the least spread a schedule or distance baseline gets.
FALLBACK_SPREAD = (0.9, 1.25)

Key = tuple[str, str, str]  # (kind, from UN/LOCODE, to UN/LOCODE); a dwell's from and to are its node


@dataclass(frozen=True)
class LegSpec:
    """A leg between two consecutive nodes and its mode (a corridor's, or one consignment's)."""

    from_locode: str
    to_locode: str
    mode: str
    planned_departure: datetime | None = None
    planned_arrival: datetime | None = None


@dataclass(frozen=True)
class History:
    """One consignment as the baselines see it: its own legs, its milestones, the carrier's plan, its last event."""

    consignment_id: str
    legs: tuple[LegSpec, ...]
    times: dict[str, NodeTimes]
    schedule: Schedule = field(default_factory=Schedule)
    last_event: MilestoneEvent | None = None


@dataclass(frozen=True)
class Figures:
    """A baseline's figures in seconds and where they came from; ``samples`` counts completed consignments."""

    kind: str
    from_locode: str
    to_locode: str
    mode: str
    median: float
    p10: float
    p90: float
    samples: int
    source: str

    @property
    def key(self) -> Key:
        return (self.kind, self.from_locode, self.to_locode)


def stops_of(legs: Sequence[LegSpec], *, origin: str = "", destination: str = "") -> list[str] | None:
    """The places a route passes in order, from chained legs (or origin and destination without legs).

    None when the legs do not chain (a leg starting elsewhere than the previous one ended).
    """
    if not legs:
        return [origin, destination] if origin and destination else None
    stops = [legs[0].from_locode]
    for leg in legs:
        if leg.from_locode != stops[-1]:
            return None
        stops.append(leg.to_locode)
    return stops


def on_corridor(nodes: Sequence[str], stops: Sequence[str] | None) -> bool:
    """Whether a route's stops are a contiguous run of the corridor's nodes, in the corridor's direction."""
    if not stops or len(stops) < 2 or len(stops) > len(nodes):
        return False
    width = len(stops)
    return any(list(nodes[start : start + width]) == list(stops) for start in range(len(nodes) - width + 1))


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` with linear interpolation between order statistics (type 7)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _spread(values: Sequence[float]) -> tuple[float, float, float]:
    return quantile(values, 0.1), quantile(values, 0.5), quantile(values, 0.9)


def _widened(values: Sequence[float]) -> tuple[float, float, float]:
    p10, median, p90 = _spread(values)
    low, high = FALLBACK_SPREAD
    return min(p10, median * low), median, max(p90, median * high)


def transit_seconds_for_distance(km: float, mode: str) -> float:
    """Hours at the mode's service speed, in seconds (an unknown mode moves at sea speed)."""
    return km / SERVICE_SPEED_KMH.get(mode, SERVICE_SPEED_KMH["sea"]) * 3600


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end <= start:
        return None
    return (end - start).total_seconds()


def transit_sample(history: History, leg: LegSpec) -> float | None:
    """Seconds from departure at the leg's start to arrival at its end, if both happened in that order."""
    start, end = history.times.get(leg.from_locode), history.times.get(leg.to_locode)
    if start is None or end is None:
        return None
    return _seconds(start.departed_at, end.arrived_at)


def dwell_sample(history: History, node: str) -> float | None:
    """Seconds from the goods' coming to a node to their leaving it, if both happened."""
    times = history.times.get(node)
    if times is None or times.came is None or times.left is None:
        return None
    return _seconds(times.came.event_time, times.left.event_time)


def _planned_departure(history: History, node: str) -> datetime | None:
    if node in history.schedule.departures:
        return history.schedule.departures[node]
    return next((leg.planned_departure for leg in history.legs if leg.from_locode == node), None)


def _planned_arrival(history: History, node: str) -> datetime | None:
    if node in history.schedule.arrivals:
        return history.schedule.arrivals[node]
    return next((leg.planned_arrival for leg in history.legs if leg.to_locode == node), None)


def planned_transit(history: History, leg: LegSpec) -> float | None:
    """The planned seconds of a leg: PLN departure/arrival events first, the consignment's legs' plan next."""
    return _seconds(_planned_departure(history, leg.from_locode), _planned_arrival(history, leg.to_locode))


def planned_dwell(history: History, node: str) -> float | None:
    """The planned seconds between arriving at a node and leaving it (transshipment nodes only)."""
    return _seconds(_planned_arrival(history, node), _planned_departure(history, node))


def dwell_mode(legs: Sequence[LegSpec], node: str) -> str:
    """A node's dwell is counted under the mode of the leg leaving it (the last leg's at the destination)."""
    leaving = next((leg for leg in legs if leg.from_locode == node), None)
    return (leaving or legs[-1]).mode


def compute_baselines(
    *,
    nodes: Sequence[str],
    legs: Sequence[LegSpec],
    completed: Iterable[History],
    planned: Iterable[History],
    min_samples: int,
    distance_seconds: Callable[[LegSpec], float | None],
) -> list[Figures]:
    """Every leg's transit and every node's dwell baseline of a corridor.

    ``completed`` are the consignments that finished in the window (their milestones are the samples);
    ``planned`` are those whose plan counts for the schedule fallback. A leg or node with neither
    enough samples, nor a plan, nor (transit only) a distance gets no baseline.
    """
    completed = list(completed)
    planned = list(planned)
    figures: list[Figures] = []
    for leg in legs:
        observed = [s for h in completed if (s := transit_sample(h, leg)) is not None]
        scheduled = [s for h in planned if (s := planned_transit(h, leg)) is not None]
        distance = distance_seconds(leg)
        result = _figures(observed, scheduled, [distance] if distance else [], min_samples)
        if result is not None:
            figures.append(Figures(TRANSIT, leg.from_locode, leg.to_locode, leg.mode, *result))
    if not legs:
        return figures
    for node in nodes:
        observed = [s for h in completed if (s := dwell_sample(h, node)) is not None]
        scheduled = [s for h in planned if (s := planned_dwell(h, node)) is not None]
        result = _figures(observed, scheduled, [], min_samples)
        if result is not None:
            figures.append(Figures(DWELL, node, node, dwell_mode(legs, node), *result))
    return figures


def _figures(
    observed: list[float], scheduled: list[float], distance: list[float], min_samples: int
) -> tuple[float, float, float, int, str] | None:
    """(median, p10, p90, samples, source) from the best source available, or None."""
    if observed and len(observed) >= min_samples:
        p10, median, p90 = _spread(observed)
        return median, p10, p90, len(observed), HISTORY
    for values, source in ((scheduled, SCHEDULE), (distance, DISTANCE)):
        if values:
            p10, median, p90 = _widened(values)
            return median, p10, p90, len(observed), source
    return None
