"""Reads of webhooks: a partner's endpoints and deliveries, and what a message about new events says."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.disruptions.api.serializers import AlertConsignmentSerializer
from apps.disruptions.models import WebhookDelivery, WebhookEndpoint
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments.models import Consignment, EquipmentAssignment, Event, EventLink

# Event ids per IN (...) list when a large batch is announced.
CHUNK = 1000


def webhook_endpoint_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.visible_to(actor).select_related("partner")


def webhook_delivery_list(*, actor: Actor) -> QuerySet[WebhookDelivery]:
    """Deliveries to the actor's endpoints, each with its attempts (two queries a page)."""
    return WebhookDelivery.objects.visible_to(actor).select_related("endpoint__partner").prefetch_related("attempts")


def active_endpoints(*, partner_ids: Collection[Any]) -> list[WebhookEndpoint]:
    """The active endpoints of these (active) partners."""
    return list(WebhookEndpoint.objects.filter(partner_id__in=partner_ids, is_active=True, partner__is_active=True))


def consignment_event_endpoints() -> list[WebhookEndpoint]:
    """Every active endpoint subscribed to consignment events, with its partner."""
    return list(
        WebhookEndpoint.objects.filter(is_active=True, consignment_events=True, partner__is_active=True).select_related(
            "partner"
        )
    )


def visible_consignment_ids(*, partner: Partner, consignment_ids: Collection[Any]) -> set[Any]:
    """Which of ``consignment_ids`` the partner may see (the rule its members' reads follow)."""
    actor = Actor(partner=partner, role=MemberRole.VIEWER)
    return set(Consignment.objects.visible_to(actor).filter(pk__in=consignment_ids).values_list("pk", flat=True))


def _event_document(event: Event) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "event_id": event.event_id,
        "recorder": event.recorder.slug,
        "source": event.source,
        "event_type": event.event_type,
        "biz_step": event.biz_step,
        "event_code": event.event_code,
        "event_time": event.event_time.isoformat(),
        "place": event.location,
        "equipment": event.equipment,
    }


def consignment_event_documents(
    *, event_ids: Collection[Any], consignment_ids: Collection[Any]
) -> tuple[dict[Any, Any], dict[Any, list[dict[str, Any]]]]:
    """The consignments (with their matching numbers) and, per consignment, the current ones of ``event_ids``
    linked to it, in event-time order, each named by the id its recorder sent.
    """
    containers = EquipmentAssignment.objects.select_related("equipment").order_by("equipment__number")
    consignments = {
        consignment.pk: AlertConsignmentSerializer(consignment).data
        for consignment in Consignment.objects.filter(pk__in=consignment_ids).prefetch_related(
            Prefetch("equipment_assignments", queryset=containers)
        )
    }
    ordered = list(event_ids)
    links: list[EventLink] = []
    for start in range(0, len(ordered), CHUNK):
        links.extend(
            EventLink.objects.filter(
                event_id__in=ordered[start : start + CHUNK], consignment_id__in=consignment_ids, event__is_latest=True
            ).select_related("event__recorder")
        )
    links.sort(key=lambda link: (link.event.event_time, link.event.record_time, str(link.event_id)))
    events: dict[Any, list[dict[str, Any]]] = {}
    for link in links:
        events.setdefault(link.consignment_id, []).append(_event_document(link.event))
    return consignments, events
