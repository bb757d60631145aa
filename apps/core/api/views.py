"""The audit log API: a partner's admins read their own partner's records; staff read all."""

from __future__ import annotations

from rest_framework import mixins

from apps.core.api.base import ScopedViewSet
from apps.core.api.serializers import AuditEventSerializer
from apps.core.filters import AuditEventFilterSet
from apps.core.models import ROLE_ADMIN, AuditEvent
from apps.core.selectors import audit_event_list


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Who did what, for which partner, to which object, when, newest first."""

    model = AuditEvent
    selector = audit_event_list
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    keyset_ordering = ("-occurred_at", "-id")
    action_roles = {"list": ROLE_ADMIN, "retrieve": ROLE_ADMIN}
