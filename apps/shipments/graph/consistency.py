"""The event graph of a consignment, and the analyses Corridor runs over it.

Pure functions over networkx graphs: no Django, no ORM. Selectors turn rows into the frozen input
dataclasses below (``GraphEvent``, ``EquipmentAssignment``, ``LegInfo``, ``PartyInfo``) with bounded
queries (the events of one consignment, of its equipment while assigned and of its voyages, DESIGN
§8b), and :func:`build_event_graph` makes one directed multigraph of them. Every analysis reads that
graph, so the timeline page, the custody view, the detectors and the exports share one picture;
several consignments' graphs can be joined with ``nx.compose_all`` before calling :func:`impact`.

Nodes are strings ``"<kind>:<key>"`` (:func:`node_id`) with a ``kind`` attribute and a ``key``:

- ``event``: one event as one partner recorded it (every ``GraphEvent`` field, plus ``movement``);
- ``consignment``, ``equipment`` (ISO 6346 number), ``voyage`` (e.g. ``IMO9321483/2103S``) and
  ``epc`` (an EPC or other identifier an EPCIS event names): the objects events touch;
- ``leg``: one movement of a consignment (every ``LegInfo`` field).

Edges carry a ``kind`` too:

- ``touches``: event -> each object it names;
- ``sequence``: event -> the next event of the same object (``object`` names it), by event time,
  ties by record time then key; erroneous events keep their ``touches`` edges but are not sequenced;
- ``aggregation``: equipment -> consignment while assigned; equipment -> voyage while aboard, as its
  load and discharge events show; EPC or child -> parent, opened by ADD/OBSERVE and closed by DELETE.
  Each has ``start`` and ``end`` (``None``: open), and ``opened_by``/``closed_by`` event keys where
  events are the evidence;
- ``transshipment``: leg -> the next leg of the same consignment, starting where it ended
  (``location``);
- ``has_leg`` (consignment -> leg), ``carried_by`` (leg -> voyage) and ``corroborates`` (the earlier
  -> the later event of a pair from different sources reporting one movement).

Steps are compared as *movements*: the DCSA event code, with CBV bizSteps mapped onto it where one
means the other (``receiving`` GTIN, ``shipping`` GTOT, ``loading`` LOAD, ``unloading`` DISC,
``departing`` DEPA, ``arriving`` ARRI); other steps keep their own short name (``accepting``,
``storing``, DCSA ``STUF``...). Times are timezone-aware, ``None`` meaning unknown (an open end).
Events are actual ones (DCSA ``ACT``): plans and estimates live on legs.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import networkx as nx

# Node kinds.
EVENT = "event"
CONSIGNMENT = "consignment"
EQUIPMENT = "equipment"
VOYAGE = "voyage"
EPC = "epc"
LEG = "leg"

# Edge kinds.
TOUCHES = "touches"
SEQUENCE = "sequence"
AGGREGATION = "aggregation"
TRANSSHIPMENT = "transshipment"
HAS_LEG = "has_leg"
CARRIED_BY = "carried_by"
CORROBORATES = "corroborates"

# Movements (DCSA event codes).
GATE_IN = "GTIN"
GATE_OUT = "GTOT"
LOAD = "LOAD"
DISCHARGE = "DISC"
DEPART = "DEPA"
ARRIVE = "ARRI"
_CBV_MOVEMENTS = {
    "receiving": GATE_IN,
    "shipping": GATE_OUT,
    "loading": LOAD,
    "unloading": DISCHARGE,
    "departing": DEPART,
    "arriving": ARRIVE,
}
# For corroboration: the CBV steps that may report the same movement as each DCSA code. A gate-in
# is often captured in EPCIS as "arriving" at the terminal, a gate-out as "departing" it.
CORROBORATING_STEPS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        LOAD: frozenset({"loading"}),
        DISCHARGE: frozenset({"unloading"}),
        DEPART: frozenset({"departing"}),
        ARRIVE: frozenset({"arriving"}),
        GATE_IN: frozenset({"receiving", "arriving"}),
        GATE_OUT: frozenset({"shipping", "departing"}),
    }
)
_BIZSTEP_PREFIXES = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/bizstep-", "cbv:bizstep-")
# DCSA shipment events are about documents (a B/L issued at an office), not where goods are.
DOCUMENT_EVENT_TYPE = "SHIPMENT"

# Custody roles: PartyRole values, plus the haulier moving a container by road after a gate-out.
ROLE_CONSIGNOR = "consignor"
ROLE_TERMINAL = "terminal_operator"
ROLE_CARRIER = "carrier"
ROLE_HAULIER = "haulier"
ROLE_CONSIGNEE = "consignee"

# Finding kinds.
ARRIVAL_BEFORE_DEPARTURE = "arrival_before_departure"
OUT_OF_ORDER = "out_of_order"
TWO_PLACES_AT_ONCE = "two_places_at_once"
IMPOSSIBLE_SPEED = "impossible_speed"

DEFAULT_MAX_SPEED_KMH: Mapping[str, float] = MappingProxyType(
    {"VESSEL": 60.0, "BARGE": 30.0, "TRUCK": 120.0, "RAIL": 160.0, "AIR": 1000.0}
)
# How far apart two reports of one movement may be (corroboration, repeated reports).
DEFAULT_TOLERANCE = timedelta(hours=2)
# Leg modes are TransportMode values ("sea", "road"...), event modes DCSA's ("VESSEL", "TRUCK"...).
_MODE_ALIASES = {"SEA": "VESSEL", "OCEAN": "VESSEL", "ROAD": "TRUCK", "INLAND_WATERWAY": "BARGE"}
_ISO6346 = re.compile(r"[A-Z]{3}[UJZR]\d{7}")

Window = tuple[datetime | None, datetime | None]


def _require_aware(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{type(owner).__name__}.{name} must be timezone-aware, got {value!r}")


# ---------------------------------------------------------------------------------------------
# Inputs and outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GraphEvent:
    """One event as the graph needs it: what, when, where, which objects, who recorded it.

    ``key`` identifies the event in Corridor (its row id); ``event_id`` is the id as sent, unique only
    per recorder. ``step`` is a CBV bizStep short name or a DCSA event code. ``consignments`` are the
    consignments the event is linked to directly (by id, transport document or booking), not through
    equipment. ``voyage`` is ``"<vessel IMO or flight>/<voyage number>"``. ``erroneous`` marks an
    event declared erroneous (EPCIS errorDeclaration) or retracted (DCSA isRetracted).
    """

    key: str
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

    def __post_init__(self) -> None:
        _require_aware(self, "event_time", "record_time")
        for name in ("consignments", "equipment", "epcs", "children"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


@dataclass(frozen=True, kw_only=True)
class EquipmentAssignment:
    """A container assigned to a consignment from ``start`` to ``end`` (``None``: open)."""

    consignment: str
    equipment: str
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self, "start", "end")


@dataclass(frozen=True, kw_only=True)
class LegInfo:
    """One leg of a consignment: mode (TransportMode or DCSA mode), from and to (UN/LOCODE), times."""

    key: str
    consignment: str
    sequence: int
    mode: str
    origin: str
    destination: str
    voyage: str = ""
    planned_departure: datetime | None = None
    planned_arrival: datetime | None = None
    actual_departure: datetime | None = None
    actual_arrival: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self, "planned_departure", "planned_arrival", "actual_departure", "actual_arrival")


@dataclass(frozen=True, kw_only=True)
class PartyInfo:
    """A partner's role for the consignment (a PartyRole value), to name who held it."""

    partner: str
    role: str


