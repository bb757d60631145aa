"""Building the event graph of one consignment (or a few): its nodes and edges are described in the
package docstring; corroborating reports of one movement become edges too (no Django imports).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import pairwise

import networkx as nx

from apps.shipments.graph.types import (
    AGGREGATION,
    CARRIED_BY,
    CONSIGNMENT,
    CORROBORATES,
    CORROBORATING_STEPS,
    DEFAULT_TOLERANCE,
    DISCHARGE,
    EPC,
    EQUIPMENT,
    EVENT,
    EVENT_FIELDS,
    HAS_LEG,
    LEG,
    LEG_FIELDS,
    LOAD,
    SEQUENCE,
    TOUCHES,
    TRANSSHIPMENT,
    VOYAGE,
    EquipmentAssignment,
    GraphEvent,
    LegInfo,
    event_order,
    movement_code,
    node_id,
    step_name,
)

# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------

_ISO6346 = re.compile(r"[A-Z]{3}[UJZR]\d{7}")


def _identifier_kind(identifier: str) -> str:
    return EQUIPMENT if _ISO6346.fullmatch(identifier) else EPC


def build_event_graph(
    events: Iterable[GraphEvent],
    assignments: Iterable[EquipmentAssignment] = (),
    legs: Iterable[LegInfo] = (),
) -> nx.MultiDiGraph[str]:
    """The event graph of the given events, assignments and legs (see the package docstring).

    Give it the bounded set that concerns one consignment (or a few): its direct events, its
    containers' events and its voyages' events; it never needs a whole-table graph (DESIGN §8b).
    Raises ``ValueError`` on two events with one key.
    """
    events = list(events)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    touched: dict[str, list[str]] = {}
    for event in events:
        if event.key in touched:
            raise ValueError(f"two events with key {event.key!r}")
        touched[event.key] = _add_event(graph, event)
    for assignment in assignments:
        equipment = _add_object(graph, EQUIPMENT, assignment.equipment)
        consignment = _add_object(graph, CONSIGNMENT, assignment.consignment)
        graph.add_edge(equipment, consignment, kind=AGGREGATION, start=assignment.start, end=assignment.end)
    _add_legs(graph, legs)

    by_object: dict[str, list[GraphEvent]] = defaultdict(list)
    for event in events:
        if not event.erroneous:
            for obj in touched[event.key]:
                by_object[obj].append(event)
    for obj, its_events in by_object.items():
        its_events.sort(key=event_order)
        for a, b in pairwise(its_events):
            graph.add_edge(node_id(EVENT, a.key), node_id(EVENT, b.key), kind=SEQUENCE, object=obj)
        if graph.nodes[obj]["kind"] == EQUIPMENT:
            _add_aboard_spans(graph, obj, its_events)
    _add_epc_aggregations(graph, [e for e in events if e.parent and not e.erroneous])
    for earlier, later in corroborating_pairs(events):
        graph.add_edge(node_id(EVENT, earlier), node_id(EVENT, later), kind=CORROBORATES)
    return graph


def _add_object(graph: nx.MultiDiGraph[str], kind: str, key: str) -> str:
    node = node_id(kind, key)
    if node not in graph:
        graph.add_node(node, kind=kind, key=key)
    return node


def _add_event(graph: nx.MultiDiGraph[str], event: GraphEvent) -> list[str]:
    """Add the event node and its ``touches`` edges; return the object nodes it touches."""
    node = node_id(EVENT, event.key)
    graph.add_node(node, kind=EVENT, movement=movement_code(event.step), **{n: getattr(event, n) for n in EVENT_FIELDS})
    objects = [(CONSIGNMENT, c) for c in event.consignments] + [(EQUIPMENT, e) for e in event.equipment]
    if event.voyage:
        objects.append((VOYAGE, event.voyage))
    identifiers = [*event.epcs, *([event.parent] if event.parent else []), *event.children]
    objects += [(_identifier_kind(i), i) for i in identifiers]
    touched = list(dict.fromkeys(_add_object(graph, kind, key) for kind, key in objects))
    for obj in touched:
        graph.add_edge(node, obj, kind=TOUCHES)
    return touched


def _add_legs(graph: nx.MultiDiGraph[str], legs: Iterable[LegInfo]) -> None:
    by_consignment: dict[str, list[LegInfo]] = defaultdict(list)
    for leg in legs:
        node = node_id(LEG, leg.key)
        graph.add_node(node, kind=LEG, **{n: getattr(leg, n) for n in LEG_FIELDS})
        graph.add_edge(_add_object(graph, CONSIGNMENT, leg.consignment), node, kind=HAS_LEG)
        if leg.voyage:
            graph.add_edge(node, _add_object(graph, VOYAGE, leg.voyage), kind=CARRIED_BY)
        by_consignment[leg.consignment].append(leg)
    for its_legs in by_consignment.values():
        its_legs.sort(key=lambda leg: leg.sequence)
        for a, b in pairwise(its_legs):
            if a.destination and a.destination == b.origin:
                graph.add_edge(node_id(LEG, a.key), node_id(LEG, b.key), kind=TRANSSHIPMENT, location=a.destination)


def _add_aboard_spans(graph: nx.MultiDiGraph[str], equipment: str, events: list[GraphEvent]) -> None:
    """Equipment -> voyage aggregation edges, from each load onto a voyage to the next discharge from it.

    A repeated load (an EPCIS and a DCSA report of one move) keeps the first; a repeated discharge after
    a span closed is ignored; a discharge with no load seen gives a span with an unknown start.
    """
    open_spans: dict[str, GraphEvent] = {}
    closed: set[str] = set()
    for event in events:
        move = movement_code(event.step)
        if not event.voyage or move not in (LOAD, DISCHARGE):
            continue
        if move == LOAD:
            open_spans.setdefault(event.voyage, event)
            continue
        load = open_spans.pop(event.voyage, None)
        if load is None and event.voyage in closed:
            continue
        closed.add(event.voyage)
        graph.add_edge(
            equipment,
            _add_object(graph, VOYAGE, event.voyage),
            kind=AGGREGATION,
            start=load.event_time if load else None,
            end=event.event_time,
            opened_by=load.key if load else "",
            closed_by=event.key,
        )
    for voyage, load in open_spans.items():
        graph.add_edge(
            equipment, node_id(VOYAGE, voyage), kind=AGGREGATION, start=load.event_time, end=None, opened_by=load.key
        )


def _add_epc_aggregations(graph: nx.MultiDiGraph[str], events: list[GraphEvent]) -> None:
    """Child -> parent aggregation edges from EPCIS aggregation events: ADD/OBSERVE opens, DELETE closes.

    A DELETE without children closes every open child of that parent, as EPCIS 2.0 says.
    """
    open_spans: dict[tuple[str, str], GraphEvent] = {}
    for event in sorted(events, key=event_order):
        parent = node_id(_identifier_kind(event.parent), event.parent)
        if event.action.upper() != "DELETE":
            for child in event.children:
                open_spans.setdefault((node_id(_identifier_kind(child), child), parent), event)
            continue
        children = {node_id(_identifier_kind(c), c) for c in event.children}
        for child, its_parent in [pair for pair in open_spans if pair[1] == parent]:
            if child in children or not children:
                opened = open_spans.pop((child, its_parent))
                graph.add_edge(
                    child,
                    parent,
                    kind=AGGREGATION,
                    start=opened.event_time,
                    end=event.event_time,
                    opened_by=opened.key,
                    closed_by=event.key,
                )
    for (child, parent), opened in open_spans.items():
        graph.add_edge(child, parent, kind=AGGREGATION, start=opened.event_time, end=None, opened_by=opened.key)


# ---------------------------------------------------------------------------------------------
# Corroboration
# ---------------------------------------------------------------------------------------------


def _step_classes(step: str) -> frozenset[str]:
    """Every DCSA code a step may stand for, for corroboration ("departing": DEPA or GTOT)."""
    name = step_name(step)
    if name in CORROBORATING_STEPS:
        return frozenset({name})
    return frozenset(code for code, steps in CORROBORATING_STEPS.items() if name in steps)


def _source_family(source: str) -> str:
    return "dcsa" if source.startswith("dcsa") else source


def corroborating_pairs(
    events: Iterable[GraphEvent], tolerance: timedelta = DEFAULT_TOLERANCE
) -> list[tuple[str, str]]:
    """Pairs of events from different sources reporting one movement, as (earlier key, later key).

    Different sources are different families (``epcis``, ``dcsa-*``, ``native``): a DCSA 2.2 and a
    3.0 report are one carrier's feed, not independent witnesses. The pair must name the same
    container, an equivalent step (``CORROBORATING_STEPS``), the same UN/LOCODE (events without a
    place are never paired) and times at most ``tolerance`` apart. Erroneous events are left out.
    The CBV hash cannot do this: the two reports differ in every field but the facts (DESIGN §10).
    """
    buckets: dict[tuple[str, str, str], list[GraphEvent]] = defaultdict(list)
    for event in events:
        if event.erroneous or not event.location:
            continue
        for code in _step_classes(event.step):
            for equipment in event.equipment:
                buckets[(equipment, event.location, code)].append(event)
    found: dict[tuple[str, str], tuple[datetime, bool, datetime, str]] = {}
    for bucket in buckets.values():
        bucket.sort(key=event_order)
        for index, a in enumerate(bucket):
            for b in bucket[index + 1 :]:
                if b.event_time - a.event_time > tolerance:
                    break
                if _source_family(a.source) != _source_family(b.source):
                    found[(a.key, b.key)] = event_order(a)
    return sorted(found, key=lambda pair: (found[pair], pair))
