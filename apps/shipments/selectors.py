"""Reads for consignments and events, always scoped to the actor."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.partners.access import Actor
from apps.shipments.choices import PartyRole
from apps.shipments.models import (
    TOUCHING_PLACES,
    CaptureJob,
    Consignment,
    ConsignmentParty,
    EquipmentAssignment,
    Event,
    Leg,
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


def event_list(*, actor: Actor) -> QuerySet[Event]:
    return Event.objects.visible_to(actor).select_related("recorder")


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