@dataclass(frozen=True, kw_only=True)
class TimelineEntry:
    """One event in a consignment's timeline and how it belongs there.

    ``inherited_from`` is ``""`` for an event linked directly, ``"equipment"`` for one of a container
    while assigned, ``"voyage"`` for a voyage-wide event while the consignment was on that voyage;
    ``via`` names that container or voyage.
    """

    key: str
    event_id: str
    event_time: datetime
    record_time: datetime | None
    recorder: str
    source: str
    event_type: str
    step: str
    movement: str
    location: str
    voyage: str
    equipment: tuple[str, ...]
    inherited_from: str
    via: str
    erroneous: bool
    corroborated_by: tuple[str, ...]

    @property
    def relation(self) -> str:
        """How the event relates to the consignment, in words: direct, via equipment X, via voyage V."""
        return f"via {self.inherited_from} {self.via}" if self.inherited_from else "direct"


@dataclass(frozen=True, kw_only=True)
class CustodySpan:
    """Who held the consignment from ``start`` to ``end`` (``None``: unknown, or still holding).

    ``role`` is what the steps imply (consignor, terminal_operator, carrier, haulier, consignee);
    ``holder`` the partner, where the parties tell (else ``""``); ``recorded_by`` who recorded the
    event that opened the span.
    """

    role: str
    holder: str
    start: datetime | None
    end: datetime | None
    location: str
    opened_by: str
    closed_by: str
    recorded_by: str


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One inconsistency: what kind, about which node, which events, in words and in figures."""

    kind: str
    subject: str
    events: tuple[str, ...]
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)


_EVENT_FIELDS = tuple(f.name for f in fields(GraphEvent))
_LEG_FIELDS = tuple(f.name for f in fields(LegInfo))


# ---------------------------------------------------------------------------------------------
# Vocabulary helpers
# ---------------------------------------------------------------------------------------------


def node_id(kind: str, key: str) -> str:
    """The graph node of an event or object, e.g. ``"equipment:MSCU1234566"``."""
    return f"{kind}:{key}"


def step_name(step: str) -> str:
    """A step's short form: a DCSA code as is (upper case), a CBV bizStep without its URI prefix."""
    name = step.strip()
    if name.isupper():
        return name
    name = name.lower()
    for prefix in _BIZSTEP_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def movement_code(step: str) -> str:
    """The movement a step reports: its DCSA code (CBV steps mapped), else the step's short name."""
    name = step_name(step)
    return _CBV_MOVEMENTS.get(name, name)


