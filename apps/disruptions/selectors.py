"""Reads of alerts, scoped to the partner they are addressed to."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.disruptions.models import Alert
from apps.partners.access import Actor
from apps.shipments.models import EquipmentAssignment


def alerts_with_references(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """``alerts`` with what their documents show: partner, consignment and its containers, in two queries."""
    containers = EquipmentAssignment.objects.select_related("equipment").order_by("equipment__number")
    return alerts.select_related("partner", "consignment").prefetch_related(
        Prefetch("consignment__equipment_assignments", queryset=containers)
    )


def alert_list(*, actor: Actor) -> QuerySet[Alert]:
    return alerts_with_references(Alert.objects.visible_to(actor))
