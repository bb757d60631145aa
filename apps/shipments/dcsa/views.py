"""DCSA Track & Trace ingest endpoints: 2.2 and 3.0 event lists, answered in DCSA's error object."""

from __future__ import annotations

from http import HTTPStatus

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.partners.access import actor_for_request
from apps.partners.choices import MemberRole
from apps.partners.permissions import PartnerRolePermission
from apps.shipments.api.serializers import BatchResultSerializer
from apps.shipments.dcsa.errors import dcsa_error
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import IngestValidationError


class DcsaEventsView(APIView):
    """DCSA Track & Trace events (a GET /events response or a subscription callback body)."""

    permission_classes = [PartnerRolePermission]
    action_roles = {"post": MemberRole.OPERATOR}
    version = "2.2"

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: BatchResultSerializer})
    def post(self, request: Request) -> Response:
        try:
            events = parse_dcsa_events(request.data, version=self.version)
            result = event_batch_record(actor=actor_for_request(request), events=events, channel=f"dcsa-{self.version}")
        except IngestValidationError as exc:
            return dcsa_error(request, [p.as_dict() for p in exc.problems], 400, "Bad Request", version=self.version)
        except ApplicationError as exc:
            index, _, field = (exc.field or "").partition(".")
            if not index.isdigit():
                index, field = None, exc.field or ""
            problem = {
                "index": int(index) if index is not None else None,
                "event_id": "",
                "field": field,
                "detail": exc.detail,
            }
            return dcsa_error(request, [problem], exc.status, HTTPStatus(exc.status).phrase, version=self.version)
        body = BatchResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class DcsaV2EventsView(DcsaEventsView):
    version = "2.2"


class DcsaV3EventsView(DcsaEventsView):
    version = "3.0"
