"""Shapes of the compliance API: AEO certificates, MRAs and customs review decisions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from apps.compliance import selectors
from apps.compliance.choices import CertificateStatus, MraStatus, ReviewDecisionKind
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraChange,
    MraParticipant,
    ReviewDecision,
    ValidityPeriod,
)
from apps.compliance.services.mras import MRA_FIELDS
from apps.core.api.serializers import StrictInputSerializer
from apps.shipments.api.serializers import context_actor
from apps.shipments.models import Consignment

# ------------------------------------------------------------------------------------ certificates


class ValidityPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ValidityPeriod
        fields = ["valid_from", "valid_until"]
        read_only_fields = fields


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificateStatusChange
        fields = ["status", "effective_on", "reason", "recorded_at"]
        read_only_fields = fields


class AeoCertificateSerializer(serializers.ModelSerializer):
    holder = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    holder_name = serializers.CharField(source="holder.name", read_only=True)
    authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    validity_periods = ValidityPeriodSerializer(many=True, read_only=True)
    has_credential = serializers.SerializerMethodField()

    class Meta:
        model = AeoCertificate
        fields = [
            "id",
            "number",
            "holder",
            "holder_name",
            "authority",
            "certificate_type",
            "status",
            "last_reviewed_on",
            "validity_periods",
            "has_credential",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_credential(self, obj: AeoCertificate) -> bool:
        """Whether the authority has signed an AEO credential for it (``GET …/credential/``)."""
        return obj.credential_id is not None


class AeoCertificateDetailSerializer(AeoCertificateSerializer):
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(AeoCertificateSerializer.Meta):
        fields = [*AeoCertificateSerializer.Meta.fields, "status_history"]
        read_only_fields = fields


class AeoCertificateInSerializer(StrictInputSerializer):
    holder = serializers.SlugField(help_text="The holder partner's slug")
    authority = serializers.SlugField(
        required=False, help_text="The issuing customs authority; defaults to the caller's (staff: required)"
    )
    number = serializers.CharField(max_length=64)
    certificate_type = serializers.CharField(
        max_length=64, help_text="security and safety, customs simplifications, full, or the programme's own tier"
    )
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None, help_text="Inclusive")
    last_reviewed_on = serializers.DateField(required=False, allow_null=True, default=None)


class RenewInSerializer(StrictInputSerializer):
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True, help_text="Inclusive; null: open-ended")


class StatusInSerializer(StrictInputSerializer):
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    effective_on = serializers.DateField(help_text="The status holds from this day (inclusive)")
    reason = serializers.CharField(max_length=500)


# ------------------------------------------------------------------------------------------- MRAs


class MraParticipantSerializer(serializers.ModelSerializer):
    authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    recognised_types = serializers.ListField(
        child=serializers.CharField(), allow_null=True, read_only=True, help_text="null: every type"
    )

    class Meta:
        model = MraParticipant
        fields = ["authority", "authority_name", "recognised_types", "grants_recognition", "implemented_from"]
        read_only_fields = fields


class MraChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MraChange
        fields = ["changed_at", "reason", "changes"]
        read_only_fields = fields


class MraSerializer(serializers.ModelSerializer):
    participants = MraParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Mra
        fields = [
            "id",
            "key",
            *MRA_FIELDS,
            "participants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MraDetailSerializer(MraSerializer):
    history = MraChangeSerializer(many=True, read_only=True)

    class Meta(MraSerializer.Meta):
        fields = [*MraSerializer.Meta.fields, "history"]
        read_only_fields = fields


class ParticipantInSerializer(StrictInputSerializer):
    authority = serializers.SlugField(help_text="The customs authority's partner slug")
    recognised_types = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_null=True,
        required=False,
        default=None,
        help_text="This side's AEO types the others recognise; null: every type",
    )
    grants_recognition = serializers.BooleanField(
        required=False, default=True, help_text="Whether this side recognises the others' AEOs"
    )
    implemented_from = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Plurilateral arrangements only"
    )


class MraInSerializer(StrictInputSerializer):
    key = serializers.SlugField(max_length=80)
    name = serializers.CharField(max_length=200)
    participants = ParticipantInSerializer(many=True)
    signed_on = serializers.DateField(required=False, allow_null=True, default=None)
    in_force_from = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="null: assumed in force from signing"
    )
    in_force_until = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=MraStatus.choices, required=False, default=MraStatus.IN_FORCE)
    plurilateral = serializers.BooleanField(required=False, default=False)
    direction_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, default="created", help_text="Kept in the history")


class MraPatchSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=500, help_text="Why it changed; kept in the history")
    name = serializers.CharField(max_length=200, required=False)
    participants = ParticipantInSerializer(many=True, required=False, help_text="Replaces every participant")
    signed_on = serializers.DateField(required=False, allow_null=True)
    in_force_from = serializers.DateField(required=False, allow_null=True)
    in_force_until = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=MraStatus.choices, required=False)
    plurilateral = serializers.BooleanField(required=False)
    direction_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


# ----------------------------------------------------------------------------------------- review


class ReviewDecisionStatusSerializer(serializers.ModelSerializer):
    """What the consignee and customs broker are told: the decision, not the assessment behind it."""

    consignment = serializers.UUIDField(source="consignment_id", read_only=True)
    authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decided_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ReviewDecision
        fields = ["id", "consignment", "authority", "decision", "decided_at"]
        read_only_fields = fields


class ReviewDecisionSerializer(ReviewDecisionStatusSerializer):
    """The deciding authority's view: the reason, the officer, and the evaluation and chain check as they were."""

    consignment_reference = serializers.CharField(source="consignment.reference", read_only=True)
    officer = serializers.SerializerMethodField()
    evaluation = serializers.JSONField(read_only=True)
    chain_verification = serializers.JSONField(read_only=True)

    class Meta(ReviewDecisionStatusSerializer.Meta):
        fields = [
            *ReviewDecisionStatusSerializer.Meta.fields,
            "consignment_reference",
            "reason",
            "officer",
            "evaluation",
            "chain_verification",
        ]
        read_only_fields = fields

    def get_officer(self, obj: ReviewDecision) -> str | None:
        return obj.officer.get_username() if obj.officer else None


class CustomsDecisionStatusSerializer(serializers.Serializer):
    """A customs review decision as status only (the reason and evaluation stay with the authority)."""

    decision = serializers.CharField()
    authority = serializers.SlugField()
    authority_name = serializers.CharField()
    decided_at = serializers.DateTimeField()


@extend_schema_field(CustomsDecisionStatusSerializer(many=True))
class CustomsDecisionsField(serializers.Field):
    """The consignment body's ``customs_decisions`` section: status only; absent for roles not entitled to it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            source="*",
            required=False,
            help_text="Customs review decisions, newest first: decision, authority and time only. "
            "Present for the consignee, the customs broker, customs authorities (their own) and staff.",
            **kwargs,
        )

    def get_attribute(self, instance: Consignment) -> list[dict[str, Any]]:
        decisions = selectors.consignment_customs_decisions(actor=context_actor(self.context), consignment=instance)
        if decisions is None:
            raise SkipField
        return decisions

    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return CustomsDecisionStatusSerializer(value, many=True).data


class ReviewDecisionInSerializer(StrictInputSerializer):
    consignment = serializers.UUIDField()
    decision = serializers.ChoiceField(choices=ReviewDecisionKind.choices)
    reason = serializers.CharField(max_length=1000)


def review_decision_data(decision: ReviewDecision, *, full: bool) -> dict[str, Any]:
    serializer = ReviewDecisionSerializer if full else ReviewDecisionStatusSerializer
    return serializer(decision).data
