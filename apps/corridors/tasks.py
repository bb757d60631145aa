"""Background work of the corridors domain: baselines every night, the watch's scan, ETAs and checks after
new events.

Tasks take ids and an optional ``as_of`` (ISO 8601; JSON has no datetimes), read the clock only
when none is given, and are idempotent: a second run stores the same figures and raises nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from apps.core.work import enqueue, enqueue_all, housekeeping_task, ledger_task
from apps.corridors import scan, services
from apps.corridors.models import Corridor


def _moment(value: str | None) -> datetime:
    """An ISO 8601 moment passed to a task, or now (the entry point is the one place that reads the clock)."""
    if not value:
        return timezone.now()
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


@ledger_task(time_limit=1800)
def corridor_baselines_pass(as_of: str | None = None) -> int:
    """Nightly: recompute every active corridor's baselines over its trailing window; how many corridors."""
    return services.baselines_recompute_all(as_of=_moment(as_of))


@ledger_task(time_limit=600)
def corridor_scan(as_of: str | None = None, corridor: str | None = None) -> str:
    """Beat: store a scan of the consignments in transit (one corridor's, by slug, or all) and send its batches.

    The rows are the ledger: a batch whose message is lost is sent again by ``corridor_scan_sweep``.
    """
    chosen = Corridor.objects.get(slug=corridor) if corridor else None
    created = scan.scan_create(as_of=_moment(as_of), corridor=chosen)
    batch_ids = [str(pk) for pk in created.batches.values_list("pk", flat=True)]
    if batch_ids:
        transaction.on_commit(lambda: enqueue_all(corridor_scan_batch, (((pk,), {}) for pk in batch_ids)))
    else:
        scan.scan_finish_if_done(created.pk)
    return str(created.pk)


@ledger_task(time_limit=900)
def corridor_scan_batch(batch_id: str) -> bool:
    """Check one batch of a scan under a claim; the worker finishing the last batch finishes the scan."""
    return scan.batch_run(batch_id)


@ledger_task(time_limit=600)
def corridor_scan_finish(scan_id: str) -> bool:
    """Finish a scan whose batches are all done (congestion per node, totals), once."""
    return scan.scan_finish_if_done(scan_id)


@ledger_task(time_limit=300)
def consignments_watch(consignment_ids: list[str], as_of: str | None = None, committed_at: str | None = None) -> dict:
    """Judge the consignments a new batch of events touched; the next scan repeats it for any lost message.

    ``committed_at``: when the events that triggered this were committed; a consignment judged since is skipped.
    """
    return scan.consignments_check(
        consignment_ids=consignment_ids,
        as_of=_moment(as_of),
        fresh_since=datetime.fromisoformat(committed_at) if committed_at else None,
    )


@housekeeping_task(time_limit=120)
def corridor_scan_sweep() -> int:
    """Re-send batches a lost message or a dead worker left, finish scans left unfinished, purge old scans."""
    sent = enqueue_all(corridor_scan_batch, (((str(pk),), {}) for pk in scan.batches_to_resend()))
    for scan_id in scan.scans_to_finish():
        if enqueue(corridor_scan_finish, str(scan_id)):
            sent += 1
    scan.scans_purge(now=timezone.now())
    return sent


# External notices keep their tasks in their own module; imported here so workers register them.
from apps.corridors.notices.tasks import notice_propagate, notices_refresh  # noqa: E402, F401
