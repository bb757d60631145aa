"""Staff views of alerts and webhooks: read only; state changes go through the services (audited).

Alerts are acknowledged and resolved, webhook endpoints deactivated or reactivated and dead deliveries
retried by the list actions. Secrets never appear: an endpoint's partner rotates it through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.core import words
from apps.core.errors import ApplicationError
from apps.disruptions.choices import AlertState
from apps.disruptions.models import Alert, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.disruptions.services import alert_state_set
from apps.disruptions.webhooks import services as webhooks
from apps.partners.access import Actor


class ServiceActionsAdmin(admin.ModelAdmin):
    """Read only, with list actions that call a service for each selected row and report refusals."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's actions need the change permission; a row's own page stays read only.
        return obj is None and super().has_change_permission(request)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        done_message: str,  # ngettext_lazy(..., "count"): said with the number of rows done
        call: Callable[[Actor, Model], object],
    ) -> None:
        actor = Actor(user=request.user, is_staff=True)
        done, refused = 0, []
        for row in queryset:
            try:
                call(actor, row)
                done += 1
            except ApplicationError as exc:
                refused.append(
                    gettext("%(row)s: %(problem)s")
                    % {"row": getattr(row, "title", row), "problem": words.render(exc.detail, gettext)}
                )
        if done:
            messages.success(request, done_message % {"count": done})
        for message in refused:
            messages.warning(request, message)


@admin.register(Alert)
class AlertAdmin(ServiceActionsAdmin):
    list_display = [
        "title",
        "partner",
        "kind",
        "severity",
        "state",
        "subject_type",
        "subject_id",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
    ]
    list_filter = ["state", "kind", "severity", "subject_type", "partner"]
    list_select_related = ["partner"]
    search_fields = ["title", "partner__slug", "dedupe_key", "subject_id", "corridor"]
    fields = [
        "partner",
        "kind",
        "rule",
        "severity",
        "state",
        "subject_type",
        "subject_id",
        "consignment",
        "corridor",
        "title",
        "evidence",
        "dedupe_key",
        "first_seen_at",
        "last_seen_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["acknowledge_selected", "resolve_selected"]

    @admin.action(description=_("Acknowledge selected alerts"), permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._each(
            request,
            queryset,
            ngettext_lazy("Acknowledged %(count)d alert.", "Acknowledged %(count)d alerts.", "count"),
            lambda actor, alert: alert_state_set(actor=actor, alert=alert, state=AlertState.ACKNOWLEDGED),
        )

    @admin.action(description=_("Resolve selected alerts"), permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._each(
            request,
            queryset,
            ngettext_lazy("Resolved %(count)d alert.", "Resolved %(count)d alerts.", "count"),
            lambda actor, alert: alert_state_set(actor=actor, alert=alert, state=AlertState.RESOLVED),
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceActionsAdmin):
    list_display = ["url", "partner", "alert_kinds", "consignment_events", "is_active", "created_at"]
    list_filter = ["is_active", "consignment_events", "partner"]
    list_select_related = ["partner"]
    search_fields = ["url", "description", "partner__slug"]
    fields = [
        "partner",
        "url",
        "description",
        "alert_kinds",
        "consignment_events",
        "is_active",
        "previous_secret_until",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["deactivate_selected", "activate_selected"]

    @admin.action(description=_("Deactivate selected endpoints (no new messages)"), permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._each(
            request,
            queryset.select_related("partner"),
            ngettext_lazy("Deactivated %(count)d endpoint.", "Deactivated %(count)d endpoints.", "count"),
            lambda actor, endpoint: webhooks.webhook_endpoint_update(actor=actor, endpoint=endpoint, is_active=False),
        )

    @admin.action(description=_("Activate selected endpoints"), permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._each(
            request,
            queryset.select_related("partner"),
            ngettext_lazy("Activated %(count)d endpoint.", "Activated %(count)d endpoints.", "count"),
            lambda actor, endpoint: webhooks.webhook_endpoint_update(actor=actor, endpoint=endpoint, is_active=True),
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "attempted_at", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceActionsAdmin):
    list_display = ["message_type", "endpoint", "state", "attempt_count", "last_status_code", "next_attempt_at"]
    list_filter = ["state", "message_type"]
    list_select_related = ["endpoint__partner"]
    search_fields = ["endpoint__url", "endpoint__partner__slug"]
    fields = [
        "endpoint",
        "message_type",
        "state",
        "attempt_count",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "claimed_at",
        "claimed_by",
        "body",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["redeliver_selected"]

    @admin.action(description=_("Retry selected failed or dead deliveries now"), permissions=["change"])
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        self._each(
            request,
            queryset.select_related("endpoint__partner"),
            ngettext_lazy("Retrying %(count)d delivery.", "Retrying %(count)d deliveries.", "count"),
            lambda actor, delivery: webhooks.webhook_delivery_redeliver(actor=actor, delivery=delivery),
        )
