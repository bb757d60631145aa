"""Reads for consignments and events, always scoped to the actor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from apps.partners.access import Actor
from apps.shipments import places, zones
from apps.shipments.choices import ConsignmentStatus, PartyRole
from apps.shipments.models import (
    TOUCHING_PLACES,
    CaptureJob,
    Consignment,
    ConsignmentParty,
    EquipmentAssignment,
    Event,
    EventLink,
    Leg,
    Location,
)


def consignment_list(*, actor: Actor) -> QuerySet[Consignment]:
    return (
        Consignment.objects.visible_to(actor)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("parties", queryset=ConsignmentParty.objects.select_related("partner")),
            "goods_items",
            Prefetch("equipment_assignments", queryset=EquipmentAssignment.objects.select_related("equipment")),
            Prefetch("legs", queryset=Leg.objects.select_related("carrier")),
        )
    )


def consignment_visible(*, actor: Actor) -> QuerySet[Consignment]:
    """The consignments the actor sees, without ``consignment_list``'s prefetches: for pages that show the
    consignment's own fields only (its credential chain, its chain verified)."""
    return Consignment.objects.visible_to(actor).select_related("created_by")


def event_list(*, actor: Actor) -> QuerySet[Event]:
    return Event.objects.visible_to(actor).select_related("recorder")


