"""Staff view of alerts: read only, acknowledged and resolved through the service (audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.disruptions.choices import AlertState
from apps.disruptions.models import Alert
from apps.disruptions.services import alert_state_set
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
        done_message: str,
        call: Callable[[Actor, Model], object],
    ) -> None:
        actor = Actor(user=request.user, is_staff=True)
        done, refused = 0, []
        for row in queryset:
            try:
                call(actor, row)
                done += 1
            except ApplicationError as exc:
                refused.append(f"{getattr(row, 'title', row)}: {exc.detail}")
        if done:
            messages.success(request, done_message.format(done))
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

    @admin.action(description="Acknowledge selected alerts", permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._each(
            request,
            queryset,
            "Acknowledged {} alert(s).",
            lambda actor, alert: alert_state_set(actor=actor, alert=alert, state=AlertState.ACKNOWLEDGED),
        )

    @admin.action(description="Resolve selected alerts", permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._each(
            request,
            queryset,
            "Resolved {} alert(s).",
            lambda actor, alert: alert_state_set(actor=actor, alert=alert, state=AlertState.RESOLVED),
        )