def _step_classes(step: str) -> frozenset[str]:
    """Every DCSA code a step may stand for, for corroboration ("departing": DEPA or GTOT)."""
    name = step_name(step)
    if name in CORROBORATING_STEPS:
        return frozenset({name})
    return frozenset(code for code, steps in CORROBORATING_STEPS.items() if name in steps)


def _source_family(source: str) -> str:
    return "dcsa" if source.startswith("dcsa") else source


def _mode(mode: str) -> str:
    name = mode.strip().upper().replace(" ", "_")
    return _MODE_ALIASES.get(name, name)


def _identifier_kind(identifier: str) -> str:
    return EQUIPMENT if _ISO6346.fullmatch(identifier) else EPC


def _event_order(event: GraphEvent) -> tuple[datetime, bool, datetime, str]:
    return (event.event_time, event.record_time is None, event.record_time or event.event_time, event.key)


def _within(moment: datetime, window: Window) -> bool:
    start, end = window
    return (start is None or start <= moment) and (end is None or moment <= end)


def _intersect(a: Window, b: Window) -> Window | None:
    start = max((t for t in (a[0], b[0]) if t is not None), default=None)
    end = min((t for t in (a[1], b[1]) if t is not None), default=None)
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


def _fmt(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def _describe(event: GraphEvent) -> str:
    """An event in words: "discharged at KRPUS from IMO9321483/2103S on 2024-03-06 04:00 UTC"."""
    place = event.location or "an unknown place"
    verbs = {
        GATE_IN: f"gated in at {place}",
        GATE_OUT: f"gated out of {place}",
        LOAD: f"loaded at {place} onto {event.voyage or 'a conveyance'}",
        DISCHARGE: f"discharged at {place} from {event.voyage or 'a conveyance'}",
        DEPART: f"departed {place}",
        ARRIVE: f"arrived at {place}",
    }
    what = verbs.get(movement_code(event.step), f"{step_name(event.step)} at {place}")
    return f"{what} on {_fmt(event.event_time)} [{event.key}]"


def _voyage_wide(attrs: Mapping[str, Any]) -> bool:
    """A voyage-wide event names a voyage and no consignment, container or goods (a vessel's departure)."""
    return bool(attrs["voyage"]) and not (
        attrs["consignments"] or attrs["equipment"] or attrs["epcs"] or attrs["parent"] or attrs["children"]
    )


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def build_event_graph(
    events: Iterable[GraphEvent],
    assignments: Iterable[EquipmentAssignment] = (),
    legs: Iterable[LegInfo] = (),
) -> nx.MultiDiGraph[str]:
    """The event graph of the given events, assignments and legs (see the module docstring).

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
        its_events.sort(key=_event_order)
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
    graph.add_node(
        node, kind=EVENT, movement=movement_code(event.step), **{n: getattr(event, n) for n in _EVENT_FIELDS}
    )
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
        graph.add_node(node, kind=LEG, **{n: getattr(leg, n) for n in _LEG_FIELDS})
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
    for event in sorted(events, key=_event_order):
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
# Reading the graph
# ---------------------------------------------------------------------------------------------


def _actual_event_nodes(graph: nx.MultiDiGraph[str]) -> dict[str, GraphEvent]:
    """Event node -> its event, for the events that say where things physically were.

    Erroneous events did not happen; DCSA shipment events are about documents (a B/L issued at an
    office), not about where goods are.
    """
    events = {}
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] == EVENT and not attrs["erroneous"] and attrs["event_type"] != DOCUMENT_EVENT_TYPE:
            events[node] = GraphEvent(**{name: attrs[name] for name in _EVENT_FIELDS})
    return events


def _touching(graph: nx.MultiDiGraph[str], obj: str) -> list[str]:
    """The event nodes that touch an object node."""
    return list(dict.fromkeys(event for event, _, data in graph.in_edges(obj, data=True) if data["kind"] == TOUCHES))


def _actual_events(graph: nx.MultiDiGraph[str], obj: str, actual: Mapping[str, GraphEvent]) -> list[GraphEvent]:
    """An object's actual events (see ``_actual_event_nodes``), in order."""
    return sorted((actual[n] for n in _touching(graph, obj) if n in actual), key=_event_order)


def _legs(graph: nx.MultiDiGraph[str]) -> list[LegInfo]:
    legs = [LegInfo(**{n: a[n] for n in _LEG_FIELDS}) for _, a in graph.nodes(data=True) if a["kind"] == LEG]
    return sorted(legs, key=lambda leg: (leg.consignment, leg.sequence, leg.key))


def _assignment_windows(graph: nx.MultiDiGraph[str], consignment: str) -> dict[str, list[Window]]:
    """Equipment node -> the windows it was assigned to the consignment node."""
    windows: dict[str, list[Window]] = defaultdict(list)
    for equipment, _, data in graph.in_edges(consignment, data=True):
        if data["kind"] == AGGREGATION and graph.nodes[equipment]["kind"] == EQUIPMENT:
            windows[equipment].append((data["start"], data["end"]))
    return dict(sorted(windows.items()))


def _voyage_windows(
    graph: nx.MultiDiGraph[str], consignment: str, assigned: Mapping[str, list[Window]]
) -> dict[str, list[Window]]:
    """Voyage node -> the windows the consignment was on it.

    From its legs on the voyage (actual times, else planned; a leg under way or a missing time leaves
    that end open) and from its containers' time aboard (load to discharge) within their assignment.
    """
    windows: dict[str, list[Window]] = defaultdict(list)
    for _, leg, data in graph.out_edges(consignment, data=True):
        attrs = graph.nodes[leg]
        if data["kind"] == HAS_LEG and attrs["voyage"]:
            departure = attrs["actual_departure"] or attrs["planned_departure"]
            arrival = attrs["actual_arrival"] or (None if attrs["actual_departure"] else attrs["planned_arrival"])
            windows[node_id(VOYAGE, attrs["voyage"])].append((departure, arrival))
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
    related = _related_events(graph, consignment)
    corroborated: dict[str, set[str]] = defaultdict(set)
    pairs = [*graph.out_edges(related, data=True), *graph.in_edges(related, data=True)]
    for u, v, data in pairs:
        if data["kind"] == CORROBORATES:
            corroborated[u].add(graph.nodes[v]["key"])
            corroborated[v].add(graph.nodes[u]["key"])
    entries = [_timeline_entry(graph.nodes[node], *how, corroborated[node]) for node, how in related.items()]
    return sorted(entries, key=lambda e: (e.event_time, e.record_time is None, e.record_time or e.event_time, e.key))


def _related_events(graph: nx.MultiDiGraph[str], consignment: str) -> dict[str, tuple[str, str]]:
    """The consignment's event nodes -> (inherited_from, via), by the rules of :func:`timeline`."""
    start = node_id(CONSIGNMENT, consignment)
    if start not in graph:
        return {}
    related: dict[str, tuple[str, str]] = dict.fromkeys(_touching(graph, start), ("", ""))
    assigned = _assignment_windows(graph, start)
    for equipment, windows in assigned.items():
        for event in _touching(graph, equipment):
            moment = graph.nodes[event]["event_time"]
            if event not in related and any(_within(moment, w) for w in windows):
                related[event] = (EQUIPMENT, graph.nodes[equipment]["key"])
    for voyage, windows in _voyage_windows(graph, start, assigned).items():
        for event in _touching(graph, voyage):
            attrs = graph.nodes[event]
            if event not in related and _voyage_wide(attrs) and any(_within(attrs["event_time"], w) for w in windows):
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


# ---------------------------------------------------------------------------------------------
# Chain of custody
# ---------------------------------------------------------------------------------------------

# (holder now, movement) -> holder after. A consignor's own gate-out or departure (its haulage to
# the terminal, an empty pick-up) leaves custody with it; its load or departure passes custody to a
# carrier only when the event names a voyage or a carrier recorded it (see _custody_next).
_CUSTODY_TRANSITIONS = {
    (ROLE_CONSIGNOR, GATE_IN): ROLE_TERMINAL,
    (ROLE_TERMINAL, LOAD): ROLE_CARRIER,
    (ROLE_TERMINAL, DEPART): ROLE_CARRIER,
    (ROLE_TERMINAL, GATE_OUT): ROLE_HAULIER,
    (ROLE_CARRIER, DISCHARGE): ROLE_TERMINAL,
    (ROLE_CARRIER, GATE_IN): ROLE_TERMINAL,
    (ROLE_HAULIER, GATE_IN): ROLE_TERMINAL,
    (ROLE_HAULIER, "DROP"): ROLE_CONSIGNEE,
    (ROLE_HAULIER, "STRP"): ROLE_CONSIGNEE,
}


def chain_of_custody(
    graph: nx.MultiDiGraph[str], consignment: str, *, parties: Iterable[PartyInfo] = ()
) -> list[CustodySpan]:
    """Who held the consignment from when to when, from its timeline's steps and their recorders.

    Rules, over the direct and container events (not voyage-wide, erroneous or document events):

    - the consignor (shipper) holds it first, from its first event (``start=None`` when that event
      already hands it over), through its own haulage to the terminal: gate-out or ``shipping`` from
      its premises keep custody with it;
    - gate-in (DCSA GTIN, CBV ``receiving``) passes it to the terminal operator;
    - loading or departing (LOAD/DEPA, ``loading``/``departing``) passes it to the carrier, from a
      terminal, or straight from the consignor when the event names a voyage or a carrier recorded it;
    - discharge (DISC, ``unloading``) passes it to the terminal operator, and so does a gate-in after
      a road carrier;
    - gate-out from a terminal (GTOT, ``shipping``) passes it to a haulier for the road delivery;
    - delivery passes it to the consignee, for good: CBV ``accepting``; ``receiving`` recorded by the
      consignee; DCSA DROP (dropped off) or STRP (stripped) after a gate-out. Arrivals, storing and
      the like change nothing; DCSA RECE is a shipment (document) event, so it does not either.

    ``holder`` is the recorder of the event that opened the span when the parties give it that role,
    else the only party with that role, else ``""``.
    """
    parties = list(parties)
    roles_of: dict[str, set[str]] = defaultdict(set)
    holders_of: dict[str, list[str]] = defaultdict(list)
    for party in parties:
        roles_of[party.partner].add(party.role)
        holders_of[party.role].append(party.partner)

    def holder(role: str, recorder: str) -> str:
        if role in roles_of.get(recorder, ()):
            return recorder
        candidates = sorted(set(holders_of.get(role, ())))
        return candidates[0] if len(candidates) == 1 else ""

    steps = [
        e
        for e in timeline(graph, consignment)
        if e.inherited_from != VOYAGE and not e.erroneous and e.event_type != DOCUMENT_EVENT_TYPE
    ]
    spans: list[CustodySpan] = []
    role, opened, start = ROLE_CONSIGNOR, None, None
    for index, entry in enumerate(steps):
        after = _custody_next(role, entry, roles_of.get(entry.recorder, set()))
        if after is None or after == role:
            if index == 0:
                start = entry.event_time
            continue
        spans.append(_custody_span(role, holder(role, opened.recorder if opened else ""), opened, start, entry))
        role, opened, start = after, entry, entry.event_time
    if steps:
        spans.append(_custody_span(role, holder(role, opened.recorder if opened else ""), opened, start, None))
    return spans


def _custody_next(role: str, entry: TimelineEntry, recorder_roles: set[str]) -> str | None:
    """The role that holds the consignment after this step, or None when the step changes nothing."""
    if role == ROLE_CONSIGNEE:
        return None
    name = step_name(entry.step)
    if name == "accepting" or (name == "receiving" and ROLE_CONSIGNEE in recorder_roles):
        return ROLE_CONSIGNEE
    if role == ROLE_CONSIGNOR and entry.movement in (LOAD, DEPART) and (entry.voyage or ROLE_CARRIER in recorder_roles):
        return ROLE_CARRIER
    return _CUSTODY_TRANSITIONS.get((role, entry.movement))


def _custody_span(
    role: str, holder: str, opened: TimelineEntry | None, start: datetime | None, closed: TimelineEntry | None
) -> CustodySpan:
    return CustodySpan(
        role=role,
        holder=holder,
        start=start,
        end=closed.event_time if closed else None,
        location=opened.location if opened else "",
        opened_by=opened.key if opened else "",
        closed_by=closed.key if closed else "",
        recorded_by=opened.recorder if opened else "",
    )


# ---------------------------------------------------------------------------------------------
# Inconsistencies
# ---------------------------------------------------------------------------------------------


def inconsistencies(
    graph: nx.MultiDiGraph[str],
    *,
    distance_km: Callable[[str, str], float | None],
    max_speed_kmh: Mapping[str, float] = DEFAULT_MAX_SPEED_KMH,
) -> list[Finding]:
    """Every physical impossibility the graph shows, each with its evidence.

    - ``arrival_before_departure``: a leg's actual (or planned) arrival before its departure; an
      arrival event (ARRI, ``arriving``) at a leg's destination before a departure event at its origin.
    - ``out_of_order``: a container's moves out of physical order: a gate-in needs it outside, a
      gate-out or load needs it in that terminal, a discharge needs it aboard that voyage (a discharge
      before the load onto the same voyage, a gate-out before it entered...); only DCSA gate codes
      and loads/discharges naming a voyage count, since CBV ``shipping``/``loading`` are also used at
      a shipper's premises. Also a leg departing before the previous leg arrived.
    - ``two_places_at_once``: consecutive events of one container, voyage or EPC at two different
      places at the same time, or further apart than the fastest mode could travel in between.
    - ``impossible_speed``: consecutive events at two places joined by a leg, faster than that leg's
      mode allows (``max_speed_kmh``, which overrides the defaults mode by mode).

    ``distance_km`` gives the distance between two UN/LOCODEs, or None when unknown (that pair is then
    skipped). Erroneous events and DCSA shipment (document) events are left out.
    """
    speeds = {_mode(m): float(v) for m, v in {**DEFAULT_MAX_SPEED_KMH, **max_speed_kmh}.items()}
    legs = _legs(graph)
    actual = _actual_event_nodes(graph)
    findings = _leg_findings(graph, legs, actual)
    modes = {frozenset((leg.origin, leg.destination)): _mode(leg.mode) for leg in legs}
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] not in (EQUIPMENT, VOYAGE, EPC):
            continue
        events = _actual_events(graph, node, actual)
        if attrs["kind"] == EQUIPMENT:
            findings += _physical_order(graph, node, events)
        findings += _movement_findings(node, attrs["key"], events, modes=modes, speeds=speeds, distance_km=distance_km)
    return sorted(findings, key=lambda f: (f.subject, f.kind, f.events))


