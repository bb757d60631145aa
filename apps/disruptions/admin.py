"""Staff view of alerts: read only, acknowledged and resolved through the service (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.disruptions.choices import AlertState
from apps.disruptions.models import Alert
from apps.disruptions.services import alert_state_set
from apps.partners.access import Actor


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "partner", "kind", "severity", "state", "consignment", "created_at", "resolved_at"]
    list_filter = ["state", "kind", "severity", "partner"]
    list_select_related = ["partner", "consignment"]
    search_fields = ["title", "partner__slug", "dedupe_key"]
    fields = [
        "partner",
        "kind",
        "severity",
        "state",
        "consignment",
        "title",
        "details",
        "dedupe_key",
        "created_at",
        "resolved_at",
    ]
    readonly_fields = fields
    actions = ["acknowledge_selected", "resolve_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's actions need the change permission; an alert's own page stays read only.
        return obj is None and super().has_change_permission(request)

    def _set(self, request: HttpRequest, queryset: QuerySet[Alert], state: str) -> None:
        actor = Actor(user=request.user, is_staff=True)
        done, refused = 0, []
        for alert in queryset:
            try:
                alert_state_set(actor=actor, alert=alert, state=state)
                done += 1
            except ApplicationError as exc:
                refused.append(f"{alert.title}: {exc.detail}")
        if done:
            messages.success(request, f"{state.capitalize()} {done} alert(s).")
        for message in refused:
            messages.warning(request, message)

    @admin.action(description="Acknowledge selected alerts", permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._set(request, queryset, AlertState.ACKNOWLEDGED)

    @admin.action(description="Resolve selected alerts", permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._set(request, queryset, AlertState.RESOLVED)
