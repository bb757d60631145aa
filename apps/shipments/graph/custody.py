"""Chain of custody: who held a consignment from when to when, read from its timeline's steps and
their recorders (no Django imports).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import networkx as nx

from apps.shipments.graph.timeline import timeline
from apps.shipments.graph.types import (
    DEPART,
    DISCHARGE,
    DOCUMENT_EVENT_TYPE,
    GATE_IN,
    GATE_OUT,
    LOAD,
    ROLE_CARRIER,
    ROLE_CONSIGNEE,
    ROLE_CONSIGNOR,
    ROLE_HAULIER,
    ROLE_TERMINAL,
    VOYAGE,
    CustodySpan,
    PartyInfo,
    TimelineEntry,
    step_name,
)

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
    else the only party with that role, else the only one with that role in the country of the span's
    place (a consignment calling at three ports names three terminal operators, and the carrier records
    the gate-ins), else ``""``.
    """
    parties = list(parties)
    roles_of: dict[str, set[str]] = defaultdict(set)
    holders_of: dict[str, set[str]] = defaultdict(set)
    country_of: dict[str, str] = {}
    for party in parties:
        roles_of[party.partner].add(party.role)
        holders_of[party.role].add(party.partner)
        country_of[party.partner] = party.country

    def holder(role: str, opened: TimelineEntry | None) -> str:
        recorder = opened.recorder if opened else ""
        if role in roles_of.get(recorder, ()):
            return recorder
        candidates = sorted(holders_of.get(role, ()))
        if len(candidates) > 1 and opened is not None and opened.location:
            candidates = [p for p in candidates if country_of.get(p) == opened.location[:2]]
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
        spans.append(_custody_span(role, holder(role, opened), opened, start, entry))
        role, opened, start = after, entry, entry.event_time
    if steps:
        spans.append(_custody_span(role, holder(role, opened), opened, start, None))
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
