"""Alerts (findings that need a person's attention, addressed to one partner) and the webhooks that carry them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.words import Text, gettext_noop, text_from_data
from apps.core.work import Claimable
from apps.disruptions.choices import (
    AlertKind,
    AlertSeverity,
    AlertState,
    AlertSubject,
    DeliveryState,
    WebhookMessageType,
)
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
    # The title and the evidence's texts as their raiser worded them (``apps.core.words.text_data``), so a page
    # says them in its reader's language; ``title`` and ``evidence`` keep the English the API and webhooks send.
    wording = models.JSONField(
        default=dict, blank=True, help_text="Title and evidence texts (by path) as template and arguments"
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
            # The open alerts of one rule (an external notice's): what a notice's propagation reads.
            models.Index(fields=["kind", "rule"], condition=~Q(state=AlertState.RESOLVED), name="alert_open_kind_rule"),
            # A partner's inbox, newest first (its open alerts): read a page at a time, not sorted whole.
            models.Index(
                fields=["partner", "-created_at", "-id"],
                condition=~Q(state=AlertState.RESOLVED),
                name="alert_open_partner_newest",
            ),
        ]

    def __str__(self) -> str:
        # The title as its raiser worded it where that is still the title, so the audit page (which records
        # this) says it in its reader's language.
        worded = text_from_data(self.wording.get("title")) if isinstance(self.wording, dict) else None
        title = worded if worded is not None and worded == self.title else self.title
        return Text(gettext_noop("%(kind)s: %(title)s"), kind=self.kind, title=title)


class WebhookEndpointQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> WebhookEndpointQuerySet:
        return self.filter(partner=partner)


class WebhookEndpoint(TimestampedModel):
    """A partner's URL that Corridor POSTs signed notifications to (Standard Webhooks).

    It subscribes to alert kinds (``alert.raised`` and ``alert.resolved`` of those kinds, for the partner's
    own alerts) and, if ``consignment_events``, to the new events of the consignments the partner may see.
    The signing secret is stored sealed (AES-256-GCM under ``CORRIDOR_KEY_ENCRYPTION_KEY``) and shown only
    when created or rotated; after a rotation the previous secret also signs until ``previous_secret_until``,
    so the receiver can switch without losing a message.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    alert_kinds = models.JSONField(default=list, blank=True, help_text="Alert kinds to notify")
    consignment_events = models.BooleanField(default=False, help_text="Notify new events of visible consignments")
    is_active = models.BooleanField(default=True)
    secret_sealed = models.BinaryField(help_text="The signing secret, sealed")
    previous_secret_sealed = models.BinaryField(null=True, blank=True, help_text="The secret before rotation")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner.slug}: {self.url}" if self.partner_id else self.url


class WebhookDeliveryQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> WebhookDeliveryQuerySet:
        return self.filter(endpoint__partner=partner)


class WebhookDelivery(Claimable, TimestampedModel):
    """One message for one endpoint, kept until delivered or given up on (the ledger of webhooks).

    ``body`` is the exact JSON sent on every attempt, under the same ``webhook-id``; each attempt is
    signed afresh with its own timestamp. A failed attempt is retried at ``next_attempt_at`` (exponential
    backoff with jitter) until ``CORRIDOR_WEBHOOK_MAX_ATTEMPTS``, then the delivery is dead.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_type = models.CharField(max_length=32, choices=WebhookMessageType.choices)
    body = models.TextField(help_text="The JSON payload, exactly as sent")
    state = models.CharField(max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Empty once succeeded or dead")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="webhook_delivery_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: the same for every attempt, so a receiver can drop repeats."""
        return f"msg_{self.pk.hex}"

    def __str__(self) -> str:
        return f"{self.message_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: when, the HTTP status received or the error, and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
