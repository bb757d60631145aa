"""Corridor's own event JSON: strict (bad check digits are 400 here, unlike external formats)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers

from apps.core import identifiers
from apps.core.api.serializers import StrictInputSerializer
from apps.shipments.choices import EventType
from apps.shipments.ingest.types import (
    DOC_BOOKING,
    DOC_CONSIGNMENT,
    DOC_TRANSPORT_DOCUMENT,
    SOURCE_NATIVE,
    DocumentRef,
    EventIn,
)
from apps.shipments.services import normalize_container_number, normalize_imo


def _offset(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise serializers.ValidationError("Give the time with its time-zone offset, e.g. 2026-11-20T10:00:00+08:00.")
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its offset; the offset is kept, not only the instant."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str) and not (value.endswith("Z") or (value[-6:-5] in "+-" and value[-3:-2] == ":")):
            raise serializers.ValidationError(
                "Give the time with its time-zone offset, e.g. 2026-11-20T10:00:00+08:00."
            )
        parsed = super().to_internal_value(value)
        _offset(parsed)
        return parsed

    def enforce_timezone(self, value: datetime) -> datetime:
        # DRF would convert to UTC and lose the offset as sent; naive times are refused above.
        return value


class BizTransactionSerializer(StrictInputSerializer):
    type = serializers.CharField(max_length=120, required=False, allow_blank=True)
    bizTransaction = serializers.CharField(max_length=255)  # noqa: N815 - EPCIS's own field name


class NativeEventSerializer(StrictInputSerializer):
    """One event in Corridor's JSON. Either an EPCIS event type or a DCSA one."""

    event_id = serializers.CharField(max_length=255, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=EventType.choices)
    action = serializers.ChoiceField(choices=["ADD", "OBSERVE", "DELETE"], required=False)
    biz_step = serializers.CharField(max_length=120, required=False, allow_blank=True)
    disposition = serializers.CharField(max_length=120, required=False, allow_blank=True)
    event_code = serializers.CharField(max_length=8, required=False, allow_blank=True)
    event_time = OffsetDateTimeField()
    location = serializers.CharField(max_length=12, required=False, allow_blank=True, help_text="UN/LOCODE")
    read_point = serializers.CharField(max_length=255, required=False, allow_blank=True)
    biz_location = serializers.CharField(max_length=255, required=False, allow_blank=True)
    consignment = serializers.CharField(max_length=64, required=False, help_text="Consignment id or reference")
    transport_document_number = serializers.CharField(max_length=64, required=False)
    booking_reference = serializers.CharField(max_length=64, required=False)
    equipment = serializers.ListField(child=serializers.CharField(max_length=16), required=False, max_length=100)
    epcs = serializers.ListField(child=serializers.CharField(max_length=255), required=False, max_length=10_000)
    parent_id = serializers.CharField(max_length=255, required=False, allow_blank=True)
    child_epcs = serializers.ListField(child=serializers.CharField(max_length=255), required=False, max_length=10_000)
    mode_of_transport = serializers.ChoiceField(choices=["VESSEL", "RAIL", "TRUCK", "BARGE", "AIR"], required=False)
    vessel_imo = serializers.CharField(max_length=12, required=False, allow_blank=True)
    voyage_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    biz_transactions = BizTransactionSerializer(many=True, required=False)
    sensor_readings = serializers.ListField(child=serializers.DictField(), required=False, max_length=1000)

    def validate_location(self, value: str) -> str:
        return _identifier(identifiers.normalize_unlocode, value) if value else ""

    def validate_equipment(self, value: list[str]) -> list[str]:
        return [_identifier(normalize_container_number, number) for number in value]

    def validate_vessel_imo(self, value: str) -> str:
        return _identifier(normalize_imo, value) if value else ""


def _identifier(normalize: Any, value: str) -> str:
    try:
        return normalize(value)
    except identifiers.InvalidIdentifier as exc:
        raise serializers.ValidationError(exc.render(gettext)) from exc


def native_event(data: dict[str, Any], payload: dict[str, Any]) -> EventIn:
    """A validated native event as ``EventIn``; ``payload`` is the body exactly as sent."""
    documents = []
    if data.get("consignment"):
        documents.append(DocumentRef(DOC_CONSIGNMENT, data["consignment"]))
    if data.get("transport_document_number"):
        documents.append(DocumentRef(DOC_TRANSPORT_DOCUMENT, data["transport_document_number"]))
    if data.get("booking_reference"):
        documents.append(DocumentRef(DOC_BOOKING, data["booking_reference"]))
    return EventIn(
        source=SOURCE_NATIVE,
        event_type=data["type"],
        event_id=data.get("event_id", ""),
        event_time=data["event_time"],
        event_time_zone_offset=_offset(data["event_time"]),
        payload=payload,
        action=data.get("action", ""),
        biz_step=data.get("biz_step", ""),
        disposition=data.get("disposition", ""),
        event_code=data.get("event_code", ""),
        location=data.get("location", ""),
        read_point=data.get("read_point", ""),
        biz_location=data.get("biz_location", ""),
        epcs=data.get("epcs", []),
        parent_id=data.get("parent_id", ""),
        child_epcs=data.get("child_epcs", []),
        equipment=data.get("equipment", []),
        documents=documents,
        biz_transactions=[dict(bt) for bt in data.get("biz_transactions", [])],
        sensor_readings=data.get("sensor_readings", []),
        mode_of_transport=data.get("mode_of_transport", ""),
        vessel_imo=data.get("vessel_imo", ""),
        voyage_number=data.get("voyage_number", ""),
    )
