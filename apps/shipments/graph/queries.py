"""From rows to the pure event graph: bounded queries for one consignment, then the pure modules beside this one."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from datetime import datetime
from functools import partial
from typing import Any

import networkx as nx
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q

from apps.partners.access import Actor
from apps.shipments import places, selectors
from apps.shipments.choices import LinkVia
from apps.shipments.graph.build import build_event_graph
from apps.shipments.graph.consistency import inconsistencies
from apps.shipments.graph.custody import chain_of_custody
from apps.shipments.graph.export import to_graphml, to_json
from apps.shipments.graph.impact import impact
from apps.shipments.graph.timeline import timeline
from apps.shipments.graph.types import EquipmentAssignment, GraphEvent, LegInfo, PartyInfo
from apps.shipments.models import Consignment, Event, Location


def voyage_key(vessel_imo: str, voyage_number: str) -> str:
    return f"{vessel_imo}/{voyage_number}" if voyage_number else ""


# What the graph needs of an event, read as plain values (no model instances: 200 events in a few ms).
_GRAPH_FIELDS = (
    "pk",
    "recorder__slug",
    "biz_step",
    "event_code",
    "event_time",
    "event_id",
    "event_type",
    "record_time",
    "location",
    "equipment",
    "vessel_imo",
    "voyage_number",
    "epcs",
    "parent_id",
    "child_epcs",
    "action",
    "is_erroneous",
    "is_retracted",
    "source",
)


def leg_info(consignment_key: str, leg: Any) -> LegInfo:
    """A consignment's leg as the graph takes it, from anything with a ``Leg``'s fields (a row or a tuple)."""
    return LegInfo(
        key=f"{consignment_key}:{leg.sequence}",
        consignment=consignment_key,
        sequence=leg.sequence,
        mode=leg.mode,
        origin=leg.origin,
        destination=leg.destination,
        voyage=voyage_key(leg.vessel_imo, leg.voyage_number),
        planned_departure=leg.planned_departure,
        planned_arrival=leg.planned_arrival,
        actual_departure=leg.actual_departure,
        actual_arrival=leg.actual_arrival,
    )


def _graph_event(row: dict[str, Any], direct: set[Any]) -> GraphEvent:
    return GraphEvent(
        key=str(row["pk"]),
        recorder=row["recorder__slug"],
        step=row["biz_step"] or row["event_code"],
        event_time=row["event_time"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        record_time=row["record_time"],
        location=row["location"],
        consignments=tuple(str(pk) for pk in direct),
        equipment=tuple(row["equipment"]),
        voyage=voyage_key(row["vessel_imo"], row["voyage_number"]),
        epcs=tuple(row["epcs"]),
        parent=row["parent_id"],
        children=tuple(row["child_epcs"]),
        action=row["action"],
        erroneous=row["is_erroneous"] or row["is_retracted"],
        source=row["source"],
    )


def _prefetched(instance: Any, name: str, *, related: tuple[str, ...] = ()) -> list[Any]:
    """``instance.<name>.all()`` from the rows a page's selector prefetched, else read (with ``related``)."""
    if name in getattr(instance, "_prefetched_objects_cache", {}):
        return list(getattr(instance, name).all())
    return list(getattr(instance, name).select_related(*related))


def consignment_graph(*, consignment: Consignment, actor: Actor) -> nx.MultiDiGraph:
    """The graph of one consignment: its events, its containers' and voyages' events, its legs."""
    # The caller got ``consignment`` through a scoped selector, and an event linked to a consignment
    # one may see is visible by definition (EventQuerySet.for_partner), so no second scoping here.
    visible = Event.objects.filter(is_latest=True)
    linked = dict(consignment.event_links.filter(event__is_latest=True).values_list("event_id", "via"))
    legs = list(consignment.legs.all())
    voyages = {(leg.vessel_imo, leg.voyage_number) for leg in legs if leg.voyage_number}
    parties = {p.partner_id for p in _prefetched(consignment, "parties")} | {consignment.created_by_id}
    voyage_filter = Q()
    for imo, number in voyages:
        voyage_filter |= Q(vessel_imo=imo, voyage_number=number) if imo else Q(voyage_number=number)
    events = list(visible.filter(pk__in=list(linked)).values(*_GRAPH_FIELDS))
    if voyages:
        # Voyage-wide events (a vessel's departure) of the parties' voyages: shown, never chained.
        events += list(
            visible.filter(voyage_filter, recorder_id__in=parties, equipment=[])
            .exclude(pk__in=list(linked))
            .values(*_GRAPH_FIELDS)[:500]
        )
    key = str(consignment.pk)
    graph_events = [
        _graph_event(event, {key} if linked.get(event["pk"]) not in (None, LinkVia.EQUIPMENT) else set())
        for event in events
    ]
    assignments = [
        EquipmentAssignment(consignment=key, equipment=a.equipment.number, start=a.assigned_from, end=a.assigned_until)
        for a in _prefetched(consignment, "equipment_assignments", related=("equipment",))
    ]
    leg_infos = [leg_info(key, leg) for leg in legs]
    return build_event_graph(graph_events, assignments, leg_infos)


