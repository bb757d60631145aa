"""Inconsistencies: the physical impossibilities a consignment's event graph shows, each with its
evidence (no Django imports).

A finding's ``detail`` is a :class:`~apps.core.words.Text`: the English sentence the API answers and an
alert quotes, which a page says in the reader's language. Its parts (a move, a time, the figures) are
texts of their own, so a translator has whole phrases to put in the order the language wants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import pairwise
from types import MappingProxyType

import networkx as nx

from apps.core.words import Text, gettext_noop
from apps.shipments.graph.timeline import related_events, touching
from apps.shipments.graph.types import (
    AGGREGATION,
    ARRIVAL_BEFORE_DEPARTURE,
    ARRIVE,
    CONSIGNMENT,
    DEFAULT_TOLERANCE,
    DEPART,
    DISCHARGE,
    DOCUMENT_EVENT_TYPE,
    EPC,
    EQUIPMENT,
    EVENT,
    EVENT_FIELDS,
    GATE_IN,
    GATE_OUT,
    IMPOSSIBLE_SPEED,
    LEG,
    LEG_FIELDS,
    LOAD,
    OUT_OF_ORDER,
    TWO_PLACES_AT_ONCE,
    VOYAGE,
    Finding,
    GraphEvent,
    LegInfo,
    event_order,
    movement_code,
    node_id,
    step_name,
    within,
)

DEFAULT_MAX_SPEED_KMH: Mapping[str, float] = MappingProxyType(
    {"VESSEL": 60.0, "BARGE": 30.0, "TRUCK": 120.0, "RAIL": 160.0, "AIR": 1000.0}
)
# Leg modes are TransportMode values ("sea", "road"...), event modes DCSA's ("VESSEL", "TRUCK"...).
_MODE_ALIASES = {"SEA": "VESSEL", "OCEAN": "VESSEL", "ROAD": "TRUCK", "INLAND_WATERWAY": "BARGE"}

# ``_`` marks a detail's English template for the message catalogue (`make messages` finds it); a page
# translates it when it shows the finding. Nothing is translated here: this module imports no Django.
_ = Text

# The default modes in words; another mode (a deployment's own limit) is named by its code.
_MODE_WORDS: Mapping[str, Text] = MappingProxyType(
    {
        # Translators: a transport mode, in a speed limit such as "(AIR 1000 km/h)".
        "VESSEL": _("VESSEL"),
        # Translators: a transport mode, in a speed limit such as "(AIR 1000 km/h)".
        "BARGE": _("BARGE"),
        # Translators: a transport mode, in a speed limit such as "(AIR 1000 km/h)".
        "TRUCK": _("TRUCK"),
        # Translators: a transport mode, in a speed limit such as "(AIR 1000 km/h)".
        "RAIL": _("RAIL"),
        # Translators: a transport mode, in a speed limit such as "(AIR 1000 km/h)".
        "AIR": _("AIR"),
    }
)


def _mode(mode: str) -> str:
    name = mode.strip().upper().replace(" ", "_")
    return _MODE_ALIASES.get(name, name)


# A container or vessel move in words, by its DCSA code (a load or discharge also names the voyage).
_MOVES: Mapping[str, str] = MappingProxyType(
    {
        GATE_IN: gettext_noop("gated in at %(place)s"),
        GATE_OUT: gettext_noop("gated out of %(place)s"),
        LOAD: gettext_noop("loaded at %(place)s onto %(voyage)s"),
        DISCHARGE: gettext_noop("discharged at %(place)s from %(voyage)s"),
        DEPART: gettext_noop("departed %(place)s"),
        ARRIVE: gettext_noop("arrived at %(place)s"),
    }
)


def _fmt(moment: datetime | None) -> str:
    """A time as it reads in every language (UTC, ISO-like), or "unknown"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else _("unknown")


