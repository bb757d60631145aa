from celery.signals import task_postrun
from django.apps import AppConfig

from apps.core import metrics


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: audit log, errors, health"

    def ready(self) -> None:
        # Counters reach the database (and the worker's log) after each task, not on every increment.
        task_postrun.connect(metrics.flush_after_task, weak=False, dispatch_uid="apps.core.metrics.flush")
