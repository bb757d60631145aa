"""What the corridors domain does when lower layers announce something (subscribed in ``apps.CorridorsConfig``)."""

from __future__ import annotations

from django.utils import timezone

from apps.core.domain_events import EventsLinked, EventsRecorded
from apps.corridors.tasks import consignment_eta_refresh


def eta_refresh_enqueue(event: EventsRecorded | EventsLinked) -> None:
    """After commit: one task per batch of events recomputes the ETAs of the consignments they link to.

    The task is told when the batch was committed, so a backlog of batches for the same consignments
    costs one computation: an ETA computed after that moment already saw the batch.
    """
    if event.consignment_ids:
        consignment_eta_refresh.delay(
            consignment_ids=sorted(event.consignment_ids), committed_at=timezone.now().isoformat()
        )
