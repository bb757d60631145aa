"""Reads of alerts, scoped to the partner they are addressed to."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.disruptions.models import Alert
from apps.partners.access import Actor


def alert_list(*, actor: Actor) -> QuerySet[Alert]:
    return Alert.objects.visible_to(actor).select_related("partner")
