"""Shared model machinery and the platform-wide records: the audit log and worker heartbeats."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from django.conf import settings
from django.db import models

# The member roles core names, lowest first (``apps.partners.choices.MemberRole`` labels them), and the
# token scope that allows writes.
ROLE_VIEWER = "viewer"
ROLE_OPERATOR = "operator"
ROLE_ADMIN = "admin"
SCOPE_WRITE = "write"


class ActorLike(Protocol):
    """What core needs to know about whoever is acting; ``apps.partners.access.Actor`` is the one kind."""

    @property
    def is_staff(self) -> bool: ...

    @property
    def partner(self) -> Any: ...

    @property
    def scope(self) -> str: ...

    def has_role(self, role: str) -> bool: ...


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which rows an actor may see: the one place access is decided.

    Subclasses say what "belongs to a partner" means in ``for_partner``; staff see everything,
    an actor without a partner sees nothing. Only selectors and the API base view call this.
    """

    def for_partner(self, partner: Any) -> ScopedQuerySet:
        raise NotImplementedError(f"{type(self).__name__} must define for_partner()")

    def visible_to(self, actor: ActorLike) -> ScopedQuerySet:
        if actor.is_staff:
            return self.all()
        if actor.partner is None:
            return self.none()
        return self.for_partner(actor.partner)


class TimestampedModel(models.Model):
    """A row with a public UUID and creation/update times (ids exposed in the API are UUIDs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> AuditEventQuerySet:
        return self.filter(partner=partner)

    def visible_to(self, actor: ActorLike) -> ScopedQuerySet:
        # The log is for a partner's admins (their own records) and platform staff only.
        if not actor.is_staff and not actor.has_role(ROLE_ADMIN):
            return self.none()
        return super().visible_to(actor)


class AuditEvent(models.Model):
    """One write to the platform: who did what, on behalf of which partner, to which object, when.

    Rows are only ever inserted (by ``apps.core.services.audit_record``); nothing updates or
    deletes them, and the admin shows them read-only.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text as well, so the record still says who acted after a user is deleted.
    actor_label = models.CharField(max_length=200)
    actor_token_prefix = models.CharField(max_length=32, blank=True)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    # The actor's label and the object's description as their writer worded them (``apps.core.words.text_data``,
    # under ``actor`` and ``object``), so a page says them in its reader's language; ``actor_label`` and
    # ``object_repr`` keep the English the API and the CSV export give, as it was written.
    wording = models.JSONField(
        default=dict, blank=True, help_text="Actor label and object description as template and arguments"
    )
    request_id = models.CharField(max_length=128, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-occurred_at"], name="audit_partner_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker proved it runs tasks: the database is the ledger, not the broker."""

    hostname = models.CharField(max_length=255, primary_key=True)
    seen_at = models.DateTimeField()
    last_nonce = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class MetricCounter(models.Model):
    """A platform-wide count of a rare event (``apps.core.metrics``), summed over every process."""

    name = models.CharField(max_length=100, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
