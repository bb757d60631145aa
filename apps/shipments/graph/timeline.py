"""A consignment's timeline: its events in order, with those it inherits from its containers and
voyages, each saying how it relates (no Django imports).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import networkx as nx

from apps.shipments.graph.types import (
    AGGREGATION,
    CONSIGNMENT,
    CORROBORATES,
    EQUIPMENT,
    HAS_LEG,
    TOUCHES,
    VOYAGE,
    TimelineEntry,
    Window,
    node_id,
    within,
)

# ---------------------------------------------------------------------------------------------
# Reading the graph
# ---------------------------------------------------------------------------------------------


def _intersect(a: Window, b: Window) -> Window | None:
    start = max((t for t in (a[0], b[0]) if t is not None), default=None)
    end = min((t for t in (a[1], b[1]) if t is not None), default=None)
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


def voyage_wide(attrs: Mapping[str, Any]) -> bool:
    """A voyage-wide event names a voyage and no consignment, container or goods (a vessel's departure)."""
    return bool(attrs["voyage"]) and not (
        attrs["consignments"] or attrs["equipment"] or attrs["epcs"] or attrs["parent"] or attrs["children"]
    )


def touching(graph: nx.MultiDiGraph[str], obj: str) -> list[str]:
    """The event nodes that touch an object node."""
    return list(dict.fromkeys(event for event, _, data in graph.in_edges(obj, data=True) if data["kind"] == TOUCHES))


def _assignment_windows(graph: nx.MultiDiGraph[str], consignment: str) -> dict[str, list[Window]]:
    """Equipment node -> the windows it was assigned to the consignment node."""
    windows: dict[str, list[Window]] = defaultdict(list)
    for equipment, _, data in graph.in_edges(consignment, data=True):
        if data["kind"] == AGGREGATION and graph.nodes[equipment]["kind"] == EQUIPMENT:
            windows[equipment].append((data["start"], data["end"]))
    return dict(sorted(windows.items()))


def leg_window(
    *,
    planned_departure: datetime | None,
    planned_arrival: datetime | None,
    actual_departure: datetime | None,
    actual_arrival: datetime | None,
) -> Window:
    """When a consignment was on its leg's voyage: actual times, else planned; a leg under way (departed, not
    arrived) or a missing time leaves that end open."""
    departure = actual_departure or planned_departure
    arrival = actual_arrival or (None if actual_departure else planned_arrival)
    return (departure, arrival)


def _voyage_windows(
    graph: nx.MultiDiGraph[str], consignment: str, assigned: Mapping[str, list[Window]]
) -> dict[str, list[Window]]:
    """Voyage node -> the windows the consignment was on it.

    From its legs on the voyage (``leg_window``) and from its containers' time aboard (load to discharge)
    within their assignment.
    """
    windows: dict[str, list[Window]] = defaultdict(list)
    for _, leg, data in graph.out_edges(consignment, data=True):
        attrs = graph.nodes[leg]
        if data["kind"] == HAS_LEG and attrs["voyage"]:
            windows[node_id(VOYAGE, attrs["voyage"])].append(
                leg_window(
                    planned_departure=attrs["planned_departure"],
                    planned_arrival=attrs["planned_arrival"],
                    actual_departure=attrs["actual_departure"],
                    actual_arrival=attrs["actual_arrival"],
                )
            )
    for equipment, assignment_windows in assigned.items():
        for _, voyage, data in graph.out_edges(equipment, data=True):
            if data["kind"] != AGGREGATION or graph.nodes[voyage]["kind"] != VOYAGE:
                continue
            for window in assignment_windows:
                aboard = _intersect((data["start"], data["end"]), window)
                if aboard is not None:
                    windows[voyage].append(aboard)
    return dict(sorted(windows.items()))


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------


def timeline(graph: nx.MultiDiGraph[str], consignment: str) -> list[TimelineEntry]:
    """The consignment's events in order, with those it inherits, each saying how it relates.

    Direct events first claim their place; then each container's events while it was assigned to
    the consignment (DESIGN §10: a container links an event only within its assignment); then the
    voyage-wide events of its voyages while it was on them (shown, ``inherited_from="voyage"``, but
    never chained). Erroneous events stay in, flagged. Order: event time, record time, key.
    """
    related = related_events(graph, consignment)
    corroborated: dict[str, set[str]] = defaultdict(set)
    pairs = [*graph.out_edges(related, data=True), *graph.in_edges(related, data=True)]
    for u, v, data in pairs:
        if data["kind"] == CORROBORATES:
            corroborated[u].add(graph.nodes[v]["key"])
            corroborated[v].add(graph.nodes[u]["key"])
    entries = [_timeline_entry(graph.nodes[node], *how, corroborated[node]) for node, how in related.items()]
    return sorted(entries, key=lambda e: (e.event_time, e.record_time is None, e.record_time or e.event_time, e.key))


def related_events(graph: nx.MultiDiGraph[str], consignment: str) -> dict[str, tuple[str, str]]:
    """The consignment's event nodes -> (inherited_from, via), by the rules of :func:`timeline`."""
    start = node_id(CONSIGNMENT, consignment)
    if start not in graph:
        return {}
    related: dict[str, tuple[str, str]] = dict.fromkeys(touching(graph, start), ("", ""))
    assigned = _assignment_windows(graph, start)
    for equipment, windows in assigned.items():
        for event in touching(graph, equipment):
            moment = graph.nodes[event]["event_time"]
            if event not in related and any(within(moment, w) for w in windows):
                related[event] = (EQUIPMENT, graph.nodes[equipment]["key"])
    for voyage, windows in _voyage_windows(graph, start, assigned).items():
        for event in touching(graph, voyage):
            attrs = graph.nodes[event]
            if event not in related and voyage_wide(attrs) and any(within(attrs["event_time"], w) for w in windows):
                related[event] = (VOYAGE, graph.nodes[voyage]["key"])
    return related


def _timeline_entry(a: Mapping[str, Any], inherited_from: str, via: str, pairs: set[str]) -> TimelineEntry:
    return TimelineEntry(
        key=a["key"],
        event_id=a["event_id"],
        event_time=a["event_time"],
        record_time=a["record_time"],
        recorder=a["recorder"],
        source=a["source"],
        event_type=a["event_type"],
        step=a["step"],
        movement=a["movement"],
        location=a["location"],
        voyage=a["voyage"],
        equipment=a["equipment"],
        inherited_from=inherited_from,
        via=via,
        erroneous=a["erroneous"],
        corroborated_by=tuple(sorted(pairs)),
    )
