"""When a consignment reached, left and was released at each place, read from its events (no Django imports).

Baselines, release times and the ETA all stand on the same few milestones per node (UN/LOCODE):

- arrival: DCSA ``ARRI`` or CBV ``arriving``; without either, a discharge (``DISC``/``unloading``) proves it;
- departure: DCSA ``DEPA`` or CBV ``departing``; without either, a load (``LOAD``/``loading``);
- customs release: DCSA ``RELS`` or the CBV disposition ``released``;
- gate-in: DCSA ``GTIN`` or CBV ``receiving``;
- gate-out: DCSA ``GTOT`` or CBV ``shipping``.

A node's dwell runs from the goods' coming (arrival, or gate-in where they start) to their leaving
(departure, or gate-out where they end).

Only actual events count (DCSA classifier ``ACT``, or none as Corridor JSON and EPCIS send); planned
ones (``PLN``) are the schedule, read separately for the baselines' fallback. Estimates (``EST``) are
ignored: a carrier's estimate is what the ETA is compared with, not what it is built on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

ACTUAL, PLANNED, ESTIMATED = "ACT", "PLN", "EST"

_ARRIVAL = ({"ARRI"}, {"arriving"})
_ARRIVAL_FALLBACK = ({"DISC"}, {"unloading"})
_DEPARTURE = ({"DEPA"}, {"departing"})
_DEPARTURE_FALLBACK = ({"LOAD"}, {"loading"})
_GATE_IN = ({"GTIN"}, {"receiving"})
_GATE_OUT = ({"GTOT"}, {"shipping"})
_RELEASE_CODES = {"RELS"}
_RELEASE_DISPOSITIONS = {"released"}


class MilestoneEvent(NamedTuple):
    """What the milestones need of one event; ``event_id`` and ``recorder`` are as the recorder sent them.

    A named tuple, not a frozen dataclass: the scan makes 20,000 a batch, and a frozen dataclass's
    ``__init__`` costs three times as much.
    """

    event_id: str
    recorder: str
    event_time: datetime
    location: str
    event_code: str = ""
    biz_step: str = ""
    disposition: str = ""
    event_classifier: str = ""


@dataclass
class NodeTimes:
    """The milestones of one consignment at one node, each with the event that proves it."""

    arrived: MilestoneEvent | None = None
    departed: MilestoneEvent | None = None
    released: MilestoneEvent | None = None
    gate_in: MilestoneEvent | None = None
    gate_out: MilestoneEvent | None = None

    @property
    def arrived_at(self) -> datetime | None:
        return self.arrived.event_time if self.arrived else None

    @property
    def departed_at(self) -> datetime | None:
        return self.departed.event_time if self.departed else None

    @property
    def released_at(self) -> datetime | None:
        return self.released.event_time if self.released else None

    @property
    def gate_out_at(self) -> datetime | None:
        return self.gate_out.event_time if self.gate_out else None

    @property
    def came(self) -> MilestoneEvent | None:
        """The goods' coming to the node: their arrival, or else their gate-in (at the origin)."""
        return self.arrived or self.gate_in

    @property
    def left(self) -> MilestoneEvent | None:
        """The goods' leaving the node: their departure, or else their gate-out (at the destination)."""
        return self.departed or self.gate_out


@dataclass(frozen=True)
class Schedule:
    """Planned times per node from DCSA ``PLN`` transport events (first arrival, last departure)."""

    arrivals: dict[str, datetime] = field(default_factory=dict)
    departures: dict[str, datetime] = field(default_factory=dict)


def _is(event: MilestoneEvent, kind: tuple[set[str], set[str]]) -> bool:
    codes, steps = kind
    return event.event_code in codes or event.biz_step in steps


def is_actual(event: MilestoneEvent) -> bool:
    return event.event_classifier in ("", ACTUAL)


def node_times(events: Iterable[MilestoneEvent]) -> dict[str, NodeTimes]:
    """Per UN/LOCODE, the first arrival, the last departure, the first release, gate-in and gate-out.

    The first arrival and the last departure bound the whole stay, so a container moved between
    berths (two loads) or reported twice still counts once. Events without a place are skipped.
    """
    ordered = sorted((e for e in events if e.location and is_actual(e)), key=lambda e: e.event_time)
    times: dict[str, NodeTimes] = {}
    fallback_arrivals: dict[str, MilestoneEvent] = {}
    fallback_departures: dict[str, MilestoneEvent] = {}
    for event in ordered:
        node = times.setdefault(event.location, NodeTimes())
        if _is(event, _ARRIVAL) and node.arrived is None:
            node.arrived = event
        elif _is(event, _ARRIVAL_FALLBACK):
            fallback_arrivals.setdefault(event.location, event)
        if _is(event, _DEPARTURE):
            node.departed = event
        elif _is(event, _DEPARTURE_FALLBACK):
            fallback_departures[event.location] = event
        if (event.event_code in _RELEASE_CODES or event.disposition in _RELEASE_DISPOSITIONS) and node.released is None:
            node.released = event
        if _is(event, _GATE_IN) and node.gate_in is None:
            node.gate_in = event
        if _is(event, _GATE_OUT) and node.gate_out is None:
            node.gate_out = event
    for place, event in fallback_arrivals.items():
        if times[place].arrived is None:
            times[place].arrived = event
    for place, event in fallback_departures.items():
        if times[place].departed is None:
            times[place].departed = event
    return times


def planned_schedule(events: Iterable[MilestoneEvent]) -> Schedule:
    """The schedule the carrier announced: ``PLN`` arrivals and departures per node (the last one given wins)."""
    arrivals: dict[str, datetime] = {}
    departures: dict[str, datetime] = {}
    for event in events:
        if event.event_classifier != PLANNED or not event.location:
            continue
        if event.event_code == "ARRI":
            arrivals[event.location] = event.event_time
        elif event.event_code == "DEPA":
            departures[event.location] = event.event_time
    return Schedule(arrivals=arrivals, departures=departures)


def last_actual(events: Iterable[MilestoneEvent]) -> MilestoneEvent | None:
    """The latest actual event (what the ETA starts from)."""
    actual = [e for e in events if is_actual(e)]
    return max(actual, key=lambda e: e.event_time) if actual else None
