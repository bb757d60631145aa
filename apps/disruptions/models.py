"""Alerts: findings that need a person's attention, addressed to one partner."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertState, AlertSubject
from apps.partners.models import Partner


class AlertQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> AlertQuerySet:
        return self.filter(partner=partner)

    def open(self) -> AlertQuerySet:
        return self.exclude(state=AlertState.RESOLVED)


class Alert(TimestampedModel):
    """One finding for one partner (a customs authority, a trader) about one subject, with its evidence.

    The subject is a consignment, a node (UN/LOCODE), a corridor, a voyage, an AEO certificate or an MRA.
    ``dedupe_key`` names the finding (subject and rule by default), and while an alert is open no second
    one of the same kind and key is raised for the partner (a partial unique constraint): a scan that
    finds it again refreshes ``last_seen_at`` and the evidence instead. Once resolved, the same finding
    may be raised afresh. ``resolved_by`` is empty on an alert resolved automatically, when its
    condition cleared.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    subject_type = models.CharField(max_length=16, choices=AlertSubject.choices)
    subject_id = models.CharField(
        max_length=200, help_text="Consignment id, UN/LOCODE, corridor slug, IMO/voyage, certificate or MRA id"
    )
    rule = models.CharField(max_length=40, blank=True, help_text="The rule that fired, for kinds that have several")
    consignment = models.ForeignKey(
        "shipments.Consignment", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    # apps.corridors sits above this app (DESIGN §10), so the corridor is named, not a foreign key.
    corridor = models.CharField(max_length=80, blank=True, db_index=True, help_text="The corridor's slug, if any")
    title = models.CharField(max_length=300)
    evidence = models.JSONField(
        default=dict, help_text="What a person can check: summary, events as their recorders sent them, figures"
    )
    dedupe_key = models.CharField(max_length=300)
    first_seen_at = models.DateTimeField(default=timezone.now, help_text="When the finding was first made")
    last_seen_at = models.DateTimeField(default=timezone.now, help_text="When the finding was last confirmed")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=200, null=True, blank=True, help_text="Who (user or API token)")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(
        max_length=200, null=True, blank=True, help_text="Who (user or API token); empty: resolved automatically"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "kind", "dedupe_key"],
                condition=~Q(state=AlertState.RESOLVED),
                name="alert_open_unique",
            ),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=AlertState.values), name="alert_state_valid"),
            models.CheckConstraint(condition=Q(subject_type__in=AlertSubject.values), name="alert_subject_valid"),
            models.CheckConstraint(
                condition=Q(state=AlertState.RESOLVED, resolved_at__isnull=False)
                | (~Q(state=AlertState.RESOLVED) & Q(resolved_at__isnull=True)),
                name="alert_resolved_when",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "state"], name="alert_partner_state"),
            models.Index(fields=["kind", "subject_id"], name="alert_kind_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"
