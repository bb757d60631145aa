"""What the corridors domain does when lower layers announce something (subscribed in ``apps.CorridorsConfig``)."""

from __future__ import annotations

from django.utils import timezone

from apps.core.domain_events import EventsLinked, EventsRecorded
from apps.core.work import enqueue
from apps.corridors.tasks import consignment_eta_refresh, consignments_watch


def eta_refresh_enqueue(event: EventsRecorded | EventsLinked) -> None:
    """After commit: one task per batch of events recomputes the ETAs of the consignments they link to.

    The task is told when the batch was committed, so a backlog of batches for the same consignments
    costs one computation: an ETA computed after that moment already saw the batch.
    """
    if event.consignment_ids:
        consignment_eta_refresh.delay(
            consignment_ids=sorted(event.consignment_ids), committed_at=timezone.now().isoformat()
        )


def watch_enqueue(event: EventsRecorded | EventsLinked) -> None:
    """After commit: one task per batch of events runs the detectors over the consignments they link to
    (a late arrival resolves its ``overdue``, an impossible move is flagged at once); if the message is
    lost, the next scan judges them anyway. Told when the batch was committed, as the ETA refresh is."""
    if event.consignment_ids:
        enqueue(
            consignments_watch,
            consignment_ids=sorted(event.consignment_ids),
            committed_at=timezone.now().isoformat(),
        )
