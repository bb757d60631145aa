"""Reads of the corridors domain: corridors as the actor may see them, their consignments, and the pure inputs.

Rows become the frozen inputs of :mod:`apps.corridors.baselines`, :mod:`apps.corridors.eta` and
:mod:`apps.corridors.release_times` here and nowhere else. Loading goes by whole batches, so a batch
of consignments costs the same few queries whatever its size.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast

from apps.core.errors import NotFoundError
from apps.corridors import release_times as release_time_metrics
from apps.corridors.baselines import Figures as BaselineFigures
from apps.corridors.baselines import History, Key, LegSpec, on_corridor, stops_of
from apps.corridors.detectors.assemble import RawEvent, assemble
from apps.corridors.detectors.watched import Watched
from apps.corridors.milestones import MilestoneEvent, last_actual, node_times, planned_schedule
from apps.corridors.models import Baseline, ConsignmentEta, Corridor, CorridorConsignment, CorridorLeg
from apps.corridors.thresholds import Thresholds
from apps.disruptions.models import Alert
from apps.partners.access import Actor
from apps.partners.models import Partner
from apps.shipments import places
from apps.shipments.choices import ConsignmentStatus, LinkVia
from apps.shipments.graph.queries import leg_info, voyage_key
from apps.shipments.graph.timeline import leg_window, voyage_wide
from apps.shipments.graph.types import EquipmentAssignment as GraphAssignment
from apps.shipments.graph.types import Window, within
from apps.shipments.models import (
    TOUCHING_PLACES,
    Consignment,
    ConsignmentParty,
    EquipmentAssignment,
    Event,
    EventLink,
    Leg,
    Location,
)

# Consignments still moving or waiting somewhere on the corridor: what the corridor page lists.
LIVE_STATUSES = (
    ConsignmentStatus.BOOKED,
    ConsignmentStatus.IN_TRANSIT,
    ConsignmentStatus.ARRIVED,
    ConsignmentStatus.EXCEPTION,
)
LIVE_LIMIT = 200
# Consignments loaded per query when reading histories (bounded IN lists, constant queries per batch).
BATCH = 1000


def not_done_since(rows: QuerySet, *, ids: Sequence[str], moment_field: str, since: datetime) -> list[str]:
    """``ids`` (consignment ids, in order) less those whose row in ``rows`` has ``moment_field`` after ``since``:
    the work a task queued at ``since`` still has to do when a later run already did the rest."""
    done: set[str] = set()
    for start in range(0, len(ids), BATCH):
        chunk = rows.filter(consignment_id__in=ids[start : start + BATCH], **{f"{moment_field}__gt": since})
        done.update(str(pk) for pk in chunk.values_list("consignment_id", flat=True))
    return [pk for pk in ids if pk not in done]


def corridor_list(*, actor: Actor) -> QuerySet[Corridor]:
    """The corridors the actor owns or is a member of (staff: all)."""
    return (
        Corridor.objects.visible_to(actor)
        .select_related("owner")
        .prefetch_related(Prefetch("legs", queryset=CorridorLeg.objects.order_by("sequence")), "members")
    )


def corridor_names(slugs: Iterable[str]) -> dict[str, str]:
    """Corridors' names by slug (one query), for pages of a lower app that names corridors by slug (alerts)."""
    slugs = {slug for slug in slugs if slug}
    return dict(Corridor.objects.filter(slug__in=slugs).values_list("slug", "name")) if slugs else {}


def corridor_get(*, actor: Actor, slug: str) -> Corridor:
    """One corridor by slug; another partner's corridor is not found (its existence is not revealed)."""
    corridor = corridor_list(actor=actor).filter(slug=slug).first()
    if corridor is None:
        raise NotFoundError("No such corridor visible to you.")
    return corridor


def corridor_legs(corridor: Corridor) -> list[LegSpec]:
    return [LegSpec(leg.from_locode, leg.to_locode, leg.mode) for leg in corridor.legs.all()]


def corridor_thresholds(corridor: Corridor) -> Thresholds:
    return Thresholds.from_json(corridor.thresholds)


