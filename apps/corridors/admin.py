"""Staff administration of corridors; baselines and ETAs are computed, so they are read only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.corridors.models import Baseline, ConsignmentEta, Corridor, CorridorConsignment, CorridorLeg


class CorridorLegInline(admin.TabularInline):
    model = CorridorLeg
    extra = 0


class CorridorConsignmentInline(admin.TabularInline):
    model = CorridorConsignment
    extra = 0
    raw_id_fields = ["consignment"]


@admin.register(Corridor)
class CorridorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "owner__slug"]
    filter_horizontal = ["members"]
    inlines = [CorridorLegInline, CorridorConsignmentInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ["corridor", "kind", "from_locode", "to_locode", "mode", "median_seconds", "samples", "source"]
    list_filter = ["kind", "source", "corridor"]


@admin.register(ConsignmentEta)
class ConsignmentEtaAdmin(ReadOnlyAdmin):
    list_display = ["consignment", "corridor", "destination", "predicted_arrival", "p10", "p90", "computed_at"]
    list_select_related = ["consignment", "corridor"]
    raw_id_fields = ["consignment"]
