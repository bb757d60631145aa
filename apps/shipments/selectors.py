"""Reads for consignments and events, always scoped to the actor."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.partners.access import Actor
from apps.shipments.models import CaptureJob, Consignment, ConsignmentParty, EquipmentAssignment, Event, Leg


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
