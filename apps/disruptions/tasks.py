"""Background work of the disruptions domain: sending webhook deliveries, and sweeping up lost ones.

Tasks take ids, are idempotent (a delivery is claimed before it is sent) and retry with backoff when the
database is briefly unavailable; a receiver that fails is retried through the delivery's own schedule.
"""

from __future__ import annotations

from apps.core.work import enqueue_all, housekeeping_task, ledger_task
from apps.disruptions.webhooks import delivery, services

# Longest a webhook attempt may take: the HTTP timeout (at most 60 s, CORRIDOR_WEBHOOK_TIMEOUT_SECONDS)
# per socket wait, name resolution, and recording the attempt.
DELIVER_TIME_LIMIT = 150


@ledger_task(time_limit=DELIVER_TIME_LIMIT)
def webhook_deliver(delivery_id: str) -> str | None:
    """Make the next attempt at one webhook delivery; its state after, or None if it was not due."""
    return delivery.webhook_delivery_attempt(delivery_id=delivery_id)


@housekeeping_task(time_limit=120)
def webhook_deliveries_sweep() -> int:
    """Re-enqueue deliveries a lost message or a dead worker left due."""
    overdue = delivery.webhook_deliveries_overdue(limit=services.ENQUEUE_AT_ONCE)
    return enqueue_all(webhook_deliver, (((delivery_id,), {}) for delivery_id in overdue))
