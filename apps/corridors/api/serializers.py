"""Shapes of the corridors API: corridors, their baselines and release times, a consignment's ETA."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.api.serializers import StrictInputSerializer
from apps.corridors.models import Baseline, ConsignmentEta, Corridor, CorridorLeg
from apps.corridors.release_times import INTERVALS, PERIODS, ReleaseTimeRow
from apps.shipments.choices import TransportMode


class CorridorLegSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorridorLeg
        fields = ["sequence", "from_locode", "to_locode", "mode"]
        read_only_fields = fields


class CorridorSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    members = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    legs = CorridorLegSerializer(many=True, read_only=True)
    thresholds = serializers.JSONField(read_only=True, help_text="Effective thresholds (defaults filled in)")

    class Meta:
        model = Corridor
        fields = [
            "id",
            "slug",
            "name",
            "owner",
            "nodes",
            "legs",
            "members",
            "thresholds",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CorridorInSerializer(StrictInputSerializer):
    slug = serializers.SlugField(max_length=80)
    name = serializers.CharField(max_length=200)
    owner = serializers.SlugField(help_text="The owning partner's slug; its admins edit the thresholds")
    nodes = serializers.ListField(child=serializers.CharField(max_length=12), help_text="UN/LOCODEs in order")
    modes = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text=f"One per leg ({', '.join(TransportMode.values)}); default sea",
    )
    members = serializers.ListField(child=serializers.SlugField(), required=False, default=list)
    thresholds = serializers.DictField(required=False, help_text="Any of the thresholds; the rest default")


class CorridorPatchSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    thresholds = serializers.DictField(
        required=False, help_text="Thresholds to change (merged into the current ones; silence_hours per mode)"
    )
    members = serializers.ListField(child=serializers.SlugField(), required=False)
    is_active = serializers.BooleanField(required=False)


class ConsignmentPlaceSerializer(StrictInputSerializer):
    consignment = serializers.UUIDField()


class BaselineSerializer(serializers.ModelSerializer):
    median_hours = serializers.SerializerMethodField()
    p10_hours = serializers.SerializerMethodField()
    p90_hours = serializers.SerializerMethodField()

    class Meta:
        model = Baseline
        fields = [
            "kind",
            "from_locode",
            "to_locode",
            "mode",
            "median_hours",
            "p10_hours",
            "p90_hours",
            "samples",
            "source",
            "computed_at",
            "window_days",
        ]
        read_only_fields = fields

    def get_median_hours(self, row: Baseline) -> float:
        return round(row.median_seconds / 3600, 2)

    def get_p10_hours(self, row: Baseline) -> float:
        return round(row.p10_seconds / 3600, 2)

    def get_p90_hours(self, row: Baseline) -> float:
        return round(row.p90_seconds / 3600, 2)


class ReleaseTimesQuerySerializer(StrictInputSerializer):
    period = serializers.ChoiceField(choices=PERIODS, default="month")
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    as_of = serializers.DateTimeField(required=False, help_text="Judge the data as of this moment; default now")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": ["until is before since."]})
        return attrs


class IntervalSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class ReleaseTimeRowSerializer(serializers.Serializer):
    node = serializers.CharField()
    period = serializers.CharField(source="period_label")
    period_start = serializers.DateField()
    arrival_to_release = IntervalSerializer(help_text="Arrival (or discharge) to customs release")
    release_to_gate_out = IntervalSerializer(help_text="Customs release to gate-out")
    arrival_to_gate_out = IntervalSerializer(help_text="The whole stay: arrival to gate-out")

    def to_representation(self, row: ReleaseTimeRow) -> dict[str, Any]:
        data = {"node": row.node, "period": row.period_label, "period_start": row.period_start.isoformat()}
        for interval in INTERVALS:
            figures = row.intervals[interval]
            data[interval] = {
                "count": figures.count,
                "median_hours": figures.median_hours,
                "p90_hours": figures.p90_hours,
            }
        return data


class ReleaseTimesSerializer(serializers.Serializer):
    corridor = serializers.SlugField()
    period = serializers.ChoiceField(choices=PERIODS)
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    rows = ReleaseTimeRowSerializer(many=True)


class ConsignmentEtaSerializer(serializers.ModelSerializer):
    consignment = serializers.UUIDField(source="consignment_id", read_only=True)
    corridor = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    state = serializers.SerializerMethodField(help_text="arrived, on_leg, at_node or not_started")
    basis = serializers.JSONField(
        read_only=True, help_text="The last event (as its recorder sent it) and each remaining component's figures"
    )

    class Meta:
        model = ConsignmentEta
        fields = [
            "consignment",
            "corridor",
            "destination",
            "state",
            "predicted_arrival",
            "p10",
            "p90",
            "last_event_time",
            "computed_at",
            "basis",
        ]
        read_only_fields = fields

    def get_state(self, eta: ConsignmentEta) -> str:
        return eta.basis.get("state", "")
