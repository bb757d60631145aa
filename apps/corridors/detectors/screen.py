"""A cheap, sound pre-check before building a consignment's event graph (pure).

Building the networkx graph and running its consistency analysis costs a few milliseconds per
consignment; across 100,000 consignments that is most of a scan. ``may_be_inconsistent`` says False only
when the graph cannot find an ``arrival_before_departure``, ``impossible_speed`` or ``two_places``:

- a leg's recorded times, or an arrival event at its destination before a departure event at its
  origin, are checked exactly as the graph does;
- every object's consecutive events are a sub-sequence of the consignment's events in time order, and
  (great-circle distances obeying the triangle inequality) a move of an object at speed v implies two
  consecutive events of the consignment at v or more, or two places at one moment. So if no consecutive
  pair of the consignment's located events is faster than the slowest limit that could apply, no
  object's pair is either.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from apps.shipments.graph.consistency import DEFAULT_MAX_SPEED_KMH, _mode
from apps.shipments.graph.types import ARRIVE, DEPART, DOCUMENT_EVENT_TYPE, GraphEvent, LegInfo, movement_code


def may_be_inconsistent(
    events: Sequence[GraphEvent],
    legs: Sequence[LegInfo],
    *,
    distance_km: Callable[[str, str], float | None],
    max_speed_kmh: Mapping[str, float] = DEFAULT_MAX_SPEED_KMH,
) -> bool:
    """Whether the full graph check is needed for these events and legs (False: it would find nothing)."""
    for leg in legs:
        for departure, arrival in (
            (leg.actual_departure, leg.actual_arrival),
            (leg.planned_departure, leg.planned_arrival),
        ):
            if departure and arrival and arrival < departure:
                return True
    actual = [e for e in events if not e.erroneous and e.event_type != DOCUMENT_EVENT_TYPE]
    for leg in legs:
        departures = [e.event_time for e in actual if e.location == leg.origin and movement_code(e.step) == DEPART]
        arrivals = [e.event_time for e in actual if e.location == leg.destination and movement_code(e.step) == ARRIVE]
        if departures and arrivals and min(arrivals) < max(departures):
            return True
    speeds = {_mode(m): float(v) for m, v in {**DEFAULT_MAX_SPEED_KMH, **max_speed_kmh}.items()}
    fastest = max(speeds.values())
    limits = [speeds[_mode(leg.mode)] for leg in legs if _mode(leg.mode) in speeds]
    slowest = min([*limits, fastest])
    located = sorted((e for e in actual if e.location), key=lambda e: e.event_time)
    for a, b in itertools.pairwise(located):
        if a.location == b.location:
            continue
        seconds = (b.event_time - a.event_time).total_seconds()
        if seconds <= 0:
            return True
        km = distance_km(a.location, b.location)
        if km is not None and km / (seconds / 3600) > slowest:
            return True
    return False
