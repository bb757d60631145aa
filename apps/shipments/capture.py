"""EPCIS capture jobs: pass one validates every event of the stored document, pass two records them.

With ``rollback`` (the default) any invalid event fails the whole job and nothing is recorded; with
``proceed`` the valid events are recorded and each invalid one is reported in the job's errors.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.shipments.choices import CaptureState
from apps.shipments.ingest import epcis
from apps.shipments.ingest.service import MAX_BATCH, event_batch_record
from apps.shipments.ingest.types import EventIn, FieldProblem, IngestValidationError
from apps.shipments.models import CaptureJob

# A job still "running" this long after its last claim lost its worker; the sweep re-enqueues it.
STALE_AFTER = timedelta(minutes=15)


def _exception(problem: FieldProblem) -> dict[str, Any]:
    return {
        "type": "epcisException:ValidationException",
        "title": "Invalid event",
        "status": 400,
        "detail": f"event {problem.index}: {problem.field}: {problem.detail}",
        "eventIndex": problem.index,
        "eventID": problem.event_id,
        "pointer": problem.field,
    }


def _finish(job: CaptureJob, *, state: str, errors: list[dict[str, Any]], captured: int, total: int) -> None:
    CaptureJob.objects.filter(pk=job.pk).update(
        state=state,
        errors=errors,
        captured_count=captured,
        event_count=total,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _record(actor: Actor, events: list[EventIn]) -> int:
    captured = 0
    for start in range(0, len(events), MAX_BATCH):
        result = event_batch_record(actor=actor, events=events[start : start + MAX_BATCH], channel="epcis")
        captured += len(result.events)
    return captured


def capture_job_run(*, job_id: str) -> dict[str, Any]:
    """Run one capture job to completion; a finished job is returned as it is (idempotent)."""
    job = CaptureJob.objects.select_related("recorder").filter(pk=job_id).first()
    if job is None or job.state != CaptureState.RUNNING:
        return {"job": job_id, "state": job.state if job else "missing"}
    CaptureJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())
    actor = Actor(partner=job.recorder, role=MemberRole.OPERATOR, system_label=f"epcis capture {job.pk}")

    with job.document.open("rb") as stream:
        valid, problems, total = epcis.parse_stream(stream)
    errors = [_exception(problem) for problem in problems]
    if len(valid) + len(problems) == 0 and not problems:
        errors = [
            {
                "type": "epcisException:ValidationException",
                "title": "Empty capture",
                "status": 400,
                "detail": "The document holds no events.",
            }
        ]
    if errors and job.error_behaviour == "rollback":
        _finish(job, state=CaptureState.FAILED, errors=errors, captured=0, total=total)
        return {"job": job_id, "state": CaptureState.FAILED}
    try:
        with transaction.atomic():
            captured = _record(actor, valid)
    except (ApplicationError, IngestValidationError) as exc:
        detail = getattr(exc, "detail", str(exc))
        errors.append(
            {
                "type": "epcisException:CaptureConflictException"
                if getattr(exc, "status", 400) == 409
                else "epcisException:ValidationException",
                "title": "Capture refused",
                "status": getattr(exc, "status", 400),
                "detail": detail,
            }
        )
        _finish(job, state=CaptureState.FAILED, errors=errors, captured=0, total=total)
        return {"job": job_id, "state": CaptureState.FAILED}
    state = CaptureState.SUCCESS if not errors else CaptureState.FAILED
    _finish(job, state=state, errors=errors, captured=captured, total=total)
    return {"job": job_id, "state": state, "captured": captured}


def capture_jobs_stale() -> list[str]:
    cutoff = timezone.now() - STALE_AFTER
    return [
        str(pk)
        for pk in CaptureJob.objects.filter(state=CaptureState.RUNNING, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    ]