_SCALARS = (str, int, float, bool, type(None))


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _plain(value: Any) -> Any:
    """JSON-ready copy of analysis results (``dataclasses.asdict`` deep-copies, which is slow here)."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def consignment_graph_json(*, consignment: Consignment, actor: Actor) -> dict[str, Any]:
    return to_json(consignment_graph(consignment=consignment, actor=actor))


def consignment_graphml(*, consignment: Consignment, actor: Actor) -> str:
    return to_graphml(consignment_graph(consignment=consignment, actor=actor))


def _timeline_version(consignment: Consignment) -> str:
    """What the timeline depends on, in one cheap query: its links, their latest record, corrections."""
    facts = consignment.event_links.aggregate(
        links=Count("id"),
        latest=Max("event__record_time"),
        superseded=Count("id", filter=Q(event__is_latest=False) | Q(event__is_erroneous=True)),
    )
    version = f"{facts['links']}|{facts['latest']}|{facts['superseded']}|{consignment.updated_at.isoformat()}"
    # A digest: cache keys must be short and free of spaces (memcached's rules, if it is configured).
    return hashlib.sha256(version.encode()).hexdigest()[:32]


def consignment_timeline(*, consignment: Consignment, actor: Actor) -> dict[str, Any]:
    """The timeline; cached briefly per consignment and version (it is the same for everyone who may see it).

    Voyage-wide events are not links, so one of them shows up at most
    ``CORRIDOR_TIMELINE_CACHE_SECONDS`` late.
    """
    ttl = settings.CORRIDOR_TIMELINE_CACHE_SECONDS
    key = f"timeline:{consignment.pk}:{_timeline_version(consignment)}" if ttl else ""
    if key and (cached := cache.get(key)) is not None:
        return cached
    entries = timeline(consignment_graph(consignment=consignment, actor=actor), str(consignment.pk))
    body = {
        "consignment": str(consignment.pk),
        "status": consignment.status,
        "events": [{**_plain(entry), "relation": entry.relation} for entry in entries],
    }
    if key:
        cache.set(key, body, ttl)
    return body


def consignment_custody(*, consignment: Consignment, actor: Actor) -> dict[str, Any]:
    parties = [
        PartyInfo(partner=p.partner.slug, role=p.role, country=p.partner.country)
        for p in consignment.parties.select_related("partner")
    ]
    spans = chain_of_custody(
        consignment_graph(consignment=consignment, actor=actor), str(consignment.pk), parties=parties
    )
    return {"consignment": str(consignment.pk), "custody": _plain(spans)}


def location_distance() -> Any:
    """A distance function over searoute's ports plus the admins' Location table."""
    extra = {row.unlocode: (row.latitude, row.longitude) for row in Location.objects.all()}
    return partial(places.distance_km, extra=extra)


def consignment_consistency(*, consignment: Consignment, actor: Actor) -> dict[str, Any]:
    findings = inconsistencies(consignment_graph(consignment=consignment, actor=actor), distance_km=location_distance())
    return {"consignment": str(consignment.pk), "consistent": not findings, "findings": _plain(findings)}


MAX_IMPACT_CONSIGNMENTS = 500


def impact_for(
    *, actor: Actor, location: str | None = None, voyage: str | None = None, equipment: str | None = None
) -> dict[str, Any]:
    """The actor's consignments whose remaining path the place, voyage or container affects.

    Candidates come from one bounded query (legs at the place or on the voyage, the container's
    assignments); each candidate's own graph decides, so nothing builds a whole-table graph.
    """
    location = location.upper() if location else None
    equipment = equipment.replace(" ", "").upper() if equipment else None
    condition = Q()
    if location:
        condition |= Q(legs__origin=location) | Q(legs__destination=location)
    if voyage:
        imo, _, number = voyage.partition("/")
        condition |= Q(legs__vessel_imo=imo, legs__voyage_number=number) if number else Q(legs__voyage_number=imo)
    if equipment:
        condition |= Q(equipment_assignments__equipment__number=equipment)
    affected = []
    candidates = selectors.consignment_list(actor=actor).filter(condition).distinct()
    for consignment in candidates[:MAX_IMPACT_CONSIGNMENTS]:
        built = consignment_graph(consignment=consignment, actor=actor)
        if str(consignment.pk) in impact(built, location=location, voyage=voyage, equipment=equipment):
            affected.append(
                {"id": str(consignment.pk), "reference": consignment.reference, "status": consignment.status}
            )
    return {"location": location, "voyage": voyage, "equipment": equipment, "consignments": affected}
