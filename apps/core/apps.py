from celery.signals import task_postrun, worker_ready
from django.apps import AppConfig

from apps.core import metrics


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: audit log, errors, health"

    def ready(self) -> None:
        # Counters reach the database (and the worker's log) after each task, not on every increment.
        task_postrun.connect(metrics.flush_after_task, weak=False, dispatch_uid="apps.core.metrics.flush")
        from apps.core import work  # noqa: PLC0415 - it defines a model, so not before the registry is ready

        # A restarted worker sends the sweeps at once: a killed predecessor's work comes back in seconds.
        worker_ready.connect(work.worker_started, weak=False, dispatch_uid="apps.core.work.worker_started")
