"""``/api/v1/notices/``: staff enter, edit, end and import external notices; partners read those that reached them.

The body of a create or an edit is checked by the service (unknown fields, kinds, places, voyages, the
window), so a refusal names the field whatever the way in (API, CSV, admin).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.base import ScopedViewSet
from apps.core.errors import ApplicationError
from apps.corridors.notices import selectors, services
from apps.corridors.notices.models import Notice, NoticeKind, NoticeSource


class NoticeSerializer(serializers.ModelSerializer):
    voyage = serializers.CharField(read_only=True, help_text="IMO/voyage, or the voyage alone")
    created_by = serializers.CharField(source="created_by_label", read_only=True)
    propagation = serializers.SerializerMethodField(help_text="Pending or not, and what the last run reached")

    class Meta:
        model = Notice
        fields = [
            "id",
            "key",
            "kind",
            "title",
            "description",
            "place",
            "voyage",
            "starts_at",
            "ends_at",
            "ended_at",
            "source",
            "origin",
            "created_by",
            "created_at",
            "updated_at",
            "propagation",
        ]
        read_only_fields = fields

    def get_propagation(self, notice: Notice) -> dict[str, Any]:
        return {
            "pending": notice.propagation_due_at is not None,
            "propagated_at": notice.propagated_at.isoformat() if notice.propagated_at else None,
            "reach": notice.reach,
        }


class NoticeInSerializer(serializers.Serializer):
    """A notice as JSON (the schema; the service checks it)."""

    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True, help_text="UN/LOCODE")
    voyage = serializers.CharField(required=False, allow_blank=True, help_text="IMO/voyage or the voyage")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    source = serializers.CharField(max_length=300)


class NoticeFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices)
    place = django_filters.CharFilter(lookup_expr="iexact")
    voyage_number = django_filters.CharFilter()

    class Meta:
        model = Notice
        fields = ["kind", "place", "voyage_number"]


def _object(data: Any, field: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApplicationError("Send a JSON object.", field=field or None)
    return data


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """External notices: staff write them; partners read the ones that reached them (through their alerts)."""

    model = Notice
    selector = selectors.notice_list
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    keyset_ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def staff_only(self) -> bool:
        """Every write is for staff (``RolePermission`` refuses others, 403, before the body is read)."""
        return self.action in ("create", "partial_update", "end", "import_notices")

    @extend_schema(request=NoticeInSerializer, responses={201: NoticeSerializer})
    def create(self, request: Request) -> Response:
        """Enter one notice; its alerts follow once it is propagated (after commit, by a worker)."""
        notice = services.notice_create(actor=self.actor, values=_object(request.data), origin=NoticeSource.API)
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoticeInSerializer(partial=True), responses={200: NoticeSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change what a notice says, its place, voyage or window; alerts that no longer hold resolve."""
        notice = services.notice_update(actor=self.actor, notice=self.get_object(), values=_object(request.data))
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the notice now, or at ``{"at": ISO 8601}``; its alerts resolve."""
        body = _object(request.data or {})
        unknown = sorted(set(body) - {"at"})
        if unknown:
            raise ApplicationError(f"Unknown field '{unknown[0]}'.", field=unknown[0])
        at = services.parse_moment(body.get("at"), "at", "at") or timezone.now()
        notice = services.notice_end(actor=self.actor, notice=self.get_object(), at=at)
        return Response(NoticeSerializer(notice).data)

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        responses={201: NoticeSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_notices(self, request: Request) -> Response:
        """Import notices, all or none: a CSV file (multipart field ``file``) or ``{"notices": [...]}``."""
        upload = request.FILES.get("file")
        if upload is not None:
            notices = services.notices_import_csv(actor=self.actor, data=upload.read())
        else:
            body = _object(request.data)
            unknown = sorted(set(body) - {"notices"})
            if unknown:
                raise ApplicationError(f"Unknown field '{unknown[0]}'.", field=unknown[0])
            rows = body.get("notices")
            if not isinstance(rows, list):
                raise ApplicationError("Send a CSV file (field 'file') or a list of notices.", field="notices")
            notices = services.notices_import(actor=self.actor, rows=rows, origin=NoticeSource.API, where="notices")
        return Response(NoticeSerializer(notices, many=True).data, status=status.HTTP_201_CREATED)
