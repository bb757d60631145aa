"""What disruptions does when something is announced (subscribed in ``DisruptionsConfig.ready``)."""

from __future__ import annotations

from apps.core.domain_events import EventsLinked, EventsRecorded
from apps.disruptions import tasks
from apps.disruptions.webhooks import services as webhooks
from apps.disruptions.webhooks.services import WebhookDeliveriesDue


def consignment_event_messages_record(event: EventsRecorded | EventsLinked) -> None:
    """In the recording transaction: a message about new events exists exactly when the events do."""
    webhooks.consignment_event_messages_record(event)


def webhook_deliveries_enqueue(event: WebhookDeliveriesDue) -> None:
    """After commit: one sending task per delivery, after its delay (a retry's backoff)."""
    for delivery_id in event.delivery_ids:
        tasks.webhook_deliver.apply_async((delivery_id,), countdown=event.delay_seconds or None)
