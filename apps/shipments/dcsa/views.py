"""DCSA Track & Trace ingest endpoints: 2.2 and 3.0 event lists.

Refusals are raised; core's dispatcher answers them in DCSA's error object (``errors.py``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import RolePermission
from apps.partners.access import actor_for_request
from apps.partners.choices import MemberRole
from apps.shipments.api.serializers import BatchResultSerializer
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import FieldProblem, IngestValidationError


def _field_errors(problems: list[FieldProblem]) -> dict[str, Any]:
    """The problems keyed by event index, then field, as a validation error lists them (a document-level
    problem has no index)."""
    errors: dict[str, Any] = {}
    for problem in problems:
        target = errors if problem.index < 0 else errors.setdefault(str(problem.index), {})
        target.setdefault(problem.field or "non_field_errors", []).append(problem.detail)
    return errors


class DcsaEventsView(APIView):
    """DCSA Track & Trace events (a GET /events response or a subscription callback body)."""

    permission_classes = [RolePermission]
    action_roles = {"post": MemberRole.OPERATOR}
    version = "2.2"

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: BatchResultSerializer})
    def post(self, request: Request) -> Response:
        try:
            events = parse_dcsa_events(request.data, version=self.version)
        except IngestValidationError as exc:
            raise serializers.ValidationError(_field_errors(exc.problems)) from exc
        result = event_batch_record(actor=actor_for_request(request), events=events, channel=f"dcsa-{self.version}")
        body = BatchResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class DcsaV2EventsView(DcsaEventsView):
    version = "2.2"


class DcsaV3EventsView(DcsaEventsView):
    version = "3.0"
