"""Consignments (with their graph, timeline, custody and consistency) and events in Corridor's own JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.core.api.base import ScopedViewSet
from apps.core.errors import ApplicationError
from apps.shipments import selectors, services
from apps.shipments.api import serializers as s
from apps.shipments.filters import ConsignmentFilterSet, EventFilterSet
from apps.shipments.graph import queries as graph_queries
from apps.shipments.ingest.native import NativeEventSerializer, native_event
from apps.shipments.ingest.service import MAX_BATCH, event_batch_record
from apps.shipments.models import Consignment, Event


class GraphMLRenderer(renderers.BaseRenderer):
    """Lets ``?format=graphml`` (or ``Accept: application/graphml+xml``) through DRF's content negotiation.

    The graph view hands it GraphML text; anything else (an error's problem details) is written as JSON.
    """

    media_type = "application/graphml+xml"
    format = "graphml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, str):
            return data.encode(self.charset)
        return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)


class ConsignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Consignments the caller is a party of (customs: those touching its country; staff: all)."""

    model = Consignment
    selector = selectors.consignment_list
    serializer_class = s.ConsignmentSerializer
    keyset_ordering = ("-created_at", "-id")
    filterset_class = ConsignmentFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return s.ConsignmentDetailSerializer if self.action == "retrieve" else s.ConsignmentSerializer

    @extend_schema(request=s.ConsignmentInSerializer, responses={201: s.ConsignmentDetailSerializer})
    def create(self, request: Request) -> Response:
        data = s.ConsignmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consignment = services.consignment_create(actor=self.actor, data=dict(data.validated_data))
        return Response(self._detail(consignment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConsignmentPatchSerializer, responses={200: s.ConsignmentDetailSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        consignment = self.get_object()
        # Not partial=True: DRF passes partial on to nested serializers, which then let through an item without
        # its required fields (a party without its partner). Every top-level field of the patch serializer is
        # optional already, and each nested item is validated whole, as POST does.
        data = s.ConsignmentPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consignment_update(actor=self.actor, consignment=consignment, data=dict(data.validated_data))
        return Response(self._detail(consignment.pk))

    def _detail(self, pk: Any) -> dict[str, Any]:
        consignment = selectors.consignment_list(actor=self.actor).get(pk=pk)
        return s.ConsignmentDetailSerializer(consignment, context=self.get_serializer_context()).data

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "graphml"])],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, GraphMLRenderer])
    def graph(self, request: Request, pk: str) -> Response:
        """The consignment's event graph: nodes and edges as JSON, or GraphML with ?format=graphml."""
        consignment = self.get_object()
        if request.accepted_renderer.format == "graphml":
            return Response(graph_queries.consignment_graphml(consignment=consignment, actor=self.actor))
        return Response(graph_queries.consignment_graph_json(consignment=consignment, actor=self.actor))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str) -> Response:
        """Its events in order, including those inherited from its containers and voyages."""
        consignment = self.get_object()
        return Response(graph_queries.consignment_timeline(consignment=consignment, actor=self.actor))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def custody(self, request: Request, pk: str) -> Response:
        """Who held the consignment, from when to when."""
        consignment = self.get_object()
        return Response(graph_queries.consignment_custody(consignment=consignment, actor=self.actor))

    @extend_schema(
        parameters=[
            OpenApiParameter("location", OpenApiTypes.STR, description="UN/LOCODE"),
            OpenApiParameter("voyage", OpenApiTypes.STR, description="<vessel IMO>/<voyage number>"),
            OpenApiParameter("equipment", OpenApiTypes.STR, description="ISO 6346 container number"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def impact(self, request: Request) -> Response:
        """Which of your consignments a place, voyage or container affects (their remaining path)."""
        params = {key: request.query_params.get(key) or None for key in ("location", "voyage", "equipment")}
        if not any(params.values()):
            raise ApplicationError("Give a location, a voyage or an equipment number.", field="location")
        return Response(graph_queries.impact_for(actor=self.actor, **params))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def consistency(self, request: Request, pk: str) -> Response:
        """Inconsistencies in its events: arrival before departure, impossible speed, two places at once."""
        consignment = self.get_object()
        return Response(graph_queries.consignment_consistency(consignment=consignment, actor=self.actor))


def _parse_native(body: Any) -> list[Any]:
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ApplicationError("Send one event or a list of events.", field="events")
    if len(items) > MAX_BATCH:
        raise ApplicationError(
            f"A batch holds at most {MAX_BATCH} events; this one has {len(items)}.",
            field="events",
            status=413,
            code="payload-too-large",
        )
    data = NativeEventSerializer(data=items, many=True)
    if not data.is_valid():
        if isinstance(body, list):
            raise serializers.ValidationError(data.errors)
        raise serializers.ValidationError(data.errors[0])
    return [native_event(clean, raw) for clean, raw in zip(data.validated_data, items, strict=True)]


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Events the caller recorded, or that belong to consignments it may see; newest record first."""

    model = Event
    selector = selectors.event_list
    serializer_class = s.EventSerializer
    filterset_class = EventFilterSet
    keyset_ordering = ("-record_time", "-id")
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return s.EventDetailSerializer if self.action == "retrieve" else s.EventSerializer

    @extend_schema(
        request=NativeEventSerializer(many=True), responses={201: s.BatchResultSerializer, 200: s.BatchResultSerializer}
    )
    def create(self, request: Request) -> Response:
        """Record one event or a list of up to 1,000; all or nothing, idempotent on event_id."""
        result = event_batch_record(actor=self.actor, events=_parse_native(request.data), channel="native")
        body = s.BatchResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