def visible_events_named(*, actor: Actor, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Per (recorder slug, event id as its recorder sent it), the current event's pk, for the events among them
    the actor may see (one query whatever the number of events stored)."""
    wanted = Q()
    for slug, event_id in keys:
        wanted |= Q(recorder__slug=slug, event_id=event_id)
    if not wanted:
        return {}
    rows = (
        event_list(actor=actor)
        .filter(wanted, is_latest=True)
        .order_by()
        .values_list("recorder__slug", "event_id", "pk")
    )
    return {(slug, event_id): pk for slug, event_id, pk in rows}


def consignment_events(*, consignment: Consignment, actor: Actor) -> QuerySet[Event]:
    """The current events linked to a consignment that the actor may see, in event-time order."""
    return (
        event_list(actor=actor)
        .filter(links__consignment=consignment, is_latest=True)
        .order_by("event_time", "record_time", "id")
    )


def capture_job_list(*, actor: Actor) -> QuerySet[CaptureJob]:
    return CaptureJob.objects.visible_to(actor)


# --- Confidential business information -------------------------------------------------------------
# A consignment's field groups that are not for everyone who may see the consignment.
PARTIES = "parties"
GOODS = "goods"
GOODS_VALUES = "goods_values"
CUSTOMS_DECISIONS = "customs_decisions"
ALL_GROUPS = frozenset({PARTIES, GOODS, GOODS_VALUES, CUSTOMS_DECISIONS})

# What each role in the consignment entitles a partner to; a partner with several roles gets the union.
ROLE_DISCLOSURE: dict[str, frozenset[str]] = {
    PartyRole.CONSIGNOR: frozenset({PARTIES, GOODS, GOODS_VALUES}),
    PartyRole.CONSIGNEE: frozenset({PARTIES, GOODS, GOODS_VALUES, CUSTOMS_DECISIONS}),
    PartyRole.FREIGHT_FORWARDER: frozenset({PARTIES, GOODS, GOODS_VALUES}),
    PartyRole.CUSTOMS_BROKER: frozenset({PARTIES, GOODS, GOODS_VALUES, CUSTOMS_DECISIONS}),
    PartyRole.CARRIER: frozenset({PARTIES, GOODS}),
    PartyRole.TERMINAL_OPERATOR: frozenset({PARTIES, GOODS}),
    PartyRole.NOTIFY_PARTY: frozenset({PARTIES, GOODS}),
}
CREATOR_DISCLOSURE = frozenset({PARTIES, GOODS, GOODS_VALUES})
CUSTOMS_DISCLOSURE = frozenset({PARTIES, GOODS, GOODS_VALUES, CUSTOMS_DECISIONS})


def consignment_countries(*, consignment: Consignment) -> frozenset[str]:
    """The countries (ISO 3166 alpha-2) the consignment touches: its origin, destination and every leg's ends.

    The places are ``TOUCHING_PLACES``, which ``Consignment.objects.touching_country`` also queries. Reads
    the legs through ``legs.all()``, so with the legs prefetched it costs no query.
    """
    rows = [consignment, *consignment.legs.all()]
    return frozenset(code[:2] for row in rows for place in TOUCHING_PLACES if (code := getattr(row, place)))


def consignment_disclosure(*, actor: Actor, consignment: Consignment) -> frozenset[str]:
    """The field groups of ``consignment`` the actor may read: the one rule for confidential business information.

    - ``parties``: who the consignment's parties are. Every party, the creator and customs: each needs
      to know whom it deals with.
    - ``goods``: goods lines without their value (HS code, description, packages, weight, origin).
      Everyone who may see the consignment: carriers and terminals handle the goods.
    - ``goods_values``: each line's ``value`` and ``currency``. The commercial side only: the creator,
      consignor, consignee, freight forwarder and customs broker; customs authorities of a country the
      consignment touches (they assess duty and risk); staff. Not carriers, terminal operators or
      notify parties.
    - ``customs_decisions``: customs review decisions as status only (decision, authority, time). The
      consignee and customs broker (who act on them), customs authorities (their own decisions) and staff.

    The roles' groups are ``ROLE_DISCLOSURE``, ``CREATOR_DISCLOSURE`` and ``CUSTOMS_DISCLOSURE``: change
    the rule there. Reads only the consignment's parties and legs, so with ``consignment_list``'s
    prefetches a list costs no query per row. Whether the actor may see the consignment at all is
    ``visible_to``'s business, not this function's.
    """
    if actor.is_staff:
        return ALL_GROUPS
    partner = actor.partner
    if partner is None:
        return frozenset()
    groups: set[str] = set()
    if consignment.created_by_id == partner.pk:
        groups |= CREATOR_DISCLOSURE
    for party in consignment.parties.all():
        if party.partner_id == partner.pk:
            groups |= ROLE_DISCLOSURE.get(party.role, frozenset())
    if partner.serves_country and partner.serves_country in consignment_countries(consignment=consignment):
        groups |= CUSTOMS_DISCLOSURE
    return frozenset(groups)


# --- Places --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A UN/LOCODE as a page shows it: its name, coordinates and time zone, where known."""

    code: str
    name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    zone: str = "UTC"

    @property
    def known(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def place_index(*, codes: Iterable[str]) -> dict[str, Place]:
    """The places named by these UN/LOCODEs: searoute's ports, overridden by the admins' Location table.

    One query (the Location rows of these codes); a code known to neither has only its code.
    """
    wanted = {code.upper() for code in codes if code}
    locations = {row.unlocode: row for row in Location.objects.filter(unlocode__in=wanted)}
    ports, names = places.port_coordinates(), places.port_names()
    index: dict[str, Place] = {}
    for code in wanted:
        row = locations.get(code)
        if row is not None:
            point: tuple[float, float] | None = (row.latitude, row.longitude)
            name = row.name
        else:
            point, name = ports.get(code), names.get(code, "")
        if point is None:
            index[code] = Place(code=code, name=name)
        else:
            index[code] = Place(code, name, point[0], point[1], zones.zone_at(*point))
    return index


# --- Pages ---------------------------------------------------------------------------------------------

OPEN_STATUSES = (
    ConsignmentStatus.BOOKED,
    ConsignmentStatus.IN_TRANSIT,
    ConsignmentStatus.ARRIVED,
    ConsignmentStatus.EXCEPTION,
)
# An open consignment with no event for this long is "silent" on the dashboard.
SILENCE = timedelta(hours=72)


def consignment_rows(*, actor: Actor) -> QuerySet[Consignment]:
    """The consignments list: each row with its containers and its latest current event (step, place, time).

    The latest event comes from three correlated subqueries of the page's rows, so a page costs the same
    whatever the length of the histories.
    """
    latest = (
        EventLink.objects.filter(consignment=OuterRef("pk"), event__is_latest=True, event__is_erroneous=False)
        .exclude(event__is_retracted=True)
        .order_by("-event__event_time", "-event__record_time")
    )
    return (
        Consignment.objects.visible_to(actor)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("equipment_assignments", queryset=EquipmentAssignment.objects.select_related("equipment"))
        )
        .annotate(
            last_event_time=Subquery(latest.values("event__event_time")[:1]),
            last_event_code=Subquery(latest.values("event__event_code")[:1]),
            last_event_step=Subquery(latest.values("event__biz_step")[:1]),
            last_event_type=Subquery(latest.values("event__event_type")[:1]),
            last_event_location=Subquery(latest.values("event__location")[:1]),
        )
    )


def consignment_dashboard(*, actor: Actor, now: datetime) -> dict[str, Any]:
    """The partner's consignments in figures: by status, in transit by corridor, late and silent (one query:
    the visible consignments read once, grouped by status and corridor, late and silent counted alongside)."""
    is_open = Q(status__in=OPEN_STATUSES)
    late = Q(pk__in=Leg.objects.filter(planned_arrival__lt=now, actual_arrival__isnull=True).values("consignment_id"))
    # Silent: nothing recorded since the cutoff, and either made before it or heard from before it. Put
    # as "no recent event" rather than the latest event of each consignment, so PostgreSQL reads only
    # the recent events (by their record_time index), not the whole history of every open consignment.
    cutoff = now - SILENCE
    recent = EventLink.objects.filter(event__record_time__gte=cutoff).values("consignment_id")
    heard = Exists(EventLink.objects.filter(consignment=OuterRef("pk")))
    silent = ~Q(pk__in=recent) & (Q(created_at__lt=cutoff) | heard)
    groups = (
        Consignment.objects.visible_to(actor)
        .values("status", "corridor")
        .annotate(n=Count("id"), late=Count("id", filter=is_open & late), silent=Count("id", filter=is_open & silent))
        .order_by()
    )
    by_status: dict[str, int] = {}
    in_transit: dict[str, int] = {}
    late_count = silent_count = 0
    for row in groups:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == ConsignmentStatus.IN_TRANSIT:
            in_transit[row["corridor"]] = in_transit.get(row["corridor"], 0) + row["n"]
        late_count += row["late"]
        silent_count += row["silent"]
    corridors = sorted(in_transit.items(), key=lambda item: (-item[1], item[0]))
    return {"by_status": by_status, "corridors": corridors, "late": late_count, "silent": silent_count}
