"""EPCIS capture jobs: pass one validates every event of the stored document, pass two records them.

With ``rollback`` (the default) any invalid event fails the whole job and nothing is recorded; with
``proceed`` the valid events are recorded and each invalid one is reported in the job's errors.
A running job is the capture's ledger row (DESIGN §10): one worker at a time claims and runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from apps.core import words, work
from apps.core.errors import ApplicationError
from apps.core.words import Text
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.shipments.choices import CaptureState
from apps.shipments.epcis.errors import capture_refused, invalid_event
from apps.shipments.epcis.parse import StreamLimits, iter_events, parse_stream
from apps.shipments.ingest.service import MAX_BATCH, event_batch_record
from apps.shipments.ingest.types import EventIn, FieldProblem, IngestValidationError
from apps.shipments.models import CaptureJob


def _finish(job: CaptureJob, *, state: str, errors: list[dict[str, Any]], captured: int, total: int) -> None:
    CaptureJob.objects.filter(pk=job.pk).update(
        state=state,
        errors=errors,
        error_words=[words.text_data(error["detail"]) for error in errors],
        captured_count=captured,
        event_count=total,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _record(actor: Actor, events: Iterable[EventIn]) -> int:
    """Record events in batches as they stream in, so a large document never sits in memory."""
    captured = 0
    batch: list[EventIn] = []
    for event in events:
        batch.append(event)
        if len(batch) == MAX_BATCH:
            captured += len(event_batch_record(actor=actor, events=batch, channel="epcis").events)
            batch = []
    if batch:
        captured += len(event_batch_record(actor=actor, events=batch, channel="epcis").events)
    return captured


def capture_job_run(*, job_id: str) -> dict[str, Any]:
    """Run one capture job to completion under a claim; a finished job, or one another worker runs, is left as it is."""
    running = CaptureJob.objects.filter(state=CaptureState.RUNNING)
    with work.claimed(running, job_id, stale_after=work.claim_lifetime()) as ours:
        if ours:
            return _run(CaptureJob.objects.select_related("recorder").get(pk=job_id))
    job = CaptureJob.objects.filter(pk=job_id).first()
    if job is None:
        return {"job": job_id, "state": "missing"}
    return {"job": job_id, "state": job.state, "claimedBy": job.claimed_by}


def stream_limits() -> StreamLimits:
    """The bounds every streamed EPCIS document is held to (``CORRIDOR_EPCIS_MAX_EVENT_BYTES``)."""
    return StreamLimits(max_event_weight=settings.CORRIDOR_EPCIS_MAX_EVENT_BYTES)


def _run(job: CaptureJob) -> dict[str, Any]:
    job_id = str(job.pk)
    actor = Actor(
        partner=job.recorder,
        role=MemberRole.OPERATOR,
        system_label=Text(gettext_noop("epcis capture %(job)s"), job=job.pk),
    )

    with job.document.open("rb") as stream:
        if job.error_behaviour == "rollback":
            # Pass one validates every event (nothing kept in memory); pass two records them in batches.
            try:
                events = iter_events(stream, stream_limits())
            except IngestValidationError as exc:
                errors = [invalid_event(problem) for problem in exc.problems]
                _finish(job, state=CaptureState.FAILED, errors=errors, captured=0, total=0)
                return {"job": job_id, "state": CaptureState.FAILED}
            try:
                with transaction.atomic():
                    captured = _record(actor, events)
            except (ApplicationError, IngestValidationError) as exc:
                _finish(job, state=CaptureState.FAILED, errors=[capture_refused(exc)], captured=0, total=0)
                return {"job": job_id, "state": CaptureState.FAILED}
            state = CaptureState.SUCCESS if captured else CaptureState.FAILED
            empty = FieldProblem(-1, "epcisBody", Text(gettext_noop("The document holds no events.")))
            errors = [] if captured else [invalid_event(empty)]
            _finish(job, state=state, errors=errors, captured=captured, total=captured)
            return {"job": job_id, "state": state, "captured": captured}

        try:
            valid, problems, total = parse_stream(stream, stream_limits())
        except IngestValidationError as exc:  # not JSON at all: nothing to proceed with
            _finish(
                job, state=CaptureState.FAILED, errors=[invalid_event(p) for p in exc.problems], captured=0, total=0
            )
            return {"job": job_id, "state": CaptureState.FAILED}
    # proceed: record what is valid, report the rest; the job succeeds only if nothing was refused.
    errors = [invalid_event(problem) for problem in problems]
    captured = 0
    for start in range(0, len(valid), MAX_BATCH):
        try:
            with transaction.atomic():
                captured += _record(actor, valid[start : start + MAX_BATCH])
        except (ApplicationError, IngestValidationError) as exc:
            errors.append(capture_refused(exc))
    state = CaptureState.SUCCESS if not errors else CaptureState.FAILED
    _finish(job, state=state, errors=errors, captured=captured, total=total)
    return {"job": job_id, "state": state, "captured": captured}


def capture_jobs_stale(*, after_restart: bool = False) -> list[str]:
    """Running jobs a lost message (unclaimed a sweep interval after upload) or a dead worker left behind;
    ``after_restart``, a worker starting after a crash: every unclaimed one, its message taken for lost."""
    jobs = work.stale(
        CaptureJob.objects.filter(state=CaptureState.RUNNING),
        waiting_since="created_at",
        waited=timedelta(seconds=0 if after_restart else settings.CORRIDOR_SWEEP_INTERVAL_SECONDS),
        stale_after=work.claim_lifetime(),
    )
    return [str(pk) for pk in jobs.values_list("pk", flat=True)]
