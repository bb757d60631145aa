"""Partners, memberships, API tokens and "who am I": thin views over selectors and services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.base import ScopedViewSet
from apps.core.errors import ApplicationError, NotFoundError
from apps.partners import selectors, services
from apps.partners.access import Actor, actor_for_request, user_memberships
from apps.partners.api import serializers as s
from apps.partners.choices import MemberRole
from apps.partners.models import ApiToken, Membership, Partner


def _target_partner(actor: Actor, slug: str | None) -> Partner:
    """The partner named in the body (looked up among those the actor can see) or the acting one."""
    if slug:
        partner = selectors.partner_list(actor=actor).filter(slug=slug).first()
        if partner is None:
            raise NotFoundError(f"No partner '{slug}' visible to you.", field="partner")
        return partner
    if actor.partner is None:
        raise ApplicationError("Say which partner: you do not act for one.", field="partner")
    return actor.partner


class PartnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Organisations: members see their own partner; staff see and register all."""

    model = Partner
    selector = selectors.partner_list
    serializer_class = s.PartnerSerializer
    lookup_field = "slug"
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"partial_update": MemberRole.ADMIN}
    filterset_fields = ["country", "is_active", "is_demo"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.PartnerCreateSerializer, responses={201: s.PartnerSerializer})
    def create(self, request: Request) -> Response:
        data = s.PartnerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_create(actor=self.actor, **data.validated_data)
        return Response(s.PartnerSerializer(partner).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PartnerUpdateSerializer, responses={200: s.PartnerSerializer})
    def partial_update(self, request: Request, slug: str) -> Response:
        partner = self.get_object()
        data = s.PartnerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_update(actor=self.actor, partner=partner, **data.validated_data)
        return Response(s.PartnerSerializer(partner).data)


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Users acting for a partner and their roles; a partner's admins manage them."""

    model = Membership
    selector = selectors.membership_list
    serializer_class = s.MembershipSerializer
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"create": MemberRole.ADMIN, "partial_update": MemberRole.ADMIN, "destroy": MemberRole.ADMIN}
    filterset_fields = ["role"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(request=s.MembershipCreateSerializer, responses={201: s.MembershipSerializer})
    def create(self, request: Request) -> Response:
        data = s.MembershipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = _target_partner(self.actor, data.validated_data.get("partner"))
        user = get_user_model().objects.filter(username=data.validated_data["username"], is_active=True).first()
        if user is None:
            raise ApplicationError("No active user with this username.", field="username")
        membership = services.membership_create(
            actor=self.actor, partner=partner, user=user, role=data.validated_data["role"]
        )
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MembershipUpdateSerializer, responses={200: s.MembershipSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        membership = self.get_object()
        data = s.MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_update(actor=self.actor, membership=membership, **data.validated_data)
        return Response(s.MembershipSerializer(membership).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.membership_delete(actor=self.actor, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """A partner's machine credentials; created and revoked by its admins (or staff)."""

    model = ApiToken
    selector = selectors.api_token_list
    serializer_class = s.ApiTokenSerializer
    keyset_ordering = ("-created_at", "-id")
    action_roles = {
        "list": MemberRole.ADMIN,
        "retrieve": MemberRole.ADMIN,
        "create": MemberRole.ADMIN,
        "revoke": MemberRole.ADMIN,
    }
    filterset_fields = ["scope"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=s.ApiTokenCreateSerializer, responses={201: s.ApiTokenCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = s.ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = _target_partner(self.actor, data.validated_data.pop("partner", None))
        token, raw = services.api_token_create(actor=self.actor, partner=partner, **data.validated_data)
        token.token = raw
        response = Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses={200: s.ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        token = services.api_token_revoke(actor=self.actor, token=self.get_object())
        return Response(s.ApiTokenSerializer(token).data)


class MeView(APIView):
    """Who the caller is acting as: user or token, partner, role, scope and memberships."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request: Request) -> Response:
        actor = actor_for_request(request)
        user = actor.user if getattr(actor.user, "pk", None) else None
        memberships = list(user_memberships(user)) if user is not None else []
        body = {
            "username": actor.label,
            "is_staff": actor.is_staff,
            "partner": actor.partner,
            "role": actor.role,
            "scope": actor.scope,
            "token_prefix": actor.token_prefix,
            "memberships": memberships,
        }
        return Response(s.MeSerializer(body).data)
