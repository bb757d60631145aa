"""Sending deliveries: one attempt at a time under a claim, retried with exponential backoff and jitter.

An attempt claims its delivery (compare-and-set on the ledger row, ``apps.core.work``), so two workers
never send it at once; it checks the URL again (the host may now resolve elsewhere), signs the body
afresh (Standard Webhooks: a new timestamp and signature per attempt, the same ``webhook-id``), posts
it, records the attempt, and either finishes the delivery (2xx), schedules the next attempt, or, after
``CORRIDOR_WEBHOOK_MAX_ATTEMPTS``, gives up (dead). The next attempt is announced with its delay
(``WebhookDeliveriesDue``) and enqueued with a countdown; if that message is lost, the sweep finds the
delivery overdue and enqueues it again.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core import work
from apps.core.domain_events import publish
from apps.disruptions.choices import DeliveryState
from apps.disruptions.models import WebhookAttempt, WebhookDelivery
from apps.disruptions.webhooks import services, signing, targets, transport

DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)
# The first retry waits up to 30 s, each next one up to twice as long, none more than six hours: with the
# default twelve attempts the last comes 7 to 15 hours after the first, past a receiver's redeployment or
# an overnight outage.
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 60 * 60
_random = secrets.SystemRandom()


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based): exponential, capped, jittered.

    The wait is between half and all of ``RETRY_BASE_SECONDS * 2 ** (attempt - 1)`` (capped), so receivers that
    failed together are not all retried in the same second.
    """
    ceiling = min(RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_CAP_SECONDS)
    return timedelta(seconds=ceiling / 2 + _random.uniform(0, ceiling / 2))


def _due(now: datetime) -> Any:
    return WebhookDelivery.objects.filter(
        state__in=DUE_STATES, next_attempt_at__lte=now, endpoint__is_active=True, endpoint__partner__is_active=True
    )


def webhook_delivery_attempt(*, delivery_id: Any) -> str | None:
    """Make the next attempt at a due delivery; returns its state after, or None when it was not due or not ours.

    Idempotent under repeated messages: a delivery already sent, not yet due, or held by another worker is
    left alone.
    """
    with work.claimed(_due(timezone.now()), delivery_id, stale_after=work.claim_lifetime()) as ours:
        if not ours:
            return None
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
        attempted_at = timezone.now()
        outcome = _send(delivery, attempted_at)
        return _record(delivery, outcome, attempted_at)


def _send(delivery: WebhookDelivery, attempted_at: datetime) -> transport.Outcome:
    endpoint = delivery.endpoint
    try:
        target = services.target_check(endpoint.url)
    except targets.TargetRefused as exc:
        return transport.Outcome(status_code=None, error=str(exc), duration_ms=0)
    body = delivery.body.encode()
    headers = signing.headers(
        services.signing_secrets(endpoint, now=attempted_at),
        message_id=delivery.message_id,
        timestamp=int(attempted_at.timestamp()),
        body=body,
    )
    return transport.post(target, body=body, headers=headers, timeout=settings.CORRIDOR_WEBHOOK_TIMEOUT_SECONDS)


def _record(delivery: WebhookDelivery, outcome: transport.Outcome, attempted_at: datetime) -> str:
    number = delivery.attempt_count + 1
    next_attempt_at = None
    if outcome.succeeded:
        state = DeliveryState.SUCCEEDED
    elif number >= settings.CORRIDOR_WEBHOOK_MAX_ATTEMPTS:
        state = DeliveryState.DEAD
    else:
        state = DeliveryState.FAILED
        next_attempt_at = timezone.now() + retry_delay(number)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=attempted_at,
            status_code=outcome.status_code,
            error=outcome.error[:500],
            duration_ms=outcome.duration_ms,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=state,
            attempt_count=number,
            next_attempt_at=next_attempt_at,
            last_attempt_at=attempted_at,
            last_status_code=outcome.status_code,
            last_error=outcome.error[:500],
            updated_at=timezone.now(),
        )
        if next_attempt_at is not None:
            delay = max((next_attempt_at - timezone.now()).total_seconds(), 0.0)
            publish(services.WebhookDeliveriesDue(delivery_ids=(str(delivery.pk),), delay_seconds=delay))
    return state


def webhook_deliveries_overdue(*, limit: int) -> list[str]:
    """Deliveries a lost message or a dead worker left behind, oldest due first, at most ``limit``.

    A due delivery waits one sweep interval for its own message before the sweep takes it for lost; a
    claim whose heartbeat stopped (``work.claim_lifetime``) belongs to a worker that is gone.
    """
    overdue = work.stale(
        _due(timezone.now()),
        waiting_since="next_attempt_at",
        waited=timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS),
        stale_after=work.claim_lifetime(),
    )
    return [str(pk) for pk in overdue.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]]
