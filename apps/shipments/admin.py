"""Staff views of consignments, events, capture jobs and places. Events are read-only: they are facts."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.shipments.models import (
    CaptureJob,
    Consignment,
    ConsignmentParty,
    EquipmentAssignment,
    Event,
    GoodsItem,
    Leg,
    Location,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PartyInline(ReadOnlyInline):
    model = ConsignmentParty


class GoodsInline(ReadOnlyInline):
    model = GoodsItem


class EquipmentInline(ReadOnlyInline):
    model = EquipmentAssignment


class LegInline(ReadOnlyInline):
    model = Leg


@admin.register(Consignment)
class ConsignmentAdmin(admin.ModelAdmin):
    """Consignments are changed through the API and pages (so every change is validated and audited)."""

    list_display = [
        "reference",
        "transport_document_number",
        "origin",
        "destination",
        "status",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "origin", "destination"]
    search_fields = ["reference", "transport_document_number", "booking_reference"]
    inlines = [PartyInline, GoodsInline, EquipmentInline, LegInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Consignment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Consignment | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "event_id",
        "recorder",
        "source",
        "event_type",
        "biz_step",
        "event_code",
        "location",
        "event_time",
        "is_latest",
    ]
    list_filter = ["source", "event_type", "is_latest", "is_retracted", "is_erroneous"]
    search_fields = ["event_id", "hash_id", "location", "recorder__slug"]
    date_hierarchy = "event_time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(CaptureJob)
class CaptureJobAdmin(admin.ModelAdmin):
    list_display = ["id", "recorder", "state", "event_count", "captured_count", "created_at", "finished_at"]
    list_filter = ["state"]
    readonly_fields = [
        "recorder",
        "state",
        "error_behaviour",
        "document",
        "event_count",
        "captured_count",
        "errors",
        "finished_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """Places beyond searoute's ports (airports, inland depots), for distances and maps."""

    list_display = ["unlocode", "name", "kind", "latitude", "longitude"]
    list_filter = ["kind"]
    search_fields = ["unlocode", "name"]
