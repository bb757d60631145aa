from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from apps.core.api.serializers import StrictInputSerializer
from apps.core.extensions import ExtensionPoint
from apps.partners.access import Actor, actor_for_request
from apps.shipments import selectors
from apps.shipments.choices import PartyRole, TransportDocumentType, TransportMode
from apps.shipments.models import Consignment, ConsignmentParty, EquipmentAssignment, Event, GoodsItem, Leg


class PartyInSerializer(StrictInputSerializer):
    partner = serializers.SlugField(help_text="Partner slug")
    role = serializers.ChoiceField(choices=PartyRole.choices)


class GoodsItemInSerializer(StrictInputSerializer):
    hs_code = serializers.CharField(max_length=13)
    description = serializers.CharField(max_length=500)
    packages = serializers.IntegerField(min_value=1, default=1)
    package_type = serializers.CharField(max_length=8, required=False, allow_blank=True)
    gross_weight_kg = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    value = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    country_of_origin = serializers.CharField(max_length=2)


class EquipmentInSerializer(StrictInputSerializer):
    number = serializers.CharField(max_length=16, help_text="ISO 6346 container number")
    size_type = serializers.CharField(max_length=4, required=False, allow_blank=True)
    seal_numbers = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=10)
    assigned_from = serializers.DateTimeField(required=False, allow_null=True)
    assigned_until = serializers.DateTimeField(required=False, allow_null=True)


class LegInSerializer(StrictInputSerializer):
    sequence = serializers.IntegerField(min_value=1)
    mode = serializers.ChoiceField(choices=TransportMode.choices)
    origin = serializers.CharField(max_length=6)
    destination = serializers.CharField(max_length=6)
    carrier = serializers.SlugField(required=False, allow_blank=True)
    voyage_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    vessel_imo = serializers.CharField(max_length=12, required=False, allow_blank=True)
    vessel_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    planned_departure = serializers.DateTimeField(required=False, allow_null=True)
    planned_arrival = serializers.DateTimeField(required=False, allow_null=True)
    actual_departure = serializers.DateTimeField(required=False, allow_null=True)
    actual_arrival = serializers.DateTimeField(required=False, allow_null=True)


class ConsignmentInSerializer(StrictInputSerializer):
    reference = serializers.CharField(max_length=64)
    transport_document_type = serializers.ChoiceField(choices=TransportDocumentType.choices, required=False)
    transport_document_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    booking_reference = serializers.CharField(max_length=64, required=False, allow_blank=True)
    origin = serializers.CharField(max_length=6, help_text="UN/LOCODE")
    destination = serializers.CharField(max_length=6, help_text="UN/LOCODE")
    corridor = serializers.CharField(max_length=80, required=False, allow_blank=True)
    parties = PartyInSerializer(many=True, required=False)
    goods_items = GoodsItemInSerializer(many=True, required=False)
    equipment = EquipmentInSerializer(many=True, required=False)
    legs = LegInSerializer(many=True, required=False)


class ConsignmentPatchSerializer(ConsignmentInSerializer):
    reference = serializers.CharField(max_length=64, required=False)
    origin = serializers.CharField(max_length=6, required=False)
    destination = serializers.CharField(max_length=6, required=False)


class PartySerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = ConsignmentParty
        fields = ["partner", "partner_name", "role"]


class GoodsItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoodsItem
        fields = [
            "sequence",
            "hs_code",
            "description",
            "packages",
            "package_type",
            "gross_weight_kg",
            "value",
            "currency",
            "country_of_origin",
        ]


class EquipmentAssignmentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="equipment.number")
    size_type = serializers.CharField(source="equipment.size_type")

    class Meta:
        model = EquipmentAssignment
        fields = ["number", "size_type", "seal_numbers", "assigned_from", "assigned_until"]


class LegSerializer(serializers.ModelSerializer):
    carrier = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Leg
        fields = [
            "sequence",
            "mode",
            "origin",
            "destination",
            "carrier",
            "voyage_number",
            "vessel_imo",
            "vessel_name",
            "planned_departure",
            "planned_arrival",
            "actual_departure",
            "actual_arrival",
        ]


def context_actor(context: dict[str, Any]) -> Actor:
    """The actor the representation is for; without one, nothing confidential is shown."""
    request = context.get("request")
    if request is not None:
        return actor_for_request(request)
    return context.get("actor") or Actor()


class ConsignmentSerializer(serializers.ModelSerializer):
    """A consignment as the caller may read it: ``selectors.consignment_disclosure`` decides which groups.

    Without ``parties`` the key is absent; without ``goods`` so is ``goods_items``; without
    ``goods_values`` each goods line lacks ``value`` and ``currency``.
    """

    created_by = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    goods_items = GoodsItemSerializer(many=True, read_only=True)
    equipment = EquipmentAssignmentSerializer(source="equipment_assignments", many=True, read_only=True)
    legs = LegSerializer(many=True, read_only=True)

    class Meta:
        model = Consignment
        fields = [
            "id",
            "reference",
            "transport_document_type",
            "transport_document_number",
            "booking_reference",
            "origin",
            "destination",
            "corridor",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "parties",
            "goods_items",
            "equipment",
            "legs",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Consignment) -> dict[str, Any]:
        groups = selectors.consignment_disclosure(actor=context_actor(self.context), consignment=instance)
        data = super().to_representation(instance)
        if selectors.PARTIES not in groups:
            data.pop("parties", None)
        if selectors.GOODS not in groups:
            data.pop("goods_items", None)
        elif selectors.GOODS_VALUES not in groups:
            for item in data["goods_items"]:
                item.pop("value", None)
                item.pop("currency", None)
        return data


@dataclass(frozen=True)
class ConsignmentSection:
    """A section a higher app adds to one consignment's body: its key and a factory of the field that fills it.

    The field is read-only and takes the whole consignment (``source="*"``); it raises ``SkipField``
    where the caller may not see the section, so the key is absent. ``context_actor`` names the caller.
    """

    name: str
    field: Callable[[], serializers.Field]


# Sections of the consignment detail body that belong to higher layers (customs decisions, ...).
consignment_sections: ExtensionPoint[ConsignmentSection] = ExtensionPoint("shipments.consignment_sections")


class ConsignmentDetailSerializer(ConsignmentSerializer):
    """One consignment; adds ``customs_decisions`` (status only) for the consignee, customs broker and customs."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # The sections beyond the consignment's own fields come from higher layers (``consignment_sections``).
        fields = super().get_fields()
        for section in consignment_sections:
            fields[section.name] = section.field()
        return fields


class EventSerializer(serializers.ModelSerializer):
    recorder = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "event_id",
            "version",
            "is_latest",
            "recorder",
            "source",
            "event_type",
            "action",
            "biz_step",
            "disposition",
            "event_code",
            "event_classifier",
            "event_time",
            "event_time_zone_offset",
            "record_time",
            "location",
            "read_point",
            "biz_location",
            "epcs",
            "parent_id",
            "child_epcs",
            "equipment",
            "documents",
            "biz_transactions",
            "sensor_readings",
            "mode_of_transport",
            "vessel_imo",
            "voyage_number",
            "hash_id",
            "is_retracted",
            "is_erroneous",
            "warnings",
        ]
        read_only_fields = fields


class EventDetailSerializer(EventSerializer):
    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "payload"]
        read_only_fields = fields


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    outcomes = serializers.ListField(child=serializers.CharField())
    events = EventSerializer(many=True)
