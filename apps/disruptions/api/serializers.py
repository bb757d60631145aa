"""Shapes of the alerts API."""

from __future__ import annotations

from rest_framework import serializers

from apps.disruptions.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    consignment = serializers.UUIDField(source="consignment_id", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "partner",
            "kind",
            "severity",
            "state",
            "consignment",
            "title",
            "details",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields
