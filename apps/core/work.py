"""Background work, one model (DESIGN §10: the database is the ledger, the broker only a doorbell).

Every Celery task of the project is declared with one of two decorators, which fix its retry policy
and give it a soft time limit derived from its hard one:

- ``ledger_task`` for work the database records as pending until it is done (a capture job, a trust
  re-evaluation, an event without its credential, a daily pass): acknowledged only once it ran, and
  retried with backoff for four minutes while the database is unavailable;
- ``housekeeping_task`` for sweeps, pings and purges, which the next beat repeats anyway.

Rows of a ledger (models with ``Claimable``'s fields) are worked under a compare-and-set claim: the
worker whose ``claim`` sets ``claimed_at`` runs the row, any other finds it claimed and leaves it,
and ``release`` gives it back when the run ends, whether it succeeded or failed (``claimed`` does
both around a block). While the block runs, a heartbeat thread refreshes ``claimed_at`` every
``CORRIDOR_CLAIM_HEARTBEAT_SECONDS``; a claim that missed ``CLAIM_MISSED_HEARTBEATS`` heartbeats
belongs to a worker that is gone, however long its job may take, so ``stale`` hands the row to the
beat sweep again within about a minute, as it does a row whose message was lost before any worker
claimed it.

On Redis and RabbitMQ a ledger task's message is acknowledged only once it ran and is rejected
back to the queue when the pool loses the process running it, so the broker hands it to another
worker at once; the sweep is the path when the whole worker dies, and on the embedded broker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, models
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core import metrics

logger = logging.getLogger(__name__)

# Errors a retry can cure: a dropped connection, a failover, a locked SQLite file.
TRANSIENT_ERRORS = (OperationalError,)
# Exponential backoff from 1 s, without jitter, so the budget is sure rather than expected: retries after
# 1, 2, 4 … 128 s ride out 4 minutes 15 s of database trouble (a full jitter may draw all eight near zero,
# so a 10 s outage could exhaust them); after that the row stays pending in its ledger and a sweep
# brings it back. Ledger tasks start apart (one per request or job), so they do not retry in step.
LEDGER_MAX_RETRIES = 8
# A sweep or ping that keeps failing is simply run again by the next beat.
HOUSEKEEPING_MAX_RETRIES = 3
# A claim whose worker missed this many heartbeats in a row is stale: one missed beat (a slow query,
# a blinking database) is not a dead worker, four are.
CLAIM_MISSED_HEARTBEATS = 4


def soft_limit(hard: int) -> int:
    """The soft time limit for a hard one: a tenth earlier (5 s to a minute) to roll back and release claims."""
    if hard < 10:
        raise ValueError(f"a hard time limit of {hard} s leaves no room for a soft one; give at least 10 s")
    return hard - min(max(hard // 10, 5), 60)


def _task(
    *, retries: int, acks_late: bool, jitter: bool, time_limit: int, options: dict[str, Any]
) -> Callable[..., Any]:
    return shared_task(
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=True,
        retry_jitter=jitter,
        max_retries=retries,
        acks_late=acks_late,
        time_limit=time_limit,
        soft_time_limit=soft_limit(time_limit),
        **options,
    )


def ledger_task(*, time_limit: int, **options: Any) -> Callable[..., Any]:
    """Declare a task that works ledger rows: late acknowledgement, rejected back to the queue when its
    worker process is lost, ``LEDGER_MAX_RETRIES`` retries."""
    return _task(
        retries=LEDGER_MAX_RETRIES,
        acks_late=True,
        jitter=False,
        time_limit=time_limit,
        options={"reject_on_worker_lost": True, **options},
    )


def housekeeping_task(*, time_limit: int, **options: Any) -> Callable[..., Any]:
    """Declare a sweep, ping or purge: acknowledged on receipt, ``HOUSEKEEPING_MAX_RETRIES`` retries."""
    return _task(retries=HOUSEKEEPING_MAX_RETRIES, acks_late=False, jitter=True, time_limit=time_limit, options=options)


# Counts every send the broker refused (``apps.core.metrics``); a sweep that sees it moved sends at once.
REFUSED_SENDS = "work.enqueue_refused"


def enqueue(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send ``task``; False, logged, if the broker cannot take it: the ledger still holds the work, so a
    sweep sends it once the broker is back and the caller carries on (a committed request still succeeds).

    The refusal is counted in the database at once (``REFUSED_SENDS``), so the first sweeps after the
    broker's return take the waiting rows for lost without waiting a sweep interval (``doorbell_missed``).
    """
    try:
        task.delay(*args, **kwargs)
    except Exception:  # each transport fails its own way (kombu, redis, SQLAlchemy, a refused socket)
        logger.warning("could not enqueue %s; the sweep will send it", task.name, exc_info=True)
        metrics.increment(REFUSED_SENDS)
        metrics.flush()
        return False
    return True


