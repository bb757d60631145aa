"""Every task has time limits that work: a soft limit below its hard one, claims that outlast both.

Celery refuses to send a task whose soft limit exceeds its hard one ("soft_time_limit must be less
than or equal to time_limit"), and a task with its own hard limit but the global soft limit is cut
at the global one (the daily passes were stopped after four minutes of their fifteen).
"""

import ast
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from apps.core import work
from corridor.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]


def _corridor_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith("apps."))


def _soft(task) -> int:
    return task.soft_time_limit if task.soft_time_limit is not None else settings.CELERY_TASK_SOFT_TIME_LIMIT


@pytest.mark.parametrize("name", _corridor_tasks())
def test_the_soft_limit_is_below_the_hard_limit(name):
    task = app.tasks[name]
    assert _soft(task) < work.hard_limit(task), f"{name}: soft {_soft(task)} s, hard {work.hard_limit(task)} s"


@pytest.mark.parametrize("name", _corridor_tasks())
def test_a_task_with_its_own_hard_limit_has_its_own_soft_limit(name):
    task = app.tasks[name]
    assert task.time_limit is not None, f"{name} has no time limit of its own"
    assert task.soft_time_limit is not None, f"{name} would be cut at the global soft limit"
    assert task.soft_time_limit == work.soft_limit(task.time_limit)


@pytest.mark.parametrize("name", _corridor_tasks())
def test_every_task_retries_transient_database_errors(name):
    task = app.tasks[name]
    assert tuple(task.autoretry_for) == work.TRANSIENT_ERRORS
    assert task.max_retries in {work.LEDGER_MAX_RETRIES, work.HOUSEKEEPING_MAX_RETRIES}


@pytest.mark.parametrize("name", _corridor_tasks())
def test_a_ledger_task_outlasts_a_database_outage_of_over_a_minute(name):
    """The retries of a ledger task span minutes whatever the draw (the issue saw five jittered ones in 10 s)."""
    task = app.tasks[name]
    if task.max_retries != work.LEDGER_MAX_RETRIES:
        return
    assert not task.retry_jitter
    waits = [
        # 600 s: Celery's cap, which the presets keep.
        get_exponential_backoff_interval(factor=1, retries=n, maximum=600, full_jitter=False)
        for n in range(task.max_retries)
    ]
    assert sum(waits[:-1]) > 120, waits


def test_the_daily_passes_are_not_cut_at_the_global_soft_limit():
    for name in ("aeo_expiry_pass", "mra_dates_pass", "aeo_credentials_pass"):
        task = app.tasks[f"apps.compliance.tasks.{name}"]
        assert task.soft_time_limit > settings.CELERY_TASK_SOFT_TIME_LIMIT


@pytest.mark.parametrize(("hard", "soft"), [(10, 5), (30, 25), (120, 108), (300, 270), (900, 840), (3600, 3540)])
def test_the_soft_limit_leaves_a_tenth_between_five_seconds_and_a_minute(hard, soft):
    assert work.soft_limit(hard) == soft


def test_a_hard_limit_too_short_for_a_soft_one_is_refused():
    with pytest.raises(ValueError, match="at least 10 s"):
        work.soft_limit(9)


def test_every_beat_entry_names_a_sendable_task():
    names = set(_corridor_tasks())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in names
        task = app.tasks[entry["task"]]
        assert _soft(task) < work.hard_limit(task)


def test_the_ledger_sweeps_run_as_often_as_a_claim_can_go_stale():
    for entry in ("epcis-capture-sweep", "step-credentials-sweep", "trust-recheck-sweep", "webhook-deliveries-sweep"):
        schedule = settings.CELERY_BEAT_SCHEDULE[entry]["schedule"]
        assert schedule == min(timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS), work.claim_lifetime())


def test_a_dead_claim_is_told_from_a_slow_one_within_about_a_minute_whatever_the_task_length():
    """The claim lives a few missed heartbeats, not the task's hard limit (an hour for a capture)."""
    assert work.claim_lifetime() == timedelta(seconds=60)
    assert work.claim_lifetime() < timedelta(
        seconds=work.hard_limit(app.tasks["apps.shipments.tasks.epcis_capture_process"])
    )


@pytest.mark.parametrize("name", _corridor_tasks())
def test_a_ledger_task_returns_to_the_queue_when_its_worker_is_lost(name):
    task = app.tasks[name]
    ledger = task.max_retries == work.LEDGER_MAX_RETRIES
    assert task.acks_late is ledger, name
    assert task.reject_on_worker_lost is (True if ledger else None), name


def test_the_redis_visibility_timeout_outlasts_the_longest_task():
    """An unacknowledged message is handed out again after the timeout: never while its run may still go on."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
    options = subprocess.run(
        [sys.executable, "-c", "import corridor.settings as s; print(s.CELERY_BROKER_TRANSPORT_OPTIONS)"],
        cwd=BASE_DIR,
        env={**clean, "CORRIDOR_BROKER_URL": "redis://127.0.0.1:6379/0"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    longest = max(work.hard_limit(app.tasks[name]) for name in _corridor_tasks())
    assert ast.literal_eval(options)["visibility_timeout"] > longest


def test_the_embedded_broker_gets_no_transport_options():
    """kombu's SQLAlchemy transport hands unknown options to create_engine, which refuses them."""
    if settings.CELERY_BROKER_URL.startswith("sqla+"):
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {}
