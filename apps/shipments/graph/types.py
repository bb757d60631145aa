"""The event graph's vocabulary: node, edge, movement, role and finding kinds, the frozen dataclasses
going in and out, and how steps are named (no Django imports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

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


# How far apart two reports of one movement may be (corroboration, repeated reports).
DEFAULT_TOLERANCE = timedelta(hours=2)


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
    """A partner's role for the consignment (a PartyRole value) and its country, to name who held it."""

    partner: str
    role: str
    country: str = ""


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


EVENT_FIELDS = tuple(f.name for f in fields(GraphEvent))
LEG_FIELDS = tuple(f.name for f in fields(LegInfo))


# ---------------------------------------------------------------------------------------------
# Steps, times and nodes
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


def event_order(event: GraphEvent) -> tuple[datetime, bool, datetime, str]:
    return (event.event_time, event.record_time is None, event.record_time or event.event_time, event.key)


def within(moment: datetime, window: Window) -> bool:
    start, end = window
    return (start is None or start <= moment) and (end is None or moment <= end)