# --- Which corridor a consignment travels -------------------------------------------------------------


def _route_legs(consignment_ids: Iterable[Any]) -> dict[str, list[LegSpec]]:
    legs: dict[str, list[LegSpec]] = defaultdict(list)
    rows = (
        Leg.objects.filter(consignment_id__in=list(consignment_ids))
        .order_by("consignment_id", "sequence")
        .values_list("consignment_id", "origin", "destination", "mode", "planned_departure", "planned_arrival")
    )
    for consignment_id, origin, destination, mode, planned_departure, planned_arrival in rows:
        legs[str(consignment_id)].append(LegSpec(origin, destination, mode, planned_departure, planned_arrival))
    return legs


def corridors_for_consignments(consignments: Sequence[Consignment]) -> dict[str, Corridor | None]:
    """Per consignment id, its corridor: an explicit membership first, else the first active corridor
    (by name) whose nodes its route runs along (``baselines.on_corridor``); None if neither.

    Three queries whatever the number of consignments.
    """
    ids = [c.pk for c in consignments]
    corridors = list(Corridor.objects.active())
    by_id = {c.pk: c for c in corridors}
    explicit: dict[str, Corridor] = {}
    for link in (
        CorridorConsignment.objects.filter(consignment_id__in=ids, corridor__is_active=True)
        .order_by("corridor__name", "corridor__slug")
        .values_list("consignment_id", "corridor_id")
    ):
        explicit.setdefault(str(link[0]), by_id[link[1]])
    legs = _route_legs(c.pk for c in consignments if str(c.pk) not in explicit)
    found: dict[str, Corridor | None] = {}
    for consignment in consignments:
        key = str(consignment.pk)
        if key in explicit:
            found[key] = explicit[key]
            continue
        stops = stops_of(legs.get(key, []), origin=consignment.origin, destination=consignment.destination)
        found[key] = next((c for c in corridors if on_corridor(c.nodes, stops)), None)
    return found


def corridor_for_consignment(consignment: Consignment) -> Corridor | None:
    """The corridor the consignment travels: explicit membership first, else a route match (see above)."""
    return corridors_for_consignments([consignment])[str(consignment.pk)]


def runs_along(nodes: Sequence[str]) -> Q:
    """The database's form of ``baselines.on_corridor``: a consignment whose legs are exactly the steps of a
    contiguous run of ``nodes`` (or, without legs, whose origin and destination are consecutive nodes).

    One condition per run (a corridor of k nodes has k(k-1)/2), each "every step of the run is a leg,
    and no leg is anything else", so the route test runs in SQL over any number of consignments.
    """
    legs = Leg.objects.filter(consignment=OuterRef("pk"))
    steps = list(itertools.pairwise(nodes))
    condition = ~Exists(legs) & Q(reduce(operator.or_, (Q(origin=a, destination=b) for a, b in steps), Q(pk__in=[])))
    for start in range(len(steps)):
        for end in range(start + 1, len(steps) + 1):
            run = steps[start:end]
            within = reduce(operator.or_, (Q(origin=a, destination=b) for a, b in run))
            each = reduce(operator.and_, (Exists(legs.filter(origin=a, destination=b)) for a, b in run))
            condition |= each & ~Exists(legs.exclude(within))
    return condition


def corridor_consignments(*, corridor: Corridor, actor: Actor | None = None) -> QuerySet[Consignment]:
    """The consignments on the corridor: placed there explicitly, or running along it (``runs_along``) and
    not placed on another active corridor. With ``actor``, only those the actor may see.

    A route that runs along two corridors is on both; ``corridors_for_consignments`` picks the one whose
    baselines predict its ETA.
    """
    explicit = CorridorConsignment.objects.filter(corridor=corridor, consignment=OuterRef("pk"))
    elsewhere = CorridorConsignment.objects.filter(consignment=OuterRef("pk"), corridor__is_active=True).exclude(
        corridor=corridor
    )
    queryset = Consignment.objects.filter(
        Exists(explicit)
        | (
            Q(origin__in=corridor.nodes, destination__in=corridor.nodes)
            & runs_along(corridor.nodes)
            & ~Exists(elsewhere)
        )
    )
    return queryset.visible_to(actor) if actor is not None else queryset


