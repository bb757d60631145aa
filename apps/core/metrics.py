"""Counters of rare events an operator should see (a fast path falling back), per process and summed.

A process counts in memory: :func:`increment` costs a lock and an addition, so hot paths may call it.
:func:`flush` adds what the process counted since its last flush to the ``MetricCounter`` rows (one
upsert per name that moved, nothing when none did); a Celery worker flushes after every task
(``CoreConfig.ready``) and logs what moved. ``/healthz`` shows the stored totals plus what the
answering process has not flushed yet. Django is imported only where the database is needed, so
pure modules may count.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

__all__ = ["flush", "flush_after_task", "increment", "process_counts", "totals"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_process: Counter[str] = Counter()
_unflushed: Counter[str] = Counter()


def increment(name: str, amount: int = 1) -> int:
    """Count ``amount`` more of ``name`` in this process; returns the process's total so far."""
    with _lock:
        _process[name] += amount
        _unflushed[name] += amount
        return _process[name]


def process_counts() -> dict[str, int]:
    """What this process has counted since it started."""
    with _lock:
        return dict(_process)


def flush() -> dict[str, int]:
    """Add the counts not yet stored to the database; returns them (empty when nothing moved).

    A database error keeps them for the next flush.
    """
    with _lock:
        pending = {name: amount for name, amount in _unflushed.items() if amount}
        _unflushed.clear()
    if not pending:
        return {}
    # Here, not at the top: pure modules import this one to count, without Django set up.
    from django.db import DatabaseError, IntegrityError, transaction  # noqa: PLC0415
    from django.db.models import F  # noqa: PLC0415

    from apps.core.models import MetricCounter  # noqa: PLC0415

    try:
        for name, amount in pending.items():
            if MetricCounter.objects.filter(name=name).update(value=F("value") + amount):
                continue
            try:
                with transaction.atomic():
                    MetricCounter.objects.create(name=name, value=amount)
            except IntegrityError:  # another process created it first
                MetricCounter.objects.filter(name=name).update(value=F("value") + amount)
    except DatabaseError:
        logger.exception("metrics: the counters could not be stored; kept for the next flush")
        with _lock:
            _unflushed.update(pending)
        return {}
    return pending


def totals() -> dict[str, int]:
    """Every counter: the stored totals of all processes plus this process's unflushed counts."""
    from apps.core.models import MetricCounter  # noqa: PLC0415 - see flush()

    counts = Counter(dict(MetricCounter.objects.values_list("name", "value")))
    with _lock:
        counts.update(_unflushed)
    return dict(sorted(counts.items()))


def flush_after_task(sender: Any = None, **kwargs: Any) -> None:
    """Celery ``task_postrun`` receiver: store what the task counted, and say so in the worker's log."""
    moved = flush()
    if moved:
        process = process_counts()
        logger.warning(
            "metrics after %s: %s",
            getattr(sender, "name", sender),
            ", ".join(f"{name} +{amount} ({process.get(name, 0)} in this process)" for name, amount in moved.items()),
        )