def _leg_findings(graph: nx.MultiDiGraph[str], legs: list[LegInfo], actual: Mapping[str, GraphEvent]) -> list[Finding]:
    findings: list[Finding] = []
    related: dict[str, set[str]] = {}
    for leg in legs:
        for which in ("actual", "planned"):
            departure, arrival = getattr(leg, f"{which}_departure"), getattr(leg, f"{which}_arrival")
            if departure and arrival and arrival < departure:
                findings.append(
                    Finding(
                        kind=ARRIVAL_BEFORE_DEPARTURE,
                        subject=node_id(LEG, leg.key),
                        events=(),
                        detail=f"leg {leg.key} ({leg.origin} -> {leg.destination}) {which} arrival "
                        f"{_fmt(arrival)} is before its {which} departure {_fmt(departure)}",
                        evidence={"times": which, "departure": departure, "arrival": arrival},
                    )
                )
        if leg.consignment not in related:
            related[leg.consignment] = set(_related_events(graph, leg.consignment))
        finding = _leg_event_finding(graph, leg, related[leg.consignment], actual)
        if finding:
            findings.append(finding)
    for a, b in pairwise(legs):
        if a.consignment != b.consignment or not (a.actual_arrival and b.actual_departure):
            continue
        if b.actual_departure < a.actual_arrival:
            findings.append(
                Finding(
                    kind=OUT_OF_ORDER,
                    subject=node_id(LEG, b.key),
                    events=(),
                    detail=f"leg {b.key} departed {b.origin} on {_fmt(b.actual_departure)}, before leg {a.key} "
                    f"arrived at {a.destination} on {_fmt(a.actual_arrival)}",
                    evidence={"previous_leg": a.key, "arrival": a.actual_arrival, "departure": b.actual_departure},
                )
            )
    return findings


