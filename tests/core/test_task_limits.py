"""Every task has time limits that work: a soft limit below its hard one, claims that outlast both.

Celery refuses to send a task whose soft limit exceeds its hard one ("soft_time_limit must be less
than or equal to time_limit"), and a task with its own hard limit but the global soft limit is cut
at the global one (the daily passes were stopped after four minutes of their fifteen).
"""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from apps.core import work
from corridor.celery import app


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


def test_the_ledger_sweeps_run_at_the_configured_interval():
    for entry in ("epcis-capture-sweep", "step-credentials-sweep", "trust-recheck-sweep", "webhook-deliveries-sweep"):
        schedule = settings.CELERY_BEAT_SCHEDULE[entry]["schedule"]
        assert schedule.total_seconds() == settings.CORRIDOR_SWEEP_INTERVAL_SECONDS


def test_each_ledger_claim_outlives_the_task_that_works_it():
    """A claim younger than the hard limit may belong to a run still going: nobody else may take the row."""
    ledgers = {
        name: app.tasks[name] for name in _corridor_tasks() if getattr(app.tasks[name], "claim_stale_setting", None)
    }
    assert set(ledgers) == {
        "apps.compliance.tasks.trust_reevaluate",
        "apps.disruptions.tasks.webhook_deliver",
        "apps.shipments.tasks.epcis_capture_process",
    }
    for name, task in ledgers.items():
        assert getattr(settings, task.claim_stale_setting) > work.hard_limit(task), name


@override_settings(CORRIDOR_TEST_STALE_SECONDS=60)
def test_a_claim_that_would_go_stale_before_the_task_ends_is_refused():
    with pytest.raises(ImproperlyConfigured, match="CORRIDOR_TEST_STALE_SECONDS"):
        work.ledger_task(time_limit=60, claim_stale_setting="CORRIDOR_TEST_STALE_SECONDS")
