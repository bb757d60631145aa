"""What the corridors domain does when lower layers announce something (subscribed in ``apps.CorridorsConfig``)."""

from __future__ import annotations

from django.utils import timezone

from apps.core.domain_events import EventsLinked, EventsRecorded
from apps.core.work import enqueue
from apps.corridors.tasks import consignments_watch


def watch_enqueue(event: EventsRecorded | EventsLinked) -> None:
    """After commit: one task per batch of events runs the detectors over the consignments they link to
    (a late arrival resolves its ``overdue``, an impossible move is flagged at once) and recomputes their
    ETAs from the same reading; if the message is lost, the next scan does both anyway.

    The task is told when the batch was committed, so a backlog of batches for the same consignments costs
    one judgement: a consignment judged after that moment already saw the batch (``ConsignmentWatch``).
    """
    if event.consignment_ids:
        enqueue(
            consignments_watch,
            consignment_ids=sorted(event.consignment_ids),
            committed_at=timezone.now().isoformat(),
        )
