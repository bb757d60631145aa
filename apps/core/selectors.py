"""Reads of the core app, scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.models import AuditEvent, WorkerHeartbeat


def audit_event_list(*, actor: Any) -> QuerySet[AuditEvent]:
    """The audit records the actor may read: its own partner's (admins) or all (staff)."""
    return AuditEvent.objects.visible_to(actor).select_related("partner", "actor_user")


def worker_last_seen() -> dict[str, Any] | None:
    """The most recent worker heartbeat, for the health report; None when no worker has run yet."""
    latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if latest is None:
        return None
    return {
        "hostname": latest.hostname,
        "seen_at": latest.seen_at.isoformat(),
        "age_seconds": round((timezone.now() - latest.seen_at).total_seconds(), 1),
    }