def doorbell_missed(sweep: str) -> bool:
    """Whether a send was refused since ``sweep`` last asked: then its rows' messages may be lost, however
    recent, and it sends them all. Each sweep keeps the count it last saw (``REFUSED_SENDS`` + ``.seen.`` +
    its name); of two sweeps asking at once, one takes the news (compare and set)."""
    from apps.core.models import MetricCounter  # noqa: PLC0415 - this module defines a model itself

    refused = MetricCounter.objects.filter(name=REFUSED_SENDS).values_list("value", flat=True).first() or 0
    seen_name = f"{REFUSED_SENDS}.seen.{sweep}"
    seen = MetricCounter.objects.filter(name=seen_name).values_list("value", flat=True).first()
    if seen is None:
        # First ask: nothing to compare with yet, so whatever was refused before is taken as news.
        MetricCounter.objects.get_or_create(name=seen_name, defaults={"value": refused})
        return refused > 0
    if refused == seen:
        return False
    return MetricCounter.objects.filter(name=seen_name, value=seen).update(value=refused) == 1


def enqueue_all(task: Any, calls: Iterable[tuple[tuple[Any, ...], dict[str, Any]]]) -> int:
    """Send ``task`` once per (args, kwargs) of ``calls``, as a sweep does; stops at the first refusal
    (the broker is down: the rest would fail alike). Returns how many were sent."""
    sent = 0
    for args, kwargs in calls:
        if not enqueue(task, *args, **kwargs):
            break
        sent += 1
    return sent


# --- A worker that starts picks up what a dead one left -----------------------------------------

# Sweeps a starting worker sends at once (with ``after_restart=True``), registered by ``sweep_on_worker_start``.
_start_sweeps: list[Any] = []


def sweep_on_worker_start(task: Any) -> Any:
    """Register a sweep task (taking ``after_restart``) that every worker sends as it starts.

    A worker killed outright (SIGKILL, the OOM killer, a lost host) takes its running and prefetched
    messages with it, and on Redis they come back only after the visibility timeout (an hour). A
    restarted worker is usually the dead one's successor, so it looks at once: with ``after_restart`` a
    sweep takes every pending row as lost, without waiting for a sweep interval (a row whose message is
    still queued is sent twice, which idempotent tasks and claims make harmless). It sends each sweep
    again a heartbeat and a half later, when the dead process's claims count as orphaned (``dead_here``).
    """
    _start_sweeps.append(task)
    return task


def worker_started(**_: Any) -> None:
    """Celery's ``worker_ready``: send the registered sweeps now and once the dead claims are orphaned."""
    later = settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS * 1.5 + 1
    for task in _start_sweeps:
        for countdown in (0, later):
            try:
                task.apply_async(kwargs={"after_restart": True}, countdown=countdown)
            except Exception:  # the broker is down: the beat sweeps find the rows later
                logger.warning("could not send %s at worker start", task.name, exc_info=True)
                return


def hard_limit(task: Any) -> int:
    """A task's hard time limit in seconds: its own, or the global ``CELERY_TASK_TIME_LIMIT``."""
    return task.time_limit if task.time_limit is not None else task.app.conf.task_time_limit


# --- Claims on ledger rows ----------------------------------------------------------------------


class Claimable(models.Model):
    """A ledger row that one worker at a time may work: who claimed it and when (empty while unclaimed)."""

    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took this row; empty: free")
    claimed_by = models.CharField(max_length=255, blank=True, help_text="The worker (host:pid) that took it")

    class Meta:
        abstract = True


Rows = QuerySet | type[models.Model]


def _queryset(rows: Rows) -> QuerySet:
    return rows if isinstance(rows, QuerySet) else rows._default_manager.all()


