"""Shapes of the credentials API: credentials and partners' signing keys."""

from __future__ import annotations

from rest_framework import serializers

from apps.credentials.models import Credential, PartnerKey
from apps.credentials.services.identifiers import credential_url


class CredentialSerializer(serializers.ModelSerializer):
    issuer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    # Null for a credential that attests no event (an AEO credential).
    event = serializers.UUIDField(source="event_id", read_only=True, allow_null=True)

    class Meta:
        model = Credential
        fields = ["id", "url", "kind", "issuer", "event", "issued_at", "digest_multibase", "revoked_at", "suspended"]
        read_only_fields = fields

    def get_url(self, obj: Credential) -> str:
        return credential_url(obj.pk)


class KeySerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = PartnerKey
        fields = [
            "id",
            "partner",
            "key_id",
            "public_key_multibase",
            "state",
            "created_at",
            "rotated_at",
            "revoked_at",
            "revocation_reason",
        ]
        read_only_fields = fields
