"""Writes of webhooks: partners' endpoints and their secrets, and the messages recorded for them.

Messages are recorded as ``WebhookDelivery`` rows inside the transaction of the change they announce (an
alert raised or resolved, events recorded), so a message exists exactly when its change committed. They
are announced (``WebhookDeliveriesDue``), and the app's subscriber enqueues the sending task after commit;
the sweep sends whatever a lost message left behind (``apps.disruptions.webhooks.delivery``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.core.domain_events import DomainEvent, EventsLinked, EventsRecorded, publish
from apps.core.errors import ConflictError
from apps.core.sealing import seal, unseal
from apps.core.services import audit_record
from apps.disruptions import selectors as alert_selectors
from apps.disruptions.api.serializers import AlertSerializer
from apps.disruptions.choices import AlertKind, DeliveryState, WebhookMessageType
from apps.disruptions.models import Alert, WebhookDelivery, WebhookEndpoint
from apps.disruptions.webhooks import selectors, signing, targets
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner

# The sealing purpose (a key derivation label), not a secret.
SECRET_PURPOSE = "webhook-secrets"  # noqa: S105
# After a rotation the old secret signs too, this long, so the receiver can switch without losing a message.
ROTATION_OVERLAP = timedelta(hours=24)
# Tasks enqueued at once for the messages of one change; the sweep sends the rest (DESIGN §9: the
# embedded broker takes a few hundred tasks a second, so a scan raising thousands must not wait on it).
ENQUEUE_AT_ONCE = 500
MANAGE = {"role": MemberRole.ADMIN, "write": True, "to": "manage its webhooks"}


# --- Endpoints and secrets ------------------------------------------------------------------------


def _seal_secret(endpoint_id: Any, secret: str) -> bytes:
    return seal(secret.encode(), purpose=SECRET_PURPOSE, context=f"webhook:{endpoint_id}")


def _unseal_secret(endpoint_id: Any, sealed: bytes) -> str:
    return unseal(sealed, purpose=SECRET_PURPOSE, context=f"webhook:{endpoint_id}").decode()


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a message now: the current one, and the previous one while a rotation overlaps."""
    secrets = [_unseal_secret(endpoint.pk, endpoint.secret_sealed)]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(_unseal_secret(endpoint.pk, endpoint.previous_secret_sealed))
    return secrets


def target_check(url: str) -> targets.Target:
    """``url`` checked against this deployment's rules (https in production; public addresses unless allowed)."""
    return targets.target_check(
        url,
        require_https=settings.CORRIDOR_ENV == "production",
        allow_private=settings.CORRIDOR_WEBHOOKS_ALLOW_PRIVATE,
    )