def live_consignments(*, corridor: Corridor, actor: Actor) -> list[Consignment]:
    """The actor's visible consignments on the corridor still under way, with their ETA, newest first."""
    return list(
        corridor_consignments(corridor=corridor, actor=actor)
        .filter(status__in=LIVE_STATUSES)
        .select_related("eta")
        .order_by("-created_at", "-id")[:LIVE_LIMIT]
    )


# --- Baselines ----------------------------------------------------------------------------------------


def baselines_for(corridor: Corridor) -> dict[Key, Baseline]:
    """The corridor's baselines by (kind, from, to); a dwell's from and to are its node."""
    return {(b.kind, b.from_locode, b.to_locode): b for b in Baseline.objects.filter(corridor=corridor)}


def baseline_figures(corridor_ids: Iterable[Any]) -> dict[str, dict[Key, BaselineFigures]]:
    """Per corridor id, its baselines as the pure figures the ETA reads (one query)."""
    figures: dict[str, dict[Key, BaselineFigures]] = defaultdict(dict)
    for b in Baseline.objects.filter(corridor_id__in=list(corridor_ids)):
        figures[str(b.corridor_id)][(b.kind, b.from_locode, b.to_locode)] = BaselineFigures(
            b.kind,
            b.from_locode,
            b.to_locode,
            b.mode,
            b.median_seconds,
            b.p10_seconds,
            b.p90_seconds,
            b.samples,
            b.source,
        )
    return figures