def _leg_event_finding(
    graph: nx.MultiDiGraph[str], leg: LegInfo, related: set[str], actual: Mapping[str, GraphEvent]
) -> Finding | None:
    """An arrival event at the leg's destination before a departure event from its origin.

    The events looked at: the consignment's (``related``, as in its timeline) and its voyage's.
    """
    nodes = set(related)
    if leg.voyage and node_id(VOYAGE, leg.voyage) in graph:
        nodes.update(_touching(graph, node_id(VOYAGE, leg.voyage)))
    events = [actual[n] for n in nodes if n in actual]
    departures = [e for e in events if movement_code(e.step) == DEPART and e.location == leg.origin]
    arrivals = [e for e in events if movement_code(e.step) == ARRIVE and e.location == leg.destination]
    if not (departures and arrivals):
        return None
    departure, arrival = max(departures, key=_event_order), min(arrivals, key=_event_order)
    if arrival.event_time >= departure.event_time:
        return None
    return Finding(
        kind=ARRIVAL_BEFORE_DEPARTURE,
        subject=node_id(LEG, leg.key),
        events=(departure.key, arrival.key),
        detail=f"leg {leg.key}: {_describe(arrival)}, before it {_describe(departure)}",
        evidence={"departure": departure.event_time, "arrival": arrival.event_time},
    )