def _clean(*, url: str | None, alert_kinds: list[str] | None, consignment_events: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if url is not None:
        try:
            target_check(url)
        except targets.TargetRefused as exc:
            errors["url"] = [str(exc)]
    if alert_kinds is not None:
        unknown = sorted(set(alert_kinds) - set(AlertKind.values))
        if unknown:
            errors["alert_kinds"] = [
                f"Unknown alert kind(s): {', '.join(unknown)}; choose from {', '.join(AlertKind.values)}."
            ]
    if not alert_kinds and not consignment_events:
        errors.setdefault("alert_kinds", []).append("Subscribe to at least one alert kind or to consignment events.")
    return errors


def webhook_endpoint_create(
    *,
    actor: Actor,
    partner: Partner,
    url: str,
    alert_kinds: Sequence[str] = (),
    consignment_events: bool = False,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Subscribe ``url`` for a partner; returns the endpoint and its signing secret, which is never shown again."""
    require(actor, **MANAGE, owner=partner)
    kinds = list(dict.fromkeys(alert_kinds))
    errors = _clean(url=url, alert_kinds=kinds, consignment_events=consignment_events)
    if errors:
        raise ValidationError(errors)
    secret = signing.secret_generate()
    endpoint_id = uuid.uuid4()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            id=endpoint_id,
            partner=partner,
            url=url,
            description=description,
            alert_kinds=kinds,
            consignment_events=consignment_events,
            secret_sealed=_seal_secret(endpoint_id, secret),
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="webhook.create",
            target=endpoint,
            partner=partner,
            changes={"url": url, "alert_kinds": kinds, "consignment_events": consignment_events},
        )
    return endpoint, secret


UPDATABLE = ("url", "description", "alert_kinds", "consignment_events", "is_active")


def webhook_endpoint_update(*, actor: Actor, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change an endpoint's URL, description, subscriptions or whether it is active."""
    require(actor, **MANAGE, owner=endpoint.partner)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    if "alert_kinds" in changes:
        changes["alert_kinds"] = list(dict.fromkeys(changes["alert_kinds"]))
    errors = _clean(
        url=changes.get("url"),
        alert_kinds=changes.get("alert_kinds", endpoint.alert_kinds),
        consignment_events=changes.get("consignment_events", endpoint.consignment_events),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="webhook.update",
            target=locked,
            partner=locked.partner,
            changes={name: [before[name], value] for name, value in changes.items() if before[name] != value},
        )
    return locked


def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Unsubscribe: the endpoint goes, with its deliveries (pending ones are not sent)."""
    require(actor, **MANAGE, owner=endpoint.partner)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="webhook.delete",
            target=endpoint,
            partner=endpoint.partner,
            changes={"url": endpoint.url},
        )
        endpoint.delete()


def webhook_secret_rotate(*, actor: Actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned once; the old one keeps signing too for ``ROTATION_OVERLAP``."""
    require(actor, **MANAGE, owner=endpoint.partner)
    secret = signing.secret_generate()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret_sealed = locked.secret_sealed
        locked.previous_secret_until = timezone.now() + ROTATION_OVERLAP
        locked.secret_sealed = _seal_secret(locked.pk, secret)
        locked.save(update_fields=["previous_secret_sealed", "previous_secret_until", "secret_sealed", "updated_at"])
        audit_record(
            actor=actor,
            action="webhook.rotate_secret",
            target=locked,
            partner=locked.partner,
            changes={"previous_secret_until": locked.previous_secret_until.isoformat()},
        )
    return locked, secret


def webhook_delivery_redeliver(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Try a failed or dead delivery again now, under its same ``webhook-id``.

    A dead delivery gets one more attempt (it is dead again if that fails); a failing one is retried at once
    instead of at its scheduled time. A delivery that succeeded or is waiting for its first attempt is a 409.
    """
    require(actor, **MANAGE, owner=delivery.endpoint.partner)
    now = timezone.now()
    with transaction.atomic():
        retried = WebhookDelivery.objects.filter(
            pk=delivery.pk, state__in=(DeliveryState.FAILED, DeliveryState.DEAD)
        ).update(state=DeliveryState.FAILED, next_attempt_at=now, updated_at=now)
        if not retried:
            delivery.refresh_from_db()
            raise ConflictError(
                f"This delivery is {delivery.get_state_display().lower()}; only failed or dead ones are retried.",
                field="state",
            )
        audit_record(
            actor=actor,
            action="webhook.redeliver",
            target=delivery,
            partner=delivery.endpoint.partner,
            changes={"message_id": delivery.message_id, "state_before": delivery.state},
        )
        publish(WebhookDeliveriesDue(delivery_ids=(str(delivery.pk),)))
    delivery.refresh_from_db()
    return delivery


# --- Messages -------------------------------------------------------------------------------------


def _body(message_type: str, data: Any, at: datetime) -> str:
    """The Standard Webhooks payload: ``type``, ``timestamp`` and ``data``."""
    envelope = {"type": message_type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class WebhookDeliveriesDue(DomainEvent):
    """Deliveries are in the ledger, due now or after ``delay_seconds``: the doorbell for the sending task.

    Disruptions' own announcement; its subscriber enqueues the task once the deliveries commit (the
    services do not import the tasks, which import them).
    """

    delivery_ids: tuple[str, ...]
    delay_seconds: float = 0.0


def _record(deliveries: list[WebhookDelivery]) -> int:
    """Store ``deliveries`` (in the caller's transaction) and ring the broker for them once it commits."""
    if not deliveries:
        return 0
    WebhookDelivery.objects.bulk_create(deliveries, batch_size=500)
    publish(WebhookDeliveriesDue(delivery_ids=tuple(str(delivery.pk) for delivery in deliveries[:ENQUEUE_AT_ONCE])))
    return len(deliveries)


def alert_messages_record(*, alerts: Sequence[Alert], message_type: str) -> int:
    """One delivery per alert and active endpoint of its partner subscribed to its kind; returns how many.

    The message's ``data`` is the alert as ``GET /api/v1/alerts/{id}/`` shows it. Costs one query when no
    endpoint listens, and a fixed number per thousand alerts when some do.
    """
    if not alerts:
        return 0
    listening: dict[Any, list[WebhookEndpoint]] = {}
    for endpoint in selectors.active_endpoints(partner_ids={alert.partner_id for alert in alerts}):
        listening.setdefault(endpoint.partner_id, []).append(endpoint)
    wanted = [
        (alert.pk, endpoint)
        for alert in alerts
        for endpoint in listening.get(alert.partner_id, ())
        if alert.kind in endpoint.alert_kinds
    ]
    if not wanted:
        return 0
    now = timezone.now()
    pks = list(dict.fromkeys(pk for pk, _ in wanted))
    documents: dict[str, Any] = {}
    for start in range(0, len(pks), 1000):
        rows = alert_selectors.alerts_with_references(Alert.objects.filter(pk__in=pks[start : start + 1000]))
        documents.update((document["id"], document) for document in AlertSerializer(rows, many=True).data)
    return _record(
        [
            WebhookDelivery(
                endpoint=endpoint,
                message_type=message_type,
                body=_body(message_type, documents[str(pk)], now),
                next_attempt_at=now,
            )
            for pk, endpoint in wanted
        ]
    )


def consignment_event_messages_record(event: EventsRecorded | EventsLinked) -> int:
    """In the transaction that recorded (or linked) events: one delivery per subscribed endpoint and consignment.

    An endpoint hears of a consignment's new events only if its partner may see the consignment. Costs one
    query when no endpoint listens to consignment events.
    """
    if not event.consignment_ids:
        return 0
    endpoints = selectors.consignment_event_endpoints()
    if not endpoints:
        return 0
    visible = {
        partner.pk: selectors.visible_consignment_ids(partner=partner, consignment_ids=event.consignment_ids)
        for partner in {endpoint.partner for endpoint in endpoints}
    }
    seen = set().union(*visible.values())
    if not seen:
        return 0
    consignments, events = selectors.consignment_event_documents(event_ids=event.event_ids, consignment_ids=seen)
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            message_type=WebhookMessageType.CONSIGNMENT_EVENTS,
            body=_body(
                WebhookMessageType.CONSIGNMENT_EVENTS,
                {"consignment": consignments[consignment_id], "events": events[consignment_id]},
                now,
            ),
            next_attempt_at=now,
        )
        for endpoint in endpoints
        for consignment_id in sorted(visible[endpoint.partner_id], key=str)
        if events.get(consignment_id)
    ]
    return _record(deliveries)