def _move(event: GraphEvent) -> Text:
    """What the event did, in words: "discharged at KRPUS from 9321483/2103S"."""
    place = event.location or _("an unknown place")
    move = movement_code(event.step)
    if move in (LOAD, DISCHARGE):
        # Translators: a ship, truck or train whose name the event does not give.
        return Text(_MOVES[move], place=place, voyage=event.voyage or _("a conveyance"))
    if move in _MOVES:
        return Text(_MOVES[move], place=place)
    return _("%(step)s at %(place)s", step=step_name(event.step), place=place)


def _describe(event: GraphEvent) -> Text:
    """An event in words: "discharged at KRPUS from 9321483/2103S on 2024-03-06 04:00 UTC [<event key>]"."""
    # Translators: an event: what it did ("gated in at KRPUS"), when, and its key in brackets. The brackets are
    # part of the argument: the corridor watch tells the event there by the id its recorder sent instead.
    return _("%(move)s on %(time)s %(event)s", move=_move(event), time=_fmt(event.event_time), event=f"[{event.key}]")


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
            events[node] = GraphEvent(**{name: attrs[name] for name in EVENT_FIELDS})
    return events


def _actual_events(graph: nx.MultiDiGraph[str], obj: str, actual: Mapping[str, GraphEvent]) -> list[GraphEvent]:
    """An object's actual events (see ``_actual_event_nodes``), in order."""
    return sorted((actual[n] for n in touching(graph, obj) if n in actual), key=event_order)


def _legs(graph: nx.MultiDiGraph[str]) -> list[LegInfo]:
    legs = [LegInfo(**{n: a[n] for n in LEG_FIELDS}) for _, a in graph.nodes(data=True) if a["kind"] == LEG]
    return sorted(legs, key=lambda leg: (leg.consignment, leg.sequence, leg.key))


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
                        detail=_leg_times_detail(leg, which, arrival=arrival, departure=departure),
                        evidence={"times": which, "departure": departure, "arrival": arrival},
                    )
                )
        if leg.consignment not in related:
            related[leg.consignment] = set(related_events(graph, leg.consignment))
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
                    detail=_(
                        "leg %(leg)s departed %(origin)s on %(departure)s, "
                        "before leg %(previous)s arrived at %(destination)s on %(arrival)s",
                        leg=b.key,
                        origin=b.origin,
                        departure=_fmt(b.actual_departure),
                        previous=a.key,
                        destination=a.destination,
                        arrival=_fmt(a.actual_arrival),
                    ),
                    evidence={"previous_leg": a.key, "arrival": a.actual_arrival, "departure": b.actual_departure},
                )
            )
    return findings


def _leg_times_detail(leg: LegInfo, which: str, *, arrival: datetime, departure: datetime) -> Text:
    """A leg's arrival before its departure, by its actual or its planned times (a whole sentence each)."""
    args = {
        "leg": leg.key,
        "origin": leg.origin,
        "destination": leg.destination,
        "arrival": _fmt(arrival),
        "departure": _fmt(departure),
    }
    if which == "actual":
        return _(
            "leg %(leg)s (%(origin)s -> %(destination)s) actual arrival %(arrival)s "
            "is before its actual departure %(departure)s",
            **args,
        )
    return _(
        "leg %(leg)s (%(origin)s -> %(destination)s) planned arrival %(arrival)s "
        "is before its planned departure %(departure)s",
        **args,
    )


