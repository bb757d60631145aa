"""Shapes of the alerts API (webhook messages about alerts carry the same shape)."""

from __future__ import annotations

from rest_framework import serializers

from apps.disruptions.models import Alert
from apps.shipments.models import Consignment


class AlertConsignmentSerializer(serializers.ModelSerializer):
    """The consignment an alert is about, with the numbers another system matches it by."""

    containers = serializers.SerializerMethodField(help_text="ISO 6346 numbers of the containers carrying it")

    class Meta:
        model = Consignment
        fields = [
            "id",
            "reference",
            "transport_document_type",
            "transport_document_number",
            "booking_reference",
            "containers",
        ]
        read_only_fields = fields

    def get_containers(self, consignment: Consignment) -> list[str]:
        return [assignment.equipment.number for assignment in consignment.equipment_assignments.all()]


class AlertSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    consignment = AlertConsignmentSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
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
            "first_seen_at",
            "last_seen_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
