"""EPCIS capture jobs as a ledger (DESIGN §10): one worker at a time runs a job, lost ones are swept back.

The jobs here are stored as the capture endpoint stores them, with the broker's message lost; the
tests then play the workers by calling the tasks directly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import timezone

from apps.core import work
from apps.shipments import tasks
from apps.shipments.choices import CaptureState
from apps.shipments.epcis import capture
from apps.shipments.models import CaptureJob, Event
from tests.vectors import VECTORS

pytestmark = pytest.mark.django_db

STALE = work.claim_lifetime()
SWEEP = timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS)
EXAMPLE = VECTORS / "epcis" / "Example_9.6.1-ObjectEvent.jsonld"


@pytest.fixture
def upload(alpha):
    def make() -> CaptureJob:
        job = CaptureJob(recorder=alpha)
        job.document.save(f"test-{job.pk}.jsonld", ContentFile(EXAMPLE.read_bytes()), save=True)
        return job

    return make


def _age(job: CaptureJob, *, created: timedelta, claimed: timedelta | None = None, by: str = "") -> None:
    now = timezone.now()
    CaptureJob.objects.filter(pk=job.pk).update(
        created_at=now - created, claimed_at=None if claimed is None else now - claimed, claimed_by=by
    )


def test_a_job_runs_once_and_gives_its_claim_back(upload):
    job = upload()
    assert tasks.epcis_capture_process(str(job.pk))["state"] == CaptureState.SUCCESS
    job.refresh_from_db()
    assert (job.state, job.claimed_at, job.claimed_by) == (CaptureState.SUCCESS, None, "")
    recorded = Event.objects.count()
    assert recorded > 0

    assert tasks.epcis_capture_process(str(job.pk))["state"] == CaptureState.SUCCESS, "a repeated message"
    assert Event.objects.count() == recorded


def test_a_job_another_worker_runs_is_left_to_it(upload):
    """The second of two concurrent deliveries: the first worker's claim is already there."""
    job = upload()
    assert work.claim(CaptureJob, job.pk, by="first-worker:101", stale_after=STALE)

    result = tasks.epcis_capture_process(str(job.pk))

    assert result == {"job": str(job.pk), "state": CaptureState.RUNNING, "claimedBy": "first-worker:101"}
    job.refresh_from_db()
    assert (job.state, job.claimed_by) == (CaptureState.RUNNING, "first-worker:101")
    assert not Event.objects.exists()


def test_a_job_whose_worker_died_is_taken_over_once_its_claim_is_stale(upload):
    job = upload()
    _age(job, created=STALE * 2, claimed=STALE - timedelta(seconds=5), by="dead-worker:7")
    assert tasks.epcis_capture_process(str(job.pk))["state"] == CaptureState.RUNNING, "may still be running"

    _age(job, created=STALE * 2, claimed=STALE + timedelta(seconds=5), by="dead-worker:7")
    assert tasks.epcis_capture_process(str(job.pk))["state"] == CaptureState.SUCCESS
    assert Event.objects.exists()


def test_a_failed_run_gives_its_claim_back_for_the_retry(upload, monkeypatch):
    job = upload()

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(capture, "event_batch_record", database_gone)
    with pytest.raises(OperationalError):
        tasks.epcis_capture_process.run(str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.claimed_at, job.claimed_by) == (CaptureState.RUNNING, None, "")


def test_the_sweep_re_enqueues_only_lost_and_abandoned_jobs(upload, monkeypatch):
    fresh, lost, working, abandoned, finished = (upload() for _ in range(5))
    _age(fresh, created=SWEEP - timedelta(seconds=5))
    _age(lost, created=SWEEP + timedelta(seconds=5))
    _age(working, created=STALE * 2, claimed=STALE - timedelta(seconds=5), by="busy-worker:1")
    _age(abandoned, created=STALE * 2, claimed=STALE + timedelta(seconds=5), by="dead-worker:2")
    _age(finished, created=STALE * 2)
    CaptureJob.objects.filter(pk=finished.pk).update(state=CaptureState.SUCCESS)
    enqueued: list[str] = []
    monkeypatch.setattr(tasks.epcis_capture_process, "delay", enqueued.append)

    assert tasks.epcis_capture_sweep() == 2
    assert set(enqueued) == {str(lost.pk), str(abandoned.pk)}


def test_a_starting_workers_sweep_takes_every_unclaimed_running_job_at_once(upload, monkeypatch):
    fresh, working, finished = upload(), upload(), upload()
    _age(working, created=timedelta(0), claimed=timedelta(seconds=5), by="busy-worker:1")
    CaptureJob.objects.filter(pk=finished.pk).update(state=CaptureState.SUCCESS)
    enqueued: list[str] = []
    monkeypatch.setattr(tasks.epcis_capture_process, "delay", enqueued.append)
    assert tasks.epcis_capture_sweep() == 0
    assert tasks.epcis_capture_sweep(after_restart=True) == 1
    assert enqueued == [str(fresh.pk)]


def test_a_swept_job_is_captured(upload):
    job = upload()
    _age(job, created=SWEEP + timedelta(seconds=5))
    assert tasks.epcis_capture_sweep() == 1  # re-enqueued, and run eagerly
    job.refresh_from_db()
    assert job.state == CaptureState.SUCCESS
    assert tasks.epcis_capture_sweep() == 0
