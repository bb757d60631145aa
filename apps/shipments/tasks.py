"""Background work for shipments: EPCIS capture jobs. Thin, idempotent, ids only."""

from __future__ import annotations

from apps.core.work import doorbell_missed, enqueue_all, housekeeping_task, ledger_task, sweep_on_worker_start
from apps.shipments.epcis import capture


@ledger_task(time_limit=3600)
def epcis_capture_process(job_id: str) -> dict[str, object]:
    """Validate and record one capture job; a job no longer running, or claimed by another worker, is left alone."""
    return capture.capture_job_run(job_id=job_id)


@sweep_on_worker_start
@housekeeping_task(time_limit=120)
def epcis_capture_sweep(after_restart: bool = False) -> int:
    """Re-enqueue capture jobs whose message or worker was lost (the broker is a doorbell, the database the ledger);
    ``after_restart`` (a starting worker's sweep) or after a refused send: every unclaimed running job."""
    lost = after_restart or doorbell_missed("epcis_capture_sweep")
    stale = capture.capture_jobs_stale(after_restart=lost)
    return enqueue_all(epcis_capture_process, (((job_id,), {}) for job_id in stale))