def worker_name() -> str:
    """This process as a claimant: host and pid, so an operator can find the worker holding a row."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_lifetime() -> timedelta:
    """How long a claim lives without a heartbeat: after that its worker is taken for gone."""
    return timedelta(seconds=settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS * CLAIM_MISSED_HEARTBEATS)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def dead_here(rows: Rows) -> list[str]:
    """Claimants of ``rows`` that were processes of this host and are gone (a worker killed and restarted).

    Their claims need not wait for missed heartbeats: the process that could refresh them no longer exists.
    (A process id the system has reused looks alive, so such a claim simply takes the heartbeat path.)
    """
    prefix = f"{socket.gethostname()}:"
    claimants = (
        _queryset(rows)
        .filter(claimed_at__isnull=False, claimed_by__startswith=prefix)
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    dead = []
    for claimant in claimants:
        pid = claimant[len(prefix) :]
        if pid.isdigit() and claimant != worker_name() and not _pid_alive(int(pid)):
            dead.append(claimant)
    return dead


def _orphaned(rows: Rows, now: Any) -> Q:
    """Claims a sweep or a worker may take before they go stale: those of a dead process of this host, once
    older than one heartbeat and a half (a live claimant in another process namespace with the same host name
    would have refreshed its claim by then)."""
    dead = dead_here(rows)
    if not dead:
        return Q(pk__in=[])
    young = timedelta(seconds=settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS * 1.5)
    return Q(claimed_by__in=dead, claimed_at__lt=now - young)


# The rows ``claimed`` blocks of this process hold right now (model label, pk). A claim in this process's
# name on any other row was left by an earlier run here that could not release it (the database was down
# then): ``claimed`` may take it again at once.
_holding: set[tuple[str, str]] = set()
_holding_lock = threading.Lock()


def claim(rows: Rows, pk: Any, *, by: str, stale_after: timedelta, retake_own: bool = False) -> bool:
    """Take row ``pk`` of ``rows`` for ``by`` if it is free or its claim is stale; False: another worker has it.

    One UPDATE compares and sets: of two workers racing for a row, the database lets exactly one match.
    ``rows`` may narrow the candidates (e.g. jobs still running), so a finished row is never taken. A claim
    of a dead process of this host (``dead_here``) is taken without waiting for its heartbeats to stop, and
    with ``retake_own`` a claim already in ``by``'s name too (``claimed`` knows no run of it is going on).
    """
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - stale_after) | _orphaned(rows, now)
    if retake_own:
        free |= Q(claimed_by=by)
    return _queryset(rows).filter(free, pk=pk).update(claimed_at=now, claimed_by=by) == 1


def release(rows: Rows, pk: Any, *, by: str) -> bool:
    """Give row ``pk`` back if ``by`` still holds it (a claim that went stale and was re-taken is left alone)."""
    return _queryset(rows).filter(pk=pk, claimed_by=by).update(claimed_at=None, claimed_by="") == 1


def heartbeat(rows: Rows, pk: Any, *, by: str) -> bool:
    """Refresh ``by``'s claim on row ``pk`` (its worker is alive); False if ``by`` no longer holds it."""
    return _queryset(rows).filter(pk=pk, claimed_by=by).update(claimed_at=timezone.now()) == 1


class _Heartbeat(threading.Thread):
    """Refreshes one claim every ``every`` seconds until stopped, on its own database connection."""

    def __init__(self, model: type[models.Model], pk: Any, *, by: str, every: float) -> None:
        super().__init__(name=f"claim-heartbeat-{pk}", daemon=True)
        self.model, self.pk, self.by, self.every = model, pk, by, every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    heartbeat(self.model, self.pk, by=self.by)
                except DatabaseError:
                    # The database blinks: the next beat tries again, and only several missed ones make the claim stale.
                    logger.warning("claim heartbeat for %s %s failed", self.model.__name__, self.pk, exc_info=True)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


@contextmanager
def claimed(rows: Rows, pk: Any, *, stale_after: timedelta) -> Iterator[bool]:
    """Hold row ``pk`` for this worker for the ``with`` block: yields whether the claim was won.

    A heartbeat keeps the claim fresh while the block runs, and the claim is released however the
    block ends, so a retry after an error can take the row at once; only a worker killed mid-run
    leaves its claim behind, for ``stale`` to find once its heartbeats stop.
    """
    by = worker_name()
    model = _queryset(rows).model
    holding = (model._meta.label, str(pk))
    with _holding_lock:
        if holding in _holding:  # another thread of this process runs it
            won = False
        else:
            _holding.add(holding)
            won = True
    if won:
        try:
            won = claim(rows, pk, by=by, stale_after=stale_after, retake_own=True)
        except BaseException:
            _holding.discard(holding)
            raise
        if not won:
            _holding.discard(holding)
    if not won:
        yield False
        return
    beat = _Heartbeat(model, pk, by=by, every=settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS)
    beat.start()
    try:
        yield True
    finally:
        beat.stop()
        _holding.discard(holding)
        # Released among all the model's rows: the run may have moved the row out of ``rows`` (finished it).
        # If the database is down this fails too; the retry of the task finds the claim in this process's
        # name and takes it again (``claim``), so the row does not wait for its heartbeats to run out.
        release(model, pk, by=by)


def held(rows: Rows, *, stale_after: timedelta) -> QuerySet:
    """The rows some worker holds right now (claimed, and not longer ago than ``stale_after``)."""
    return _queryset(rows).filter(claimed_at__gte=timezone.now() - stale_after)


def stale(rows: Rows, *, waiting_since: str, waited: timedelta, stale_after: timedelta) -> QuerySet:
    """The pending rows a sweep re-enqueues: those whose message or worker was lost.

    A row left unclaimed ``waited`` after its ``waiting_since`` field lost its message; a row whose
    claim was last refreshed longer ago than ``stale_after``, or whose claimant was a process of this host
    that is gone, lost its worker. Fresh and held rows are left to their own.
    """
    now = timezone.now()
    unclaimed = Q(claimed_at__isnull=True, **{f"{waiting_since}__lt": now - waited})
    return _queryset(rows).filter(unclaimed | Q(claimed_at__lt=now - stale_after) | _orphaned(rows, now))