def place_coordinates(locodes: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Coordinates the Location table adds to searoute's ports (airports, inland depots)."""
    return {
        code: (lat, lon)
        for code, lat, lon in Location.objects.filter(unlocode__in=list(locodes)).values_list(
            "unlocode", "latitude", "longitude"
        )
    }


# --- Histories: milestones and plans per consignment ----------------------------------------------------


def _known_at(as_of: datetime, prefix: str = "event__") -> Q:
    # Actual events count once they happened; a plan (PLN) once it was recorded (its time is in the future).
    return Q(**{f"{prefix}event_time__lte": as_of}) & ~Q(**{f"{prefix}event_classifier": "PLN"}) | Q(
        **{f"{prefix}event_classifier": "PLN", f"{prefix}record_time__lte": as_of}
    )


def consignment_events(consignment_ids: Iterable[Any], *, as_of: datetime) -> dict[str, list[MilestoneEvent]]:
    """Per consignment id, its current events known at ``as_of`` as milestone inputs, in record order (one query).

    Retracted and erroneous events do not count; ids are as their recorders sent them.
    """
    rows = (
        EventLink.objects.filter(
            _known_at(as_of),
            consignment_id__in=list(consignment_ids),
            event__is_latest=True,
            event__is_retracted=False,
            event__is_erroneous=False,
        )
        .order_by("event__record_time", "event_id")
        .values_list(
            "consignment_id",
            "event__event_id",
            "event__recorder__slug",
            "event__event_time",
            "event__location",
            "event__event_code",
            "event__biz_step",
            "event__disposition",
            "event__event_classifier",
        )
    )
    events: dict[str, list[MilestoneEvent]] = defaultdict(list)
    for consignment_id, *fields in rows:
        events[str(consignment_id)].append(MilestoneEvent(*fields))
    return events


def consignment_histories(consignment_ids: Sequence[Any], *, as_of: datetime) -> dict[str, History]:
    """Per consignment id, its legs, milestones and the carrier's plan as known at ``as_of`` (two queries)."""
    legs = _route_legs(consignment_ids)
    events = consignment_events(consignment_ids, as_of=as_of)
    return {
        str(pk): History(
            consignment_id=str(pk),
            legs=tuple(legs.get(str(pk), ())),
            times=node_times(events.get(str(pk), ())),
            schedule=planned_schedule(events.get(str(pk), ())),
            last_event=last_actual(events.get(str(pk), ())),
        )
        for pk in consignment_ids
    }


def corridor_active_consignments(*, corridor: Corridor, since: datetime, as_of: datetime) -> list[Any]:
    """Ids of the corridor's consignments with an event or a planned departure in ``[since, as_of]``."""
    on_corridor_ids = corridor_consignments(corridor=corridor).values("pk")
    with_events = EventLink.objects.filter(
        consignment_id__in=on_corridor_ids, event__event_time__gte=since, event__event_time__lte=as_of
    ).values("consignment_id")
    with_plans = Leg.objects.filter(
        consignment_id__in=on_corridor_ids, planned_departure__gte=since, planned_departure__lte=as_of
    ).values("consignment_id")
    return list(Consignment.objects.filter(Q(pk__in=with_events) | Q(pk__in=with_plans)).values_list("pk", flat=True))


# --- Release times ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseTimes:
    """A corridor's release times over ``[since, until]`` per node and ``period``."""

    corridor: str
    period: str
    since: datetime
    until: datetime
    rows: list[release_time_metrics.ReleaseTimeRow]


def release_times(
    *,
    corridor: Corridor,
    period: str,
    as_of: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReleaseTimes:
    """The corridor's release times per node and period, over every consignment on it.

    These are aggregates, like the baselines: the members see the lane's figures, never another
    partner's consignment. ``until`` is at most ``as_of``; without ``since`` the baseline window counts.
    """
    until = min(until or as_of, as_of)
    if since is None:
        since = until - timedelta(days=corridor_thresholds(corridor).baseline_window_days)
    ids = list(
        EventLink.objects.filter(
            consignment_id__in=corridor_consignments(corridor=corridor).values("pk"),
            event__location__in=corridor.nodes,
            event__event_time__gte=since,
            event__event_time__lte=until,
        )
        .values_list("consignment_id", flat=True)
        .distinct()
    )
    times = [
        history.times
        for start in range(0, len(ids), BATCH)
        for history in consignment_histories(ids[start : start + BATCH], as_of=as_of).values()
    ]
    rows = release_time_metrics.release_times(times, nodes=corridor.nodes, period=period, since=since, until=until)
    return ReleaseTimes(corridor=corridor.slug, period=period, since=since, until=until, rows=rows)


# --- ETA and alerts -------------------------------------------------------------------------------------


def consignment_eta(*, actor: Actor, consignment_id: Any) -> ConsignmentEta | None:
    """The stored ETA of a consignment the actor may see (None: none computed); another's is not found."""
    consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
    if consignment is None:
        raise NotFoundError("No such consignment visible to you.")
    return visible_consignment_eta(consignment=consignment)


def visible_consignment_eta(*, consignment: Consignment) -> ConsignmentEta | None:
    """The stored ETA of a consignment the caller has already found visible (its page): one query."""
    return ConsignmentEta.objects.filter(consignment=consignment).select_related("corridor").first()


def corridor_open_alerts(*, corridor: Corridor, actor: Actor) -> QuerySet[Alert]:
    """The actor's open alerts about consignments on the corridor, newest first."""
    return (
        Alert.objects.visible_to(actor)
        .open()
        .filter(consignment__in=corridor_consignments(corridor=corridor))
        .select_related("consignment")
        .order_by("-created_at", "-id")
    )


def predicted_arrivals(consignment_ids: list[Any]) -> dict[Any, datetime]:
    """The corridor watch's median predicted arrival of each of the consignments it has an ETA for."""
    return dict(
        ConsignmentEta.objects.filter(consignment_id__in=consignment_ids).values_list(
            "consignment_id", "predicted_arrival"
        )
    )


# --- The watch: one batch of consignments as the detectors see them --------------------------------------

# What the scan reads of each linked event: the milestone fields and the graph's (one query per batch).
# JSON lists come as text and are parsed only when not empty (once per distinct text), the event time comes
# as text for the C ``fromisoformat`` (the driver's time zone loader is Python, a third of the reading), and
# the record time is not read (the graph only breaks ties with it): on 20,000 events a batch, parsing is most
# of the reading.
_WATCH_EVENT_FIELDS = (
    "consignment_id",
    "via",
    "event_id",
    "event__event_id",
    "event__recorder__slug",
    "event_time_text",
    "event__location",
    "event__event_code",
    "event__biz_step",
    "event__disposition",
    "event__event_classifier",
    "event__event_type",
    "equipment_text",
    "event__vessel_imo",
    "event__voyage_number",
    "epcs_text",
    "event__parent_id",
    "children_text",
    "event__action",
    "event__source",
)
# The same of a voyage-wide event read from the events (no link): its recorder where the consignment was.
_VOYAGE_WIDE_FIELDS = ("recorder_id", "pk", *(name.removeprefix("event__") for name in _WATCH_EVENT_FIELDS[3:]))
# A row of the scan's events whose ``via`` is this came from the consignment's voyage, not from a link.
_VIA_VOYAGE = ""
_NOT_DIRECT = frozenset({LinkVia.EQUIPMENT, _VIA_VOYAGE})


def _watch_texts(prefix: str) -> dict[str, Cast]:
    """The event columns the scan reads as text (see ``_WATCH_EVENT_FIELDS``)."""
    return {
        "event_time_text": Cast(f"{prefix}event_time", TextField()),
        "equipment_text": Cast(f"{prefix}equipment", TextField()),
        "epcs_text": Cast(f"{prefix}epcs", TextField()),
        "children_text": Cast(f"{prefix}child_epcs", TextField()),
    }


class ConsignmentRow(NamedTuple):
    pk: Any
    reference: str
    origin: str
    destination: str
    status: str
    created_by_id: Any


class LegRow(NamedTuple):
    consignment_id: Any
    sequence: int
    mode: str
    origin: str
    destination: str
    vessel_imo: str
    voyage_number: str
    planned_departure: datetime | None
    planned_arrival: datetime | None
    actual_departure: datetime | None
    actual_arrival: datetime | None


@dataclass(frozen=True)
class WatchBatch:
    """One batch for the detectors: each consignment's ``Watched``, who may see it (partner ids), its
    corridor (None if it travels none), and its row."""

    watched: list[Watched]
    audiences: dict[str, frozenset[Any]]
    corridors: dict[str, Corridor | None]
    rows: dict[str, ConsignmentRow]


def _json_lists() -> Callable[[str | None], tuple]:
    """A parser of JSON list texts that parses each distinct text once (an event's containers repeat on every
    event of its consignment); the tuples it returns are shared, so they must not be changed."""
    parsed: dict[str, tuple] = {}

    def json_list(text: str | None) -> tuple:
        if not text or text == "[]":
            return ()
        value = parsed.get(text)
        if value is None:
            value = parsed[text] = tuple(json.loads(text))
        return value

    return json_list


def _utc_from_text(text: str) -> datetime:
    """A time column read as text: PostgreSQL's ISO form with its offset, or SQLite's naive UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def consignment_parties(consignments: Sequence[Any]) -> dict[str, set[Any]]:
    """Per consignment id, its parties' and its creator's partner ids (one query); ``consignments`` have ``pk``
    and ``created_by_id``."""
    parties: dict[str, set[Any]] = {str(c.pk): {c.created_by_id} for c in consignments}
    for consignment_id, partner_id in ConsignmentParty.objects.filter(
        consignment_id__in=[c.pk for c in consignments]
    ).values_list("consignment_id", "partner_id"):
        parties[str(consignment_id)].add(partner_id)
    return parties


def consignment_audiences(
    consignments: Sequence[Any], legs: Mapping[str, Sequence[Any]], *, parties: Mapping[str, set[Any]] | None = None
) -> dict[str, frozenset[Any]]:
    """Per consignment id, the partners who may see it, by the rule of ``ConsignmentQuerySet.for_partner``:
    its parties and creator, and the customs authorities of each country its places (``TOUCHING_PLACES``,
    on itself and on its legs) are in. Two queries whatever the number of consignments (one with ``parties``,
    from ``consignment_parties``).

    ``consignments`` have ``pk``, ``created_by_id`` and the places; ``legs`` the places per consignment id.
    """
    if parties is None:
        parties = consignment_parties(consignments)
    seeing = {key: set(partners) for key, partners in parties.items()}
    customs: dict[str, list[Any]] = defaultdict(list)
    for pk, country in Partner.objects.exclude(serves_country="").values_list("pk", "serves_country"):
        customs[country].append(pk)
    for consignment in consignments:
        key = str(consignment.pk)
        rows = [consignment, *legs.get(key, ())]
        countries = {code[:2] for row in rows for place in TOUCHING_PLACES if (code := getattr(row, place, ""))}
        for country in countries:
            seeing[key].update(customs.get(country, ()))
    return {key: frozenset(value) for key, value in seeing.items()}


def _distance_function() -> Callable[[str, str], float | None]:
    coordinates = dict(places.port_coordinates())
    coordinates.update(
        (code, (lat, lon)) for code, lat, lon in Location.objects.values_list("unlocode", "latitude", "longitude")
    )

    @functools.lru_cache(maxsize=4096)
    def distance(a: str, b: str) -> float | None:
        if a == b:
            return 0.0
        pa, pb = coordinates.get(a), coordinates.get(b)
        return places.great_circle_km(pa, pb) if pa and pb else None

    return distance


_LEG_TIMES = ("planned_departure", "planned_arrival", "actual_departure", "actual_arrival")


def route_leg_rows(consignment_ids: Iterable[Any]) -> dict[str, list[LegRow]]:
    """Per consignment id, its legs in order as plain rows (one query); times read as text, as the scan's events."""
    rows: dict[str, list[LegRow]] = defaultdict(list)
    names: dict[Any, str] = {}
    fields = [f"{name}_text" if name in _LEG_TIMES else name for name in LegRow._fields]
    for row in (
        Leg.objects.filter(consignment_id__in=list(consignment_ids))
        .order_by("consignment_id", "sequence")
        .annotate(**{f"{name}_text": Cast(name, TextField()) for name in _LEG_TIMES})
        .values_list(*fields)
    ):
        *plain, departure, arrival, departed, arrived = row
        key = names.get(row[0]) or names.setdefault(row[0], str(row[0]))
        rows[key].append(
            LegRow(
                *plain,
                *(_utc_from_text(text) if text else None for text in (departure, arrival, departed, arrived)),
            )
        )
    return rows


def _corridors_of(rows: Sequence[ConsignmentRow], legs: Mapping[str, Sequence[LegRow]]) -> dict[str, Corridor | None]:
    """``corridors_for_consignments`` over rows already loaded: two queries (corridors, explicit placements)."""
    corridors = list(Corridor.objects.active())
    by_id = {c.pk: c for c in corridors}
    explicit: dict[str, Corridor] = {}
    for consignment_id, corridor_id in (
        CorridorConsignment.objects.filter(consignment_id__in=[r.pk for r in rows], corridor__is_active=True)
        .order_by("corridor__name", "corridor__slug")
        .values_list("consignment_id", "corridor_id")
    ):
        explicit.setdefault(str(consignment_id), by_id[corridor_id])
    found: dict[str, Corridor | None] = {}
    # The match depends only on the route's places, and a batch holds few distinct routes (a lane's consignments
    # share one): matched once per route.
    by_route: dict[tuple, Corridor | None] = {}
    for row in rows:
        key = str(row.pk)
        if key in explicit:
            found[key] = explicit[key]
            continue
        its_legs = legs.get(key, ())
        places = (row.origin, row.destination, *((leg.origin, leg.destination) for leg in its_legs))
        if places not in by_route:
            route = [LegSpec(leg.origin, leg.destination, leg.mode) for leg in its_legs]
            stops = stops_of(route, origin=row.origin, destination=row.destination)
            by_route[places] = next((c for c in corridors if on_corridor(c.nodes, stops)), None)
        found[key] = by_route[places]
    return found


def _voyage_wide_rows(
    rows: Sequence[ConsignmentRow],
    leg_rows: Mapping[str, Sequence[LegRow]],
    parties: Mapping[str, set[Any]],
    *,
    as_of: datetime,
) -> list[tuple]:
    """The voyage-wide events each consignment inherits, as rows shaped like the scan's linked events (``via``
    ``_VIA_VOYAGE``), in one query: the current ones known at ``as_of`` of its legs' voyages, recorded by one of
    its parties (as ``graph.queries.consignment_graph`` reads them), that happened while it was on the voyage by
    the timeline's rule (``voyage_wide``, ``leg_window``). Its containers' time aboard does not widen the window
    here, as it does in the timeline: the scan reads no container's load and discharge apart from its events.
    """
    on_voyage: dict[str, dict[Any, list[Window]]] = defaultdict(lambda: defaultdict(list))
    vessels: set[str] = set()
    numbers: set[str] = set()
    for row in rows:
        for leg in leg_rows.get(str(row.pk), ()):
            if voyage := voyage_key(leg.vessel_imo, leg.voyage_number):
                vessels.add(leg.vessel_imo)
                numbers.add(leg.voyage_number)
                on_voyage[voyage][row.pk].append(
                    leg_window(
                        planned_departure=leg.planned_departure,
                        planned_arrival=leg.planned_arrival,
                        actual_departure=leg.actual_departure,
                        actual_arrival=leg.actual_arrival,
                    )
                )
    if not on_voyage:
        return []
    json_list = _json_lists()
    inherited = []
    for event in (
        Event.objects.filter(
            _known_at(as_of, prefix=""),
            is_latest=True,
            is_retracted=False,
            is_erroneous=False,
            # Both, for the index on (vessel, voyage); the pairs are matched below.
            vessel_imo__in=vessels,
            voyage_number__in=numbers,
            recorder_id__in=set().union(*parties.values()),
            equipment=[],
        )
        .order_by()
        .annotate(**_watch_texts(""))
        .values_list(*_VOYAGE_WIDE_FIELDS, named=True)
    ):
        voyage = voyage_key(event.vessel_imo, event.voyage_number)
        shape = {
            "voyage": voyage,
            "consignments": (),
            "equipment": json_list(event.equipment_text),
            "epcs": json_list(event.epcs_text),
            "parent": event.parent_id,
            "children": json_list(event.children_text),
        }
        if voyage not in on_voyage or not voyage_wide(shape):
            continue
        moment = _utc_from_text(event.event_time_text)
        for pk, windows in on_voyage[voyage].items():
            if event.recorder_id in parties[str(pk)] and any(within(moment, window) for window in windows):
                inherited.append((pk, _VIA_VOYAGE, *event[1:]))
    return inherited


def watch_batch(consignment_ids: Sequence[Any], *, as_of: datetime) -> WatchBatch:
    """The consignments as the detectors see them at ``as_of``, in a fixed number of queries (about a dozen)
    whatever the batch's size: rows, legs, parties, linked events, voyage-wide events, containers, corridors,
    baselines, audiences.

    Events are the current ones known at ``as_of`` (``_known_at``), retracted and erroneous ones left
    out: those linked to the consignment, and the voyage-wide events it inherits from its voyages as its
    timeline does (``_voyage_wide_rows``), which count as its milestones and join its event graph. The graph
    is built only for the consignments ``detectors.screen`` cannot clear.
    """
    rows = [
        ConsignmentRow(*row)
        for row in Consignment.objects.filter(pk__in=list(consignment_ids)).values_list(*ConsignmentRow._fields)
    ]
    ids = [row.pk for row in rows]
    # Each consignment's id as a string, made once: a UUID's str() costs five times a dict look-up by it.
    names = {pk: str(pk) for pk in ids}
    leg_rows = route_leg_rows(ids)
    parties = consignment_parties(rows)
    inherited = _voyage_wide_rows(rows, leg_rows, parties, as_of=as_of)
    # An inherited event also linked to the consignment is its own already (the timeline's "direct first"):
    # the generator below is read after the links, so it sees every one of them in ``linked``.
    wide = {row[2] for row in inherited}
    linked: set[tuple[Any, Any]] = set()
    events: dict[str, list[MilestoneEvent]] = defaultdict(list)
    graph_events: dict[str, dict[Any, tuple[RawEvent, MilestoneEvent]]] = defaultdict(dict)
    json_list = _json_lists()
    links = (
        EventLink.objects.filter(
            _known_at(as_of),
            consignment_id__in=ids,
            event__is_latest=True,
            event__is_retracted=False,
            event__is_erroneous=False,
        )
        .annotate(**_watch_texts("event__"))
        .values_list(*_WATCH_EVENT_FIELDS)
    )
    for row in itertools.chain(links, (row for row in inherited if (row[0], row[2]) not in linked)):
        (
            consignment_id,
            via,
            pk,
            event_id,
            recorder,
            event_time_text,
            location,
            code,
            step,
            disposition,
            classifier,
            event_type,
            equipment,
            imo,
            voyage_number,
            epcs,
            parent,
            children,
            action,
            source,
        ) = row
        key = names[consignment_id]
        if pk in wide:
            linked.add((consignment_id, pk))
        event_time = _utc_from_text(event_time_text)
        milestone = MilestoneEvent(event_id, recorder, event_time, location, code, step, disposition, classifier)
        events[key].append(milestone)
        if classifier in ("", "ACT"):
            graph_events[key][pk] = (
                RawEvent(
                    key=pk,
                    recorder=recorder,
                    step=step or code,
                    event_time=event_time,
                    event_id=event_id,
                    event_type=event_type,
                    location=location,
                    consignments=() if via in _NOT_DIRECT else (key,),
                    equipment=json_list(equipment),
                    voyage=voyage_key(imo, voyage_number),
                    epcs=json_list(epcs),
                    parent=parent,
                    children=json_list(children),
                    action=action,
                    source=source,
                ),
                milestone,
            )
    assignments: dict[str, list[GraphAssignment]] = defaultdict(list)
    for consignment_id, number, start, end in EquipmentAssignment.objects.filter(consignment_id__in=ids).values_list(
        "consignment_id", "equipment__number", "assigned_from", "assigned_until"
    ):
        assignments[str(consignment_id)].append(
            GraphAssignment(consignment=str(consignment_id), equipment=number, start=start, end=end)
        )
    corridors = _corridors_of(rows, leg_rows)
    figures = baseline_figures({c.pk for c in corridors.values() if c is not None})
    thresholds = {c.pk: corridor_thresholds(c) for c in corridors.values() if c is not None}
    distance = _distance_function()
    watched = []
    for row in rows:
        key = str(row.pk)
        corridor = corridors[key]
        watched.append(
            assemble(
                consignment_id=key,
                reference=row.reference,
                origin=row.origin,
                destination=row.destination,
                status=row.status,
                legs=[leg_info(key, leg) for leg in leg_rows.get(key, ())],
                events=events.get(key, ()),
                graph_events=graph_events.get(key, {}),
                assignments=assignments.get(key, ()),
                corridor=corridor.slug if corridor else "",
                baselines=figures.get(str(corridor.pk), {}) if corridor else {},
                thresholds=thresholds[corridor.pk] if corridor else Thresholds(),
                distance_km=distance,
            )
        )
    return WatchBatch(
        watched=watched,
        audiences=consignment_audiences(rows, leg_rows, parties=parties),
        corridors=corridors,
        rows={str(row.pk): row for row in rows},
    )


def watch_candidates(*, corridor: Corridor | None = None) -> QuerySet[Consignment]:
    """The consignments a scan looks at: those still under way (``LIVE_STATUSES``), on one corridor if given."""
    queryset = corridor_consignments(corridor=corridor) if corridor is not None else Consignment.objects.all()
    return queryset.filter(status__in=LIVE_STATUSES)
