"""Background work of external notices: propagate one after a write, and the beat's refresh and sweep.

Tasks take ids and an optional ``as_of`` (ISO 8601), read the clock only when none is given, and are
idempotent: a second propagation raises nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from apps.core.work import enqueue_all, housekeeping_task, ledger_task
from apps.corridors.notices import propagation

# Live notices are propagated again this often: routes move (consignments leave the place, new ones are booked).
REFRESH_EVERY = timedelta(minutes=15)


def _moment(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else timezone.now()


@ledger_task(time_limit=600)
def notice_propagate(notice_id: str, as_of: str | None = None) -> int:
    """Raise and resolve a notice's alerts as of ``as_of``; how many alerts it raised (0 if another worker has it)."""
    reach = propagation.notice_propagation_run(notice_id=notice_id, as_of=_moment(as_of))
    return 0 if reach is None else sum(reach.result.raised.values())


@housekeeping_task(time_limit=120)
def notices_refresh(as_of: str | None = None) -> int:
    """Beat: re-send notices whose propagation was lost, and re-propagate live ones every ``REFRESH_EVERY``."""
    ids = propagation.notices_to_refresh(as_of=_moment(as_of), every=REFRESH_EVERY)
    return enqueue_all(notice_propagate, (((pk,), {"as_of": as_of}) for pk in ids))
