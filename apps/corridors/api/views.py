"""The corridors API: corridors (members, owner and staff see them), their baselines and release times, ETAs.

Views parse input and name partners by slug; the services decide who may change what (staff create
corridors, the owner's admins change them) and the selectors what each caller sees.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.base import ScopedViewSet
from apps.core.api.permissions import RolePermission
from apps.core.errors import ApplicationError, NotFoundError
from apps.corridors import selectors, services
from apps.corridors.api import serializers as s
from apps.corridors.models import Corridor
from apps.partners.access import actor_for_request
from apps.partners.choices import MemberRole
from apps.partners.models import Partner


def _partner(slug: str, field: str) -> Partner:
    partner = Partner.objects.filter(slug=slug, is_active=True).first()
    if partner is None:
        raise ApplicationError(f"There is no partner '{slug}'.", field=field)
    return partner


def _members(slugs: list[str]) -> list[Partner]:
    return [_partner(slug, f"members.{index}") for index, slug in enumerate(slugs)]


class CorridorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Watched corridors: their owner, members and staff see them; staff create them; the owner's admins change them."""

    model = Corridor
    selector = selectors.corridor_list
    serializer_class = s.CorridorSerializer
    lookup_field = "slug"
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"partial_update": MemberRole.ADMIN, "consignments": MemberRole.OPERATOR}
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def staff_only(self) -> bool:
        """Creating is for staff (``RolePermission`` refuses others before the body is read)."""
        return self.action == "create"

    def _detail(self, slug: str) -> dict[str, Any]:
        return s.CorridorSerializer(selectors.corridor_get(actor=self.actor, slug=slug)).data

    @extend_schema(request=s.CorridorInSerializer, responses={201: s.CorridorSerializer})
    def create(self, request: Request) -> Response:
        """Create a corridor: nodes in order, one mode per leg, its owner and members (staff only)."""
        data = s.CorridorInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        corridor = services.corridor_create(
            actor=self.actor,
            slug=values["slug"],
            name=values["name"],
            owner=_partner(values["owner"], "owner"),
            nodes=values["nodes"],
            modes=values.get("modes"),
            members=_members(values["members"]),
            thresholds=values.get("thresholds"),
        )
        return Response(self._detail(corridor.slug), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CorridorPatchSerializer, responses={200: s.CorridorSerializer})
    def partial_update(self, request: Request, slug: str) -> Response:
        """Change the name, thresholds (out of range: 400 naming the field), members or activity (owner's admins)."""
        corridor = self.get_object()
        data = s.CorridorPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "members" in values:
            values["members"] = _members(values["members"])
        services.corridor_update(actor=self.actor, corridor=corridor, **values)
        return Response(self._detail(corridor.slug))

    @extend_schema(responses={200: s.BaselineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def baselines(self, request: Request, slug: str) -> Response:
        """Each leg's transit and each node's dwell: median, p10, p90, samples and where the figures came from."""
        corridor = self.get_object()
        rows = sorted(
            selectors.baselines_for(corridor).values(), key=lambda b: (b.kind, corridor.nodes.index(b.from_locode))
        )
        return Response(s.BaselineSerializer(rows, many=True).data)

    @extend_schema(parameters=[s.ReleaseTimesQuerySerializer], responses={200: s.ReleaseTimesSerializer})
    @action(detail=True, methods=["get"], url_path="release-times")
    def release_times(self, request: Request, slug: str) -> Response:
        """Per node and period: arrival to customs release to gate-out, median and p90 hours (WCO TRS)."""
        corridor = self.get_object()
        query = s.ReleaseTimesQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        report = selectors.release_times(
            corridor=corridor,
            period=values["period"],
            as_of=values.get("as_of") or timezone.now(),
            since=values.get("since"),
            until=values.get("until"),
        )
        return Response(s.ReleaseTimesSerializer(report).data)

    @extend_schema(request=s.ConsignmentPlaceSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def consignments(self, request: Request, slug: str) -> Response:
        """Place a consignment you may see on the corridor, whatever its route (the owner's operators)."""
        corridor = self.get_object()
        data = s.ConsignmentPlaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.corridor_consignment_add(
            actor=self.actor, corridor=corridor, consignment_id=data.validated_data["consignment"]
        )
        return Response({"corridor": corridor.slug, "consignment": str(link.consignment_id)}, status=201)


class ConsignmentEtaView(APIView):
    """``GET /api/v1/consignments/{id}/eta/``: the predicted arrival with its p10 to p90 interval and basis."""

    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: s.ConsignmentEtaSerializer},
    )
    def get(self, request: Request, pk: str) -> Response:
        eta = selectors.consignment_eta(actor=actor_for_request(request), consignment_id=pk)
        if eta is None:
            raise NotFoundError("No ETA for this consignment yet: it has no legs or figures to predict from.")
        return Response(s.ConsignmentEtaSerializer(eta).data)
