"""The credentials API: credentials and keys on the /api/v1/ router, consignments' chains and
presentations, credentials served as their signed bytes, and the VC API (issue, verify, status).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.base import ScopedViewSet
from apps.core.api.permissions import RolePermission
from apps.core.errors import ApplicationError, NotFoundError
from apps.credentials import selectors, vcdm, verification
from apps.credentials.api.serializers import CredentialSerializer, KeySerializer
from apps.credentials.models import Credential, PartnerKey
from apps.credentials.services.identifiers import credential_url
from apps.credentials.services.keys import partner_key_revoke, partner_key_rotate
from apps.credentials.services.presentations import presentation_build
from apps.credentials.services.status import credential_status_set
from apps.credentials.services.vc_api import credential_issue_api
from apps.partners.access import actor_for_request
from apps.partners.choices import MemberRole
from apps.shipments.selectors import consignment_list


class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Credentials the caller issued or whose events it may see; the issuer revokes and suspends."""

    model = Credential
    selector = selectors.credential_list
    serializer_class = CredentialSerializer
    keyset_ordering = ("-issued_at", "-id")
    action_roles = {"revoke": MemberRole.OPERATOR, "suspend": MemberRole.OPERATOR, "unsuspend": MemberRole.OPERATOR}
    http_method_names = ["get", "post", "head", "options"]

    def _status(self, purpose: str, value: bool) -> Response:
        credential = credential_status_set(actor=self.actor, credential=self.get_object(), purpose=purpose, value=value)
        return Response(CredentialSerializer(credential).data)

    @extend_schema(request=None, responses={200: CredentialSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        return self._status("revocation", True)

    @extend_schema(request=None, responses={200: CredentialSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        return self._status("suspension", True)

    @extend_schema(request=None, responses={200: CredentialSerializer})
    @action(detail=True, methods=["post"])
    def unsuspend(self, request: Request, pk: str) -> Response:
        return self._status("suspension", False)


class CredentialDocumentView(APIView):
    """``GET /credentials/{id}``: exactly the signed bytes (the next step's digest is over them)."""

    permission_classes = [RolePermission]

    @extend_schema(responses={(200, vcdm.MEDIA_TYPE): OpenApiTypes.OBJECT})
    def get(self, request: Request, credential_id: str) -> HttpResponse:
        credential = selectors.credential_list(actor=actor_for_request(request)).filter(pk=credential_id).first()
        if credential is None:
            raise Http404("Not found, or not visible to you.")
        response = HttpResponse(bytes(credential.document), content_type=vcdm.MEDIA_TYPE)
        # Saved from a browser, the document keeps a name that says what it is.
        response["Content-Disposition"] = f'inline; filename="credential-{credential.pk}.json"'
        return response


def chain_body(consignment: Any) -> list[dict[str, Any]]:
    return [
        {
            "position": entry.position,
            "credential": credential_url(entry.credential_id),
            "issuer": entry.credential.issuer.slug,
            "event_id": entry.credential.event.event_id if entry.credential.event else None,
            "issued_at": entry.credential.issued_at.isoformat(),
            "digest_multibase": entry.credential.digest_multibase,
            "previous": credential_url(entry.previous_id) if entry.previous_id else None,
            "revoked": entry.credential.revoked_at is not None,
            "suspended": entry.credential.suspended,
        }
        for entry in selectors.consignment_chain(consignment=consignment)
    ]


class ConsignmentCredentialsView(APIView):
    """``GET /api/v1/consignments/{id}/credentials/``: the chain, in order."""

    permission_classes = [RolePermission]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: str) -> Response:
        consignment = get_object_or_404(consignment_list(actor=actor_for_request(request)), pk=pk)
        return Response({"consignment": str(consignment.pk), "chain": chain_body(consignment)})


class ConsignmentPresentationView(APIView):
    """``GET /api/v1/consignments/{id}/presentation/``: the chain as a Verifiable Presentation."""

    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[OpenApiParameter("challenge", OpenApiTypes.STR), OpenApiParameter("domain", OpenApiTypes.STR)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: str) -> Response:
        actor = actor_for_request(request)
        consignment = get_object_or_404(consignment_list(actor=actor), pk=pk)
        presentation = presentation_build(
            actor=actor,
            consignment=consignment,
            challenge=request.query_params.get("challenge") or None,
            domain=request.query_params.get("domain") or None,
        )
        return Response(
            presentation,
            content_type="application/vp",
            headers={"Content-Disposition": f'inline; filename="consignment-{consignment.pk}-chain.json"'},
        )


def _object_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; any other body (an array, a string, nothing) is a 400 naming it."""
    if not isinstance(request.data, dict):
        raise ApplicationError("The request body must be a JSON object.")
    return request.data


class VerifyCredentialView(APIView):
    """VC API ``POST /credentials/verify``: anyone may verify; the answer names every check."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}  # checked as a structure problem
        options = _options(body)
        outcome = verification.credential_verify(
            body.get("verifiableCredential"),
            expected_purpose=_text(options.get("expectedProofPurpose")) or "assertionMethod",
            challenge=_text(options.get("challenge")),
            domain=_text(options.get("domain")),
        )
        return Response(outcome.as_vc_api(), status=200 if outcome.verified else 400)


def _options(body: dict[str, Any]) -> dict[str, Any]:
    return body["options"] if isinstance(body.get("options"), dict) else {}


def _text(value: Any) -> str | None:
    """An option that must be a string; anything else is passed on as its JSON text so it cannot match."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


class VerifyPresentationView(APIView):
    """VC API ``POST /presentations/verify``."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}  # checked as a structure problem
        options = _options(body)
        outcome = verification.presentation_verify(
            body.get("verifiablePresentation"),
            challenge=_text(options.get("challenge")),
            domain=_text(options.get("domain")),
            allow_unsigned=options.get("unsignedPresentation") is True,
        )
        return Response(outcome.as_vc_api(), status=200 if outcome.verified else 400)


class IssueCredentialView(APIView):
    """VC API ``POST /credentials/issue``: sign a credential as the caller's partner (201)."""

    permission_classes = [RolePermission]
    action_roles = {"post": MemberRole.OPERATOR}

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        body = _object_body(request)
        credential = credential_issue_api(
            actor=actor_for_request(request), credential=body.get("credential"), options=body.get("options")
        )
        return Response({"verifiableCredential": json.loads(bytes(credential.document))}, status=201)


class CredentialStatusView(APIView):
    """VC API ``POST /credentials/status``: set or clear a status bit of a credential you issued."""

    permission_classes = [RolePermission]
    action_roles = {"post": MemberRole.OPERATOR}

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        """``status`` defaults to true: a request naming a credential and a purpose sets that status."""
        body = _object_body(request)
        status_field = body.get("credentialStatus") if isinstance(body.get("credentialStatus"), dict) else {}
        value = body.get("status", True)
        if not isinstance(value, bool):
            raise ApplicationError("status must be true or false.", field="status")
        actor = actor_for_request(request)
        credential_id = body.get("credentialId")
        credential = (
            selectors.credential_by_reference(actor=actor, reference=credential_id)
            if isinstance(credential_id, str)
            else None
        )
        if credential is None:
            raise NotFoundError("No such credential visible to you.", field="credentialId")
        credential_status_set(
            actor=actor, credential=credential, purpose=status_field.get("statusPurpose", ""), value=value
        )
        return Response(
            {"credentialId": credential_id, "statusPurpose": status_field.get("statusPurpose"), "status": value}
        )


class StatusListPublishView(APIView):
    """``POST /credentials/status/{list}/publish``: 204 once the list as served is current.

    Corridor serves each status list from the database, signed on request, so a status set through
    ``/credentials/status`` is published at once; this answers the VC API's explicit publication step
    for the list's issuer.
    """

    permission_classes = [RolePermission]
    action_roles = {"post": MemberRole.OPERATOR}

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, list_id: str) -> Response:
        selectors.status_list_of_issuer(actor=actor_for_request(request), list_id=list_id)
        return Response(status=204)


class PartnerKeyViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The acting partner's signing keys (public halves only); its admins rotate and revoke them."""

    model = PartnerKey
    selector = selectors.partner_key_list
    serializer_class = KeySerializer
    keyset_ordering = ("-created_at", "-id")
    action_roles = {"rotate": MemberRole.ADMIN, "revoke": MemberRole.ADMIN}
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=None, responses={201: KeySerializer})
    @action(detail=False, methods=["post"])
    def rotate(self, request: Request) -> Response:
        if self.actor.partner is None:
            raise ApplicationError("Say which partner's key to rotate (X-Corridor-Partner).", field="partner")
        key = partner_key_rotate(actor=self.actor, partner=self.actor.partner)
        return Response(KeySerializer(key).data, status=201)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: KeySerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        key = partner_key_revoke(actor=self.actor, key=self.get_object(), reason=str(reason))
        return Response(KeySerializer(key).data)
