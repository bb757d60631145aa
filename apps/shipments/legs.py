"""A leg's actual departure and arrival, read from the events that report them (pure; no Django imports).

A leg departs when an event reports its vehicle leaving the leg's origin and arrives when one reports
it at the leg's destination:

- sea, air, rail and inland waterway legs: departure is DCSA ``DEPA`` or CBV ``departing``; arrival is
  DCSA ``ARRI`` or CBV ``arriving``, else (no arrival reported) the first discharge (``DISC``,
  ``unloading``) there;
- road legs: departure is also a gate-out (``GTOT``, ``shipping``) and arrival a gate-in (``GTIN``,
  ``receiving``), which is how a truck's trip is reported.

Legs are read in sequence: a leg's departure is the first report at its origin after the previous leg
arrived, and its arrival the first report at its destination after it departed, so a route that calls
at one port twice reads each call once. A movement that names a voyage counts only for the leg on that
voyage. Erroneous and retracted events are left out by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from apps.shipments.graph.types import step_name

ROAD = "road"
_DEPARTURES = frozenset({"DEPA", "departing"})
_ARRIVALS = frozenset({"ARRI", "arriving"})
_DISCHARGES = frozenset({"DISC", "unloading"})
_ROAD_DEPARTURES = _DEPARTURES | {"GTOT", "shipping"}
_ROAD_ARRIVALS = _ARRIVALS | {"GTIN", "receiving"}
# Every step any leg's times are read from: the caller loads only events with one of these.
MOVEMENT_STEPS = _ROAD_DEPARTURES | _ROAD_ARRIVALS | _DISCHARGES


@dataclass(frozen=True)
class LegPlan:
    sequence: int
    mode: str
    origin: str
    destination: str
    voyage_number: str = ""


@dataclass(frozen=True)
class Movement:
    event_time: datetime
    location: str
    step: str  # a DCSA event code or a CBV bizStep (any of its spellings)
    voyage_number: str = ""


@dataclass(frozen=True)
class LegTimes:
    actual_departure: datetime | None
    actual_arrival: datetime | None


def _first(
    movements: Sequence[Movement], steps: frozenset[str], place: str, after: datetime | None, voyage: str
) -> datetime | None:
    for movement in movements:
        if movement.location != place or step_name(movement.step) not in steps:
            continue
        if after is not None and movement.event_time < after:
            continue
        if voyage and movement.voyage_number and movement.voyage_number != voyage:
            continue
        return movement.event_time
    return None


def leg_times(legs: Iterable[LegPlan], movements: Iterable[Movement]) -> dict[int, LegTimes]:
    """Each leg's actual departure and arrival (``None`` where no event reports it), by leg sequence."""
    ordered = sorted(movements, key=lambda m: m.event_time)
    result: dict[int, LegTimes] = {}
    after: datetime | None = None
    for leg in sorted(legs, key=lambda leg: leg.sequence):
        road = leg.mode == ROAD
        departed = _first(ordered, _ROAD_DEPARTURES if road else _DEPARTURES, leg.origin, after, leg.voyage_number)
        arrived = _first(
            ordered, _ROAD_ARRIVALS if road else _ARRIVALS, leg.destination, departed or after, leg.voyage_number
        )
        if arrived is None and not road:
            arrived = _first(ordered, _DISCHARGES, leg.destination, departed or after, leg.voyage_number)
        result[leg.sequence] = LegTimes(departed, arrived)
        after = arrived or departed or after
    return result
