"""Writes of the core app: the audit record every other service calls, and worker heartbeats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from apps.core.context import current_request_id
from apps.core.models import AuditEvent, WorkerHeartbeat
from apps.core.words import text_data


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    partner: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Record one write; call it inside the service's transaction so the write and its record agree.

    ``partner`` is on whose behalf the write happened: the acting partner by default, or the
    partner the object belongs to when staff act on a partner's data. A write that is not one
    model row (an event batch) names its object with ``object_type``/``object_id``/``object_repr``.
    """
    if target is not None:
        object_type, object_id, object_repr = target._meta.label_lower, str(target.pk), str(target)
    record = _audit_event(
        actor=actor,
        action=action,
        partner=partner,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
    )
    record.save(force_insert=True)
    return record


def audit_record_many(*, actor: Any, action: str, records: Iterable[Mapping[str, Any]]) -> list[AuditEvent]:
    """Record one write per partner of a batch in one insert (a scan alerting many partners at once).

    Each of ``records`` gives ``partner``, ``object_type``, ``object_id``, ``object_repr`` and ``changes``,
    as ``audit_record`` takes them.
    """
    rows = [_audit_event(actor=actor, action=action, **record) for record in records]
    return AuditEvent.objects.bulk_create(rows, batch_size=500)


def _audit_event(
    *,
    actor: Any,
    action: str,
    partner: Any,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: dict[str, Any] | None,
) -> AuditEvent:
    on_behalf_of = partner if partner is not None else getattr(actor, "partner", None)
    actor_label = getattr(actor, "label", "system")
    wording = {
        key: data for key, text in (("actor", actor_label), ("object", object_repr)) if (data := text_data(text))
    }
    return AuditEvent(
        occurred_at=timezone.now(),
        actor_user=getattr(actor, "user", None),
        actor_label=actor_label,
        actor_token_prefix=getattr(actor, "token_prefix", "") or "",
        partner=on_behalf_of,
        action=action,
        object_type=object_type,
        object_id=object_id[:100],
        object_repr=object_repr[:300],
        changes=changes or {},
        wording=wording,
        request_id=current_request_id(),
    )


def worker_heartbeat_record(*, hostname: str, nonce: str = "") -> WorkerHeartbeat:
    """A worker ran a task just now; an upsert by hostname, so repeating it is harmless."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:255], defaults={"seen_at": timezone.now(), "last_nonce": nonce[:64]}
    )
    return heartbeat


def broker_purge_delivered(*, broker_url: str) -> int:
    """Delete messages the embedded SQLAlchemy broker has already delivered (it keeps them forever).

    Other brokers clean up after themselves, so this does nothing for them.
    """
    if not broker_url.startswith("sqla+"):
        return 0
    import sqlalchemy  # noqa: PLC0415 - only the embedded broker needs it, and it takes 0.25 s to import

    engine = sqlalchemy.create_engine(broker_url.removeprefix("sqla+"))
    try:
        with engine.begin() as connection:
            if not sqlalchemy.inspect(connection).has_table("kombu_message"):
                return 0
            result = connection.execute(sqlalchemy.text("DELETE FROM kombu_message WHERE visible = :no"), {"no": False})
            return result.rowcount or 0
    finally:
        engine.dispose()
