"""From one consignment's plain rows to the ``Watched`` the detectors read (pure; the scan and the benchmarks
share it).

The event graph is built, and its consistency analysis run, only when ``screen.may_be_inconsistent``
cannot clear the consignment: most consignments' events are plainly consistent, and the graph is the
costliest part of judging one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from apps.corridors.baselines import Figures, Key, LegSpec
from apps.corridors.detectors.screen import may_be_inconsistent
from apps.corridors.detectors.watched import Watched
from apps.corridors.milestones import MilestoneEvent
from apps.corridors.thresholds import Thresholds
from apps.shipments.graph.build import build_event_graph
from apps.shipments.graph.consistency import inconsistencies
from apps.shipments.graph.types import EquipmentAssignment, GraphEvent, LegInfo


class RawEvent(NamedTuple):
    """An actual event as the graph would take it, cheap to make: a ``GraphEvent`` (whose checks cost more
    than the rest of judging) is built from it only for the consignments the screen cannot clear.

    ``key`` is the event's row id as read (a UUID): it becomes the graph's string key only then, too.
    """

    key: Any
    recorder: str
    step: str
    event_time: datetime
    event_id: str = ""
    event_type: str = ""
    record_time: datetime | None = None
    location: str = ""
    consignments: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    voyage: str = ""
    epcs: tuple[str, ...] = ()
    parent: str = ""
    children: tuple[str, ...] = ()
    action: str = ""
    erroneous: bool = False
    source: str = "native"


def assemble(
    *,
    consignment_id: str,
    reference: str,
    origin: str,
    destination: str,
    status: str,
    legs: Sequence[LegInfo],
    events: Iterable[MilestoneEvent],
    graph_events: Mapping[Any, tuple[RawEvent | GraphEvent, MilestoneEvent]],
    assignments: Iterable[EquipmentAssignment] = (),
    corridor: str = "",
    baselines: Mapping[Key, Figures] | None = None,
    thresholds: Thresholds | None = None,
    distance_km: Callable[[str, str], float | None],
) -> Watched:
    """One consignment as the detectors see it. ``graph_events`` maps each actual event's key (the graph's, or
    the row id it is made from) to the graph's form of it and the milestone form (by which evidence names it)."""
    its_graph_events = [graph for graph, _ in graph_events.values()]
    found: tuple = ()
    if may_be_inconsistent(its_graph_events, legs, distance_km=distance_km):
        full = [
            GraphEvent(**{**e._asdict(), "key": str(e.key)}) if isinstance(e, RawEvent) else e for e in its_graph_events
        ]
        graph = build_event_graph(full, assignments, legs)
        found = tuple(inconsistencies(graph, distance_km=distance_km))
    return Watched(
        consignment_id=consignment_id,
        reference=reference,
        origin=origin,
        destination=destination,
        status=status,
        legs=tuple(
            LegSpec(leg.origin, leg.destination, leg.mode, leg.planned_departure, leg.planned_arrival) for leg in legs
        ),
        events=tuple(events),
        corridor=corridor,
        baselines=baselines or {},
        thresholds=thresholds or Thresholds(),
        inconsistencies=found,
        graph_events={str(key): milestone for key, (_, milestone) in graph_events.items()} if found else {},
    )