def _leg_event_finding(
    graph: nx.MultiDiGraph[str], leg: LegInfo, related: set[str], actual: Mapping[str, GraphEvent]
) -> Finding | None:
    """An arrival event at the leg's destination before a departure event from its origin.

    The events looked at: the consignment's (``related``, as in its timeline) and its voyage's.
    """
    nodes = set(related)
    if leg.voyage and node_id(VOYAGE, leg.voyage) in graph:
        nodes.update(touching(graph, node_id(VOYAGE, leg.voyage)))
    events = [actual[n] for n in nodes if n in actual]
    departures = [e for e in events if movement_code(e.step) == DEPART and e.location == leg.origin]
    arrivals = [e for e in events if movement_code(e.step) == ARRIVE and e.location == leg.destination]
    if not (departures and arrivals):
        return None
    departure, arrival = max(departures, key=event_order), min(arrivals, key=event_order)
    if arrival.event_time >= departure.event_time:
        return None
    return Finding(
        kind=ARRIVAL_BEFORE_DEPARTURE,
        subject=node_id(LEG, leg.key),
        events=(departure.key, arrival.key),
        detail=_(
            # Translators: "leg L1: arrived at KRPUS on ... [key], before it departed TWKHH on ... [key]".
            "leg %(leg)s: %(arrival)s, before it %(departure)s",
            leg=leg.key,
            arrival=_describe(arrival),
            departure=_describe(departure),
        ),
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


def _state_words(state: _State) -> Text:
    """Where a container is, in words: "aboard 9412347/045E", "in terminal KRPUS", "outside any terminal"."""
    where, which = state
    if where == _ABOARD:
        return _("aboard %(voyage)s", voyage=which) if which else _("aboard")
    if where == _IN_TERMINAL:
        return _("in terminal %(place)s", place=which) if which else _("in terminal")
    return _("outside any terminal")


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
        its_events = [e for e in events if within(e.event_time, window)]
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
        detail = _(
            # Translators: "MSCU7700126 discharged at ... [key], before it loaded at ... [key]" (a container's moves).
            "%(subject)s %(event)s, before it %(first)s",
            subject=label,
            event=_describe(event),
            first=_describe(first),
        )
        events = (event.key, first.key)
    else:
        detail = _(
            # Translators: "MSCU7700126 gated in at ... [key] while aboard 9412347/045E since it loaded at ... [key]".
            "%(subject)s %(event)s while %(state)s since it %(since)s",
            subject=label,
            event=_describe(event),
            state=_state_words(state),
            since=_describe(since),
        )
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
            detail = _(
                "%(subject)s at %(a)s and %(b)s at the same time, %(time)s",
                subject=label,
                a=a.location,
                b=b.location,
                time=_fmt(a.event_time),
            )
            findings.append(
                Finding(kind=TWO_PLACES_AT_ONCE, subject=subject, events=(a.key, b.key), detail=detail, evidence=base)
            )
            continue
        if km is None:
            continue
        speed = km / hours
        figures = _(
            "%(km)s km in %(hours)s h = %(speed)s km/h", km=f"{km:.0f}", hours=f"{hours:.1f}", speed=f"{speed:.0f}"
        )
        mode = modes.get(frozenset((a.location, b.location)), "")
        if speed > speeds[fastest_mode]:
            kind, limit_mode = TWO_PLACES_AT_ONCE, fastest_mode
            why = _(
                "faster than any mode allows (%(mode)s %(limit)s km/h)",
                mode=_MODE_WORDS.get(fastest_mode, fastest_mode),
                limit=f"{speeds[fastest_mode]:.0f}",
            )
        elif mode in speeds and speed > speeds[mode]:
            kind, limit_mode = IMPOSSIBLE_SPEED, mode
            why = _(
                "above the %(mode)s limit of %(limit)s km/h",
                mode=_MODE_WORDS.get(mode, mode),
                limit=f"{speeds[mode]:.0f}",
            )
        else:
            continue
        findings.append(
            Finding(
                kind=kind,
                subject=subject,
                events=(a.key, b.key),
                detail=_(
                    # Translators: "MSCU7700126 gated in at ... [key] and gated in at ... [key]: 812 km in 1.0 h = ...".
                    "%(subject)s %(a)s and %(b)s: %(figures)s, %(why)s",
                    subject=label,
                    a=_describe(a),
                    b=_describe(b),
                    figures=figures,
                    why=why,
                ),
                evidence={
                    **base,
                    "speed_kmh": round(speed, 1),
                    "mode": limit_mode,
                    "max_speed_kmh": speeds[limit_mode],
                },
            )
        )
    return findings
