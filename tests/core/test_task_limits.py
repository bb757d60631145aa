"""Every task can be sent: Celery refuses to send one whose soft time limit exceeds its hard limit.

A task's own ``time_limit`` below the global ``CELERY_TASK_SOFT_TIME_LIMIT`` needs its own soft
limit, or ``apply_async`` (and so beat) raises "soft_time_limit must be less than or equal to time_limit".
"""

import pytest
from django.conf import settings

from corridor.celery import app


def _corridor_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith("apps."))


@pytest.mark.parametrize("name", _corridor_tasks())
def test_the_soft_limit_is_within_the_hard_limit(name):
    task = app.tasks[name]
    hard = task.time_limit if task.time_limit is not None else settings.CELERY_TASK_TIME_LIMIT
    soft = task.soft_time_limit if task.soft_time_limit is not None else settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert soft <= hard, f"{name}: soft {soft} s > hard {hard} s"


def test_every_beat_entry_names_a_sendable_task():
    names = set(_corridor_tasks())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in names
