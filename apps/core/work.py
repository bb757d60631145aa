"""Background work, one model (DESIGN §10: the database is the ledger, the broker only a doorbell).

Every Celery task of the project is declared with one of two decorators, which fix its retry policy
and give it a soft time limit derived from its hard one:

- ``ledger_task`` for work the database records as pending until it is done (a capture job, a trust
  re-evaluation, an event without its credential, a daily pass): acknowledged only once it ran, and
  retried with backoff and jitter while the database is briefly unavailable;
- ``housekeeping_task`` for sweeps, pings and purges, which the next beat repeats anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError

# Errors a retry can cure: a dropped connection, a failover, a locked SQLite file.
TRANSIENT_ERRORS = (OperationalError,)
# Exponential backoff from 1 s (jittered, capped at Celery's 600 s): eight retries ride out about four
# minutes of database trouble; after that the row stays pending in its ledger and a sweep brings it back.
LEDGER_MAX_RETRIES = 8
# A sweep or ping that keeps failing is simply run again by the next beat.
HOUSEKEEPING_MAX_RETRIES = 3


def soft_limit(hard: int) -> int:
    """The soft time limit for a hard one: a tenth earlier (5 s to a minute) to roll back and release claims."""
    if hard < 10:
        raise ValueError(f"a hard time limit of {hard} s leaves no room for a soft one; give at least 10 s")
    return hard - min(max(hard // 10, 5), 60)


def _task(*, retries: int, acks_late: bool, time_limit: int, options: dict[str, Any]) -> Callable[..., Any]:
    return shared_task(
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=True,
        retry_jitter=True,
        max_retries=retries,
        acks_late=acks_late,
        time_limit=time_limit,
        soft_time_limit=soft_limit(time_limit),
        **options,
    )


def ledger_task(*, time_limit: int, claim_stale_setting: str | None = None, **options: Any) -> Callable[..., Any]:
    """Declare a task that works ledger rows: late acknowledgement, ``LEDGER_MAX_RETRIES`` retries.

    ``claim_stale_setting`` names the setting (seconds) after which a claim on the rows this task works
    is stale; it must outlast ``time_limit``, or a second worker could take a row the first still runs,
    so a shorter one is refused when the task is declared (the worker does not start).
    """
    if claim_stale_setting is not None:
        stale_seconds = getattr(settings, claim_stale_setting)
        if stale_seconds <= time_limit:
            raise ImproperlyConfigured(
                f"{claim_stale_setting} ({stale_seconds} s) must be longer than the hard time limit "
                f"({time_limit} s) of the task that works those rows"
            )
        options["claim_stale_setting"] = claim_stale_setting
    return _task(retries=LEDGER_MAX_RETRIES, acks_late=True, time_limit=time_limit, options=options)


def housekeeping_task(*, time_limit: int, **options: Any) -> Callable[..., Any]:
    """Declare a sweep, ping or purge: acknowledged on receipt, ``HOUSEKEEPING_MAX_RETRIES`` retries."""
    return _task(retries=HOUSEKEEPING_MAX_RETRIES, acks_late=False, time_limit=time_limit, options=options)


def hard_limit(task: Any) -> int:
    """A task's hard time limit in seconds: its own, or the global ``CELERY_TASK_TIME_LIMIT``."""
    return task.time_limit if task.time_limit is not None else task.app.conf.task_time_limit
