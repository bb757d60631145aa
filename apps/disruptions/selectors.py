"""Reads of alerts, scoped to the partner they are addressed to."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.disruptions.extensions import corridors_named
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


# The filter lists of the alerts page stay short whatever the inbox's size.
FILTER_CHOICES_LIMIT = 200


def alert_filter_choices(*, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """What the alerts page's filters offer: the consignments and corridors the partner's alerts name (two queries)."""
    alerts = Alert.objects.visible_to(actor)
    consignments = (
        alerts.exclude(consignment=None)
        .values_list("consignment_id", "consignment__reference")
        .distinct()
        .order_by("consignment__reference")[:FILTER_CHOICES_LIMIT]
    )
    corridors = alerts.exclude(corridor="").values_list("corridor", flat=True).distinct().order_by("corridor")
    slugs = list(corridors[:FILTER_CHOICES_LIMIT])
    names = corridors_named(slugs)
    return {
        "consignments": [(str(pk), reference) for pk, reference in consignments],
        "corridors": [(slug, names.get(slug, slug)) for slug in slugs],
    }
