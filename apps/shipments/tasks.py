"""Background work for shipments: EPCIS capture jobs. Thin, idempotent, ids only."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from apps.shipments.epcis import capture


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    time_limit=3600,
    soft_time_limit=3500,
)
def epcis_capture_process(job_id: str) -> dict[str, object]:
    """Validate and record one capture job; a job no longer running is left alone (safe to repeat)."""
    return capture.capture_job_run(job_id=job_id)


@shared_task(time_limit=120, soft_time_limit=100)
def epcis_capture_sweep() -> int:
    """Re-enqueue capture jobs whose worker vanished (the broker is a doorbell, the database the ledger)."""
    job_ids = capture.capture_jobs_stale()
    for job_id in job_ids:
        epcis_capture_process.delay(job_id)
    return len(job_ids)
