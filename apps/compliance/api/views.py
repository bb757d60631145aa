"""The compliance API: the AEO registry, MRAs, trust verdicts on consignments, customs review decisions.

Views parse input and name partners by slug; the services decide who may write what (customs manage
their own authority's certificates, staff manage MRAs) and the selectors what each caller sees.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.compliance import selectors
from apps.compliance.api import serializers as s
from apps.compliance.filters import AeoCertificateFilterSet, ReviewDecisionFilterSet
from apps.compliance.models import AeoCertificate, Mra, ReviewDecision
from apps.compliance.services import certificates, mras, reviews
from apps.compliance.services.checks import MANAGE_REGISTER
from apps.core.api.base import ScopedViewSet
from apps.core.api.permissions import RolePermission
from apps.core.errors import ApplicationError
from apps.credentials import vcdm
from apps.partners.access import Actor, actor_for_request, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner


def _partner(slug: str, field: str) -> Partner:
    partner = Partner.objects.filter(slug=slug, is_active=True).first()
    if partner is None:
        raise ApplicationError(f"There is no partner '{slug}'.", field=field)
    return partner


def _participants(rows: list[dict[str, Any]]) -> list[mras.ParticipantIn]:
    return [
        mras.ParticipantIn(
            authority=_partner(row["authority"], f"participants.{index}.authority"),
            recognised_types=tuple(row["recognised_types"]) if row.get("recognised_types") is not None else None,
            grants_recognition=row.get("grants_recognition", True),
            implemented_from=row.get("implemented_from"),
        )
        for index, row in enumerate(rows)
    ]


class AeoCertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """AEO certificates: holders see their own, customs authorities the whole register.

    Customs register, renew and change the status of their own authority's certificates only.
    """

    model = AeoCertificate
    selector = selectors.certificate_list
    filterset_class = AeoCertificateFilterSet
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"create": MemberRole.OPERATOR, "renew": MemberRole.OPERATOR, "status": MemberRole.OPERATOR}
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self) -> type:
        return s.AeoCertificateSerializer if self.action == "list" else s.AeoCertificateDetailSerializer

    def _detail(self, pk: Any) -> dict[str, Any]:
        return s.AeoCertificateDetailSerializer(selectors.certificate_list(actor=self.actor).get(pk=pk)).data

    def _authority(self, actor: Actor, slug: str | None) -> Partner:
        """The named authority, else the caller's own (the service decides whether the caller may act for it)."""
        if slug is not None:
            return _partner(slug, "authority")
        if actor.partner is None:
            raise ApplicationError("Say which customs authority issued the certificate.", field="authority")
        return actor.partner

    @extend_schema(request=s.AeoCertificateInSerializer, responses={201: s.AeoCertificateDetailSerializer})
    def create(self, request: Request) -> Response:
        """Register a certificate your authority granted (staff: any authority's)."""
        # Traders are refused before anything they sent is looked at; the service checks the authority.
        require(self.actor, **MANAGE_REGISTER)
        data = s.AeoCertificateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        authority = self._authority(self.actor, values.get("authority"))
        certificate = certificates.certificate_create(
            actor=self.actor,
            authority=authority,
            holder=_partner(values["holder"], "holder"),
            number=values["number"],
            certificate_type=values["certificate_type"],
            valid_from=values["valid_from"],
            valid_until=values["valid_until"],
            last_reviewed_on=values["last_reviewed_on"],
        )
        return Response(self._detail(certificate.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RenewInSerializer, responses={200: s.AeoCertificateDetailSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str) -> Response:
        """Add a validity period (periods of one certificate never overlap)."""
        certificate = self.get_object()
        data = s.RenewInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificates.certificate_renew(actor=self.actor, certificate=certificate, **data.validated_data)
        return Response(self._detail(certificate.pk))

    @extend_schema(request=s.StatusInSerializer, responses={200: s.AeoCertificateDetailSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        """Suspend, revoke, reinstate or expire the certificate from a date, with the reason."""
        certificate = self.get_object()
        data = s.StatusInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificates.certificate_status_set(actor=self.actor, certificate=certificate, **data.validated_data)
        return Response(self._detail(certificate.pk))

    @extend_schema(responses={(200, vcdm.MEDIA_TYPE): OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def credential(self, request: Request, pk: str) -> HttpResponse:
        """The AEO credential, exactly as signed: for the holder (to present anywhere) and the issuing authority."""
        credential = selectors.aeo_credential_for(actor=self.actor, certificate=self.get_object())
        return HttpResponse(bytes(credential.document), content_type=vcdm.MEDIA_TYPE)


class MraViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Mutual recognition arrangements: everyone reads them; platform staff record and change them."""

    model = Mra
    selector = selectors.mra_list
    keyset_ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def staff_only(self) -> bool:
        """Writes are for staff (``RolePermission`` refuses others before the body is read)."""
        return self.action in {"create", "partial_update"}

    def get_serializer_class(self) -> type:
        return s.MraSerializer if self.action == "list" else s.MraDetailSerializer

    def _detail(self, pk: Any) -> dict[str, Any]:
        return s.MraDetailSerializer(selectors.mra_list(actor=self.actor).get(pk=pk)).data

    @extend_schema(request=s.MraInSerializer, responses={201: s.MraDetailSerializer})
    def create(self, request: Request) -> Response:
        """Record an MRA between two or more customs authorities (staff only)."""
        data = s.MraInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        participants = _participants(values.pop("participants"))
        mra = mras.mra_create(actor=self.actor, participants=participants, **values)
        return Response(self._detail(mra.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MraPatchSerializer, responses={200: s.MraDetailSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change dates, status or participants, with the reason kept in the history (staff only)."""
        mra = self.get_object()
        data = s.MraPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        rows = values.pop("participants", None)
        participants = _participants(rows) if rows is not None else None
        mras.mra_update(actor=self.actor, mra=mra, participants=participants, **values)
        return Response(self._detail(mra.pk))


def _as_of(raw: str | None) -> date:
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApplicationError(f"as_of '{raw}' is not a date (YYYY-MM-DD).", field="as_of") from None


class ConsignmentTrustView(APIView):
    """``GET /api/v1/consignments/{id}/trust/``: a customs authority's trust verdict on the chain, with reasons."""

    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "authority", OpenApiTypes.STR, description="The deciding customs authority; defaults to yours"
            ),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="The day judged (YYYY-MM-DD); defaults to today"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: str) -> Response:
        actor = actor_for_request(request)
        # Refused before the request is looked at: a bad date answers a trader the same.
        require(actor, **selectors.SEE_VERDICTS)
        as_of = _as_of(request.query_params.get("as_of"))
        body = selectors.consignment_trust(
            actor=actor,
            consignment_id=pk,
            authority_slug=request.query_params.get("authority") or None,
            as_of=as_of,
        )
        return Response(body)


_REVIEW_DECISION_VIEW = PolymorphicProxySerializer(
    component_name="ReviewDecisionView",
    serializers=[s.ReviewDecisionSerializer, s.ReviewDecisionStatusSerializer],
    resource_type_field_name=None,
)


class ReviewDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Customs officers' decisions: in full for the deciding authority, as status for consignee and broker."""

    model = ReviewDecision
    selector = selectors.review_decision_list
    serializer_class = s.ReviewDecisionSerializer
    filterset_class = ReviewDecisionFilterSet
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"create": MemberRole.OPERATOR}
    http_method_names = ["get", "post", "head", "options"]

    def _data(self, decision: ReviewDecision) -> dict[str, Any]:
        full = selectors.review_decision_shows_details(actor=self.actor, decision=decision)
        return s.review_decision_data(decision, full=full)

    @extend_schema(responses={200: _REVIEW_DECISION_VIEW})
    def list(self, request: Request) -> Response:
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([self._data(row) for row in rows])

    @extend_schema(responses={200: _REVIEW_DECISION_VIEW})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._data(self.get_object()))

    @extend_schema(request=s.ReviewDecisionInSerializer, responses={201: s.ReviewDecisionSerializer})
    def create(self, request: Request) -> Response:
        """Record your decision on a consignment, with the current verdict and chain check it was based on."""
        require(self.actor, **reviews.DECIDE)
        data = s.ReviewDecisionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        decision = reviews.review_decision_create(
            actor=self.actor,
            consignment_id=values["consignment"],
            decision=values["decision"],
            reason=values["reason"],
        )
        return Response(self._data(selectors.review_decision_list(actor=self.actor).get(pk=decision.pk)), status=201)
