"""Background work of the corridors domain: baselines every night, ETAs after new events.

Tasks take ids and an optional ``as_of`` (ISO 8601; JSON has no datetimes), read the clock only
when none is given, and are idempotent: a second run stores the same figures.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.core.work import ledger_task
from apps.corridors import services


def _moment(value: str | None) -> datetime:
    """An ISO 8601 moment passed to a task, or now (the entry point is the one place that reads the clock)."""
    return datetime.fromisoformat(value) if value else timezone.now()


@ledger_task(time_limit=1800)
def corridor_baselines_pass(as_of: str | None = None) -> int:
    """Nightly: recompute every active corridor's baselines over its trailing window; how many corridors."""
    return services.baselines_recompute_all(as_of=_moment(as_of))


@ledger_task(time_limit=300)
def consignment_eta_refresh(
    consignment_ids: list[str], as_of: str | None = None, committed_at: str | None = None
) -> int:
    """Recompute the ETAs of consignments that just gained events; the scan repeats it for any lost message.

    ``committed_at``: when the events that triggered this were committed; an ETA computed since is kept.
    """
    return services.eta_refresh(
        consignment_ids=consignment_ids,
        as_of=_moment(as_of),
        fresh_since=datetime.fromisoformat(committed_at) if committed_at else None,
    )
