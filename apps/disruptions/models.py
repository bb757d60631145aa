"""Alerts: findings that need a person's attention, addressed to one partner."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertState
from apps.partners.models import Partner


class AlertQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> AlertQuerySet:
        return self.filter(partner=partner)

    def open(self) -> AlertQuerySet:
        return self.exclude(state=AlertState.RESOLVED)


class Alert(TimestampedModel):
    """One finding for one partner (a customs authority, a trader), with its evidence.

    ``dedupe_key`` names the finding (kind and subject, e.g. a certificate and the warning's days
    ahead), so a task that runs twice raises it once.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    consignment = models.ForeignKey(
        "shipments.Consignment", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    title = models.CharField(max_length=300)
    details = models.JSONField(default=dict, help_text="The evidence: what changed, from what, to what")
    dedupe_key = models.CharField(max_length=200)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "dedupe_key"], name="alert_dedupe_unique"),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=AlertState.values), name="alert_state_valid"),
        ]
        indexes = [models.Index(fields=["partner", "state"], name="alert_partner_state")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