# A container's physical state: (where it is, which terminal or voyage; "" = any).
_OUTSIDE, _IN_TERMINAL, _ABOARD = "outside any terminal", "in terminal", "aboard"
_State = tuple[str, str]


def _physical_move(event: GraphEvent) -> tuple[_State, _State] | None:
    """(the state a container move needs, the state it leaves), or None for steps that move nothing."""
    name, move = step_name(event.step), movement_code(event.step)
    if name == GATE_IN:
        return (_OUTSIDE, ""), (_IN_TERMINAL, event.location)
    if name == GATE_OUT:
        return (_IN_TERMINAL, event.location), (_OUTSIDE, "")
    if event.voyage and move == LOAD:
        return (_IN_TERMINAL, event.location), (_ABOARD, event.voyage)
    if event.voyage and move == DISCHARGE:
        return (_ABOARD, event.voyage), (_IN_TERMINAL, event.location)
    return None


def _same_state(a: _State, b: _State) -> bool:
    return a[0] == b[0] and (not a[1] or not b[1] or a[1] == b[1])


def _physical_order(graph: nx.MultiDiGraph[str], equipment: str, events: list[GraphEvent]) -> list[Finding]:
    """Walk a container's moves within each assignment it has in the graph (or all of them if none).

    Within an assignment its carrier reports every move; across a gap (another shipper's use of the
    box, not in this graph) the walk would only find the missing moves.
    """
    windows = [
        (data["start"], data["end"])
        for _, target, data in graph.out_edges(equipment, data=True)
        if data["kind"] == AGGREGATION and graph.nodes[target]["kind"] == CONSIGNMENT
    ] or [(None, None)]
    found: dict[tuple[str, tuple[str, ...]], Finding] = {}
    for window in windows:
        its_events = [e for e in events if _within(e.event_time, window)]
        for finding in _walk_moves(equipment, graph.nodes[equipment]["key"], its_events):
            found.setdefault((finding.kind, finding.events), finding)
    return list(found.values())


