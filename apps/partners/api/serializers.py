from __future__ import annotations

from rest_framework import serializers

from apps.core.api.serializers import StrictInputSerializer
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from apps.partners.models import ApiToken, Membership, Partner


class PartnerSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=PartnerKind.choices), read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "slug",
            "name",
            "kinds",
            "country",
            "serves_country",
            "lei",
            "eori",
            "tax_number",
            "is_active",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PartnerCreateSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=PartnerKind.choices), allow_empty=False)
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    serves_country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text="Customs authorities: the country served"
    )
    lei = serializers.CharField(max_length=40, required=False, allow_blank=True)
    eori = serializers.CharField(max_length=40, required=False, allow_blank=True)
    tax_number = serializers.CharField(max_length=40, required=False, allow_blank=True)


class PartnerUpdateSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    slug = serializers.SlugField(max_length=80, required=False, help_text="Staff only")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerKind.choices),
        allow_empty=False,
        required=False,
        help_text="Staff only",
    )
    country = serializers.CharField(max_length=2, required=False)
    serves_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    lei = serializers.CharField(max_length=40, required=False, allow_blank=True)
    eori = serializers.CharField(max_length=40, required=False, allow_blank=True)
    tax_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="Staff only")


class MembershipSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "partner", "username", "email", "role", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=MemberRole.choices)
    partner = serializers.SlugField(required=False, help_text="Defaults to the partner you act for")


class MembershipUpdateSerializer(StrictInputSerializer):
    role = serializers.ChoiceField(choices=MemberRole.choices)


class ApiTokenSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "partner",
            "name",
            "prefix",
            "scope",
            "state",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once: store it now")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    partner = serializers.SlugField(required=False, help_text="Defaults to the partner you act for")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    partner = PartnerSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    scope = serializers.CharField()
    token_prefix = serializers.CharField(allow_blank=True)
    memberships = MembershipSerializer(many=True)
