"""Shapes of the webhooks API: endpoints (the secret only when created or rotated) and deliveries."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from apps.core.api.serializers import StrictInputSerializer
from apps.disruptions.choices import AlertKind
from apps.disruptions.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    alert_kinds = serializers.ListField(child=serializers.ChoiceField(choices=AlertKind.choices), read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "partner",
            "url",
            "description",
            "alert_kinds",
            "consignment_events",
            "is_active",
            "previous_secret_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_...): shown in this answer and never again"
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(StrictInputSerializer):
    url = serializers.CharField(max_length=2000, help_text="https:// URL that receives the signed messages")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    alert_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=AlertKind.choices), required=False, help_text="Alert kinds to notify"
    )
    consignment_events = serializers.BooleanField(
        required=False, help_text="Notify new events of the consignments your partner may see"
    )


class WebhookEndpointUpdateSerializer(WebhookEndpointCreateSerializer):
    url = serializers.CharField(max_length=2000, required=False)
    is_active = serializers.BooleanField(required=False, help_text="Inactive endpoints get no new messages")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "attempted_at", "status_code", "error", "duration_ms"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(read_only=True, help_text="The webhook-id header: the same on every attempt")
    payload = serializers.SerializerMethodField(help_text="The message as sent")
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "message_type",
            "state",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields

    def get_payload(self, delivery: WebhookDelivery) -> dict[str, Any]:
        return json.loads(delivery.body)