def _walk_moves(subject: str, label: str, events: list[GraphEvent]) -> list[Finding]:
    """Each move the container's state does not allow is a finding; the walk then takes the move's state.

    The first move sets the state (what came before is unknown, e.g. an empty pick-up). A repeated
    report of the move just seen within ``DEFAULT_TOLERANCE`` (EPCIS and DCSA of one load) is skipped.
    One misplaced event upsets the moves after it too: a finding naming an event that an earlier
    finding already named is such a knock-on effect, and is not reported again.
    """
    findings: list[Finding] = []
    blamed: set[str] = set()
    state: _State | None = None
    since: GraphEvent | None = None
    for index, event in enumerate(events):
        move = _physical_move(event)
        if move is None:
            continue
        needed, result = move
        if state is not None and since is not None and not _same_state(needed, state):
            if (
                _same_state(result, state)
                and movement_code(event.step) == movement_code(since.step)
                and event.event_time - since.event_time <= DEFAULT_TOLERANCE
            ):
                continue
            finding = _order_finding(
                subject, label, event, needed=needed, state=state, since=since, later=events[index + 1 :]
            )
            if not blamed.intersection(finding.events):
                findings.append(finding)
            blamed.update(finding.events)
        state, since = result, event
    return findings


def _explains(candidate: GraphEvent, needed: _State, event: GraphEvent) -> bool:
    """Whether a later move is the one that should have come before ``event`` (it leaves ``needed``).

    A state without a place (outside any terminal) must be left at the event's own place.
    """
    move = _physical_move(candidate)
    if move is None or not _same_state(move[1], needed):
        return False
    return bool(needed[1]) or not (candidate.location and event.location) or candidate.location == event.location


def _order_finding(
    subject: str,
    label: str,
    event: GraphEvent,
    *,
    needed: _State,
    state: _State,
    since: GraphEvent,
    later: list[GraphEvent],
) -> Finding:
    # The move that should have come first, when it was recorded later (a load after its discharge).
    first = next((e for e in later if _explains(e, needed, event)), None)
    if first is not None:
        detail = f"{label} {_describe(event)}, before it {_describe(first)}"
        events = (event.key, first.key)
    else:
        detail = f"{label} {_describe(event)} while {' '.join(filter(None, state))} since it {_describe(since)}"
        events = (since.key, event.key)
    return Finding(
        kind=OUT_OF_ORDER,
        subject=subject,
        events=events,
        detail=detail,
        evidence={
            "movement": movement_code(event.step),
            "needs": " ".join(filter(None, needed)),
            "was": " ".join(filter(None, state)),
            "since": since.key,
            "recorded_later": first.key if first else "",
        },
    )


def _movement_findings(
    subject: str,
    label: str,
    events: list[GraphEvent],
    *,
    modes: Mapping[frozenset[str], str],
    speeds: Mapping[str, float],
    distance_km: Callable[[str, str], float | None],
) -> list[Finding]:
    """Two places at once and impossible speeds between consecutive located events of one object."""
    findings: list[Finding] = []
    fastest_mode = max(speeds, key=lambda m: speeds[m])
    located = [e for e in events if e.location]
    for a, b in pairwise(located):
        if a.location == b.location:
            continue
        hours = (b.event_time - a.event_time).total_seconds() / 3600
        km = distance_km(a.location, b.location)
        base = {"from": a.location, "to": b.location, "hours": round(hours, 2), "distance_km": km}
        if hours <= 0:
            detail = f"{label} at {a.location} and {b.location} at the same time, {_fmt(a.event_time)}"
            findings.append(
                Finding(kind=TWO_PLACES_AT_ONCE, subject=subject, events=(a.key, b.key), detail=detail, evidence=base)
            )
            continue
        if km is None:
            continue
        speed = km / hours
        figures = f"{km:.0f} km in {hours:.1f} h = {speed:.0f} km/h"
        mode = modes.get(frozenset((a.location, b.location)), "")
        if speed > speeds[fastest_mode]:
            kind, limit_mode = TWO_PLACES_AT_ONCE, fastest_mode
            why = f"faster than any mode allows ({fastest_mode} {speeds[fastest_mode]:.0f} km/h)"
        elif mode in speeds and speed > speeds[mode]:
            kind, limit_mode = IMPOSSIBLE_SPEED, mode
            why = f"above the {mode} limit of {speeds[mode]:.0f} km/h"
        else:
            continue
        findings.append(
            Finding(
                kind=kind,
                subject=subject,
                events=(a.key, b.key),
                detail=f"{label} {_describe(a)} and {_describe(b)}: {figures}, {why}",
                evidence={
                    **base,
                    "speed_kmh": round(speed, 1),
                    "mode": limit_mode,
                    "max_speed_kmh": speeds[limit_mode],
                },
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Impact
# ---------------------------------------------------------------------------------------------


def impact(
    graph: nx.MultiDiGraph[str], *, location: str | None = None, voyage: str | None = None, equipment: str | None = None
) -> set[str]:
    """The consignments whose remaining path a place, a voyage or a container affects (any given).

    - a place: consignments with a leg still to depart from it or still to arrive at it (by the legs'
      actual times), so closing KRPUS flags those waiting there for a transshipment and those on
      their way, not those already through;
    - a voyage: consignments with a leg on it not yet arrived, or a container still aboard it (no
      discharge) that was assigned to them when loaded;
    - a container: consignments it is assigned to now (assignment without an end).
    """
    if location is None and voyage is None and equipment is None:
        raise ValueError("impact needs a location, a voyage or a piece of equipment")
    affected: set[str] = set()
    if location is not None:
        for _, attrs in graph.nodes(data=True):
            if attrs["kind"] == LEG and (
                (attrs["origin"] == location and attrs["actual_departure"] is None)
                or (attrs["destination"] == location and attrs["actual_arrival"] is None)
            ):
                affected.add(attrs["consignment"])
    if voyage is not None:
        affected |= _voyage_impact(graph, node_id(VOYAGE, voyage))
    if equipment is not None:
        node = node_id(EQUIPMENT, equipment)
        if node in graph:
            affected |= {
                graph.nodes[c]["key"]
                for _, c, data in graph.out_edges(node, data=True)
                if data["kind"] == AGGREGATION and graph.nodes[c]["kind"] == CONSIGNMENT and data["end"] is None
            }
    return affected


def _voyage_impact(graph: nx.MultiDiGraph[str], voyage: str) -> set[str]:
    if voyage not in graph:
        return set()
    affected: set[str] = set()
    for source, _, data in graph.in_edges(voyage, data=True):
        attrs = graph.nodes[source]
        if data["kind"] == CARRIED_BY and attrs["actual_arrival"] is None:
            affected.add(attrs["consignment"])
        if data["kind"] != AGGREGATION or attrs["kind"] != EQUIPMENT or data["end"] is not None:
            continue
        loaded = data["start"]
        for _, consignment, assignment in graph.out_edges(source, data=True):
            if assignment["kind"] != AGGREGATION or graph.nodes[consignment]["kind"] != CONSIGNMENT:
                continue
            if loaded is None or assignment["end"] is None or assignment["end"] >= loaded:
                affected.add(graph.nodes[consignment]["key"])
    return affected


# ---------------------------------------------------------------------------------------------
# Corroboration
# ---------------------------------------------------------------------------------------------


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
        bucket.sort(key=_event_order)
        for index, a in enumerate(bucket):
            for b in bucket[index + 1 :]:
                if b.event_time - a.event_time > tolerance:
                    break
                if _source_family(a.source) != _source_family(b.source):
                    found[(a.key, b.key)] = _event_order(a)
    return sorted(found, key=lambda pair: (found[pair], pair))


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_json_value(v) for v in value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def to_json(graph: nx.MultiDiGraph[str]) -> dict[str, Any]:
    """The graph as JSON-ready data in networkx's node-link shape (``nx.node_link_graph(d, edges="edges")``).

    Datetimes become ISO 8601 strings with their offsets, tuples become lists.
    """
    return {
        "directed": True,
        "multigraph": True,
        "graph": _json_value(dict(graph.graph)),
        "nodes": [{"id": node, **_json_value(attrs)} for node, attrs in graph.nodes(data=True)],
        "edges": [
            {"source": u, "target": v, "key": key, **_json_value(attrs)}
            for u, v, key, attrs in graph.edges(keys=True, data=True)
        ],
    }


def _graphml_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | bool | int | float):
        return value
    return json.dumps(_json_value(value))


def to_graphml(graph: nx.MultiDiGraph[str]) -> str:
    """The graph as GraphML (networkx's writer), for Gephi, yEd or Neo4j.

    GraphML holds scalars only: datetimes become ISO 8601 strings, tuples and dicts JSON strings, and
    unknown (``None``) attributes are left out.
    """
    flat: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(node, **{k: _graphml_value(v) for k, v in attrs.items() if v is not None})
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **{k: _graphml_value(val) for k, val in attrs.items() if val is not None})
    return "\n".join(nx.generate_graphml(flat))
