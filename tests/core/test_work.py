"""Claims on ledger rows (apps.core.work): one worker at a time, and a dead worker's row comes back.

The rows here are EPCIS capture jobs, the ledger the helpers were first written for.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from apps.core import tasks as core_tasks
from apps.core import work
from apps.shipments import tasks as shipment_tasks
from apps.shipments.choices import CaptureState
from apps.shipments.models import CaptureJob

pytestmark = pytest.mark.django_db

STALE = work.claim_lifetime()
WAIT = timedelta(minutes=5)


@pytest.fixture
def job(alpha) -> CaptureJob:
    return CaptureJob.objects.create(recorder=alpha)


def _age(job: CaptureJob, *, created: timedelta = timedelta(0), claimed: timedelta | None = None) -> None:
    now = timezone.now()
    CaptureJob.objects.filter(pk=job.pk).update(
        created_at=now - created, claimed_at=None if claimed is None else now - claimed
    )


def test_of_two_claims_on_one_row_only_the_first_succeeds(job):
    assert work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE) is True
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE) is False
    job.refresh_from_db()
    assert job.claimed_by == "host-a:1"
    assert job.claimed_at is not None


def test_a_worker_cannot_claim_again_a_row_it_already_holds(job):
    assert work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE)
    assert not work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE)


def test_a_stale_claim_can_be_taken_over(job):
    assert work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE)
    _age(job, claimed=STALE - timedelta(seconds=5))
    assert not work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE), "still within its lifetime"
    _age(job, claimed=STALE + timedelta(seconds=5))
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)
    job.refresh_from_db()
    assert job.claimed_by == "host-b:2"


def test_a_released_row_can_be_claimed_again(job):
    assert work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE)
    assert work.release(CaptureJob, job.pk, by="host-a:1") is True
    job.refresh_from_db()
    assert (job.claimed_at, job.claimed_by) == (None, "")
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)


def test_only_the_holder_releases_a_claim(job):
    """A worker whose claim went stale and was taken over must not free the row under its new holder."""
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)
    assert work.release(CaptureJob, job.pk, by="host-a:1") is False
    job.refresh_from_db()
    assert job.claimed_by == "host-b:2"


def test_a_claim_is_limited_to_the_rows_given(job):
    CaptureJob.objects.filter(pk=job.pk).update(state=CaptureState.SUCCESS)
    running = CaptureJob.objects.filter(state=CaptureState.RUNNING)
    assert not work.claim(running, job.pk, by="host-a:1", stale_after=STALE)
    assert not work.claim(CaptureJob, "00000000-0000-4000-8000-000000000000", by="host-a:1", stale_after=STALE)


def test_the_sweep_query_finds_lost_messages_and_dead_workers_only(alpha):
    fresh, lost, working, dead = (CaptureJob.objects.create(recorder=alpha) for _ in range(4))
    _age(fresh, created=WAIT - timedelta(seconds=5))
    _age(lost, created=WAIT + timedelta(seconds=5))
    _age(working, created=STALE * 2, claimed=STALE - timedelta(seconds=5))
    _age(dead, created=STALE * 2, claimed=STALE + timedelta(seconds=5))

    found = work.stale(CaptureJob, waiting_since="created_at", waited=WAIT, stale_after=STALE)
    assert set(found) == {lost, dead}
    assert set(work.held(CaptureJob, stale_after=STALE)) == {working}


def test_a_worker_names_its_host_and_process():
    host, pid = work.worker_name().rsplit(":", 1)
    assert host
    assert int(pid) > 0


def test_a_claimed_block_holds_the_row_and_gives_it_back(job):
    with work.claimed(CaptureJob, job.pk, stale_after=STALE) as won:
        assert won
        assert not work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)
        assert CaptureJob.objects.get(pk=job.pk).claimed_by == work.worker_name()
    assert CaptureJob.objects.get(pk=job.pk).claimed_at is None


def test_a_claimed_block_that_fails_still_gives_the_row_back(job):
    with pytest.raises(RuntimeError), work.claimed(CaptureJob, job.pk, stale_after=STALE):
        raise RuntimeError("the database went away")
    assert CaptureJob.objects.get(pk=job.pk).claimed_at is None


def test_a_claimed_block_leaves_another_workers_claim_alone(job):
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)
    with work.claimed(CaptureJob, job.pk, stale_after=STALE) as won:
        assert not won
    assert CaptureJob.objects.get(pk=job.pk).claimed_by == "host-b:2"


def test_a_claimed_block_gives_back_a_row_it_moved_out_of_the_rows_given(job):
    running = CaptureJob.objects.filter(state=CaptureState.RUNNING)
    with work.claimed(running, job.pk, stale_after=STALE) as won:
        assert won
        CaptureJob.objects.filter(pk=job.pk).update(state=CaptureState.SUCCESS)
    assert CaptureJob.objects.get(pk=job.pk).claimed_at is None


def test_a_claim_this_process_could_not_release_is_taken_again_at_once(job):
    """The database was down when the block ended, so the claim stayed; the task's retry runs the row at once."""
    assert work.claim(CaptureJob, job.pk, by=work.worker_name(), stale_after=STALE)
    with work.claimed(CaptureJob, job.pk, stale_after=STALE) as won:
        assert won
        with work.claimed(CaptureJob, job.pk, stale_after=STALE) as again:
            assert not again, "a second block of the same process while the first runs"
    assert CaptureJob.objects.get(pk=job.pk).claimed_at is None


def test_a_row_whose_release_failed_is_still_claimable_by_this_process(job, monkeypatch):
    real_release = work.release
    monkeypatch.setattr(work, "release", mock.Mock(side_effect=OperationalError("server closed the connection")))
    with pytest.raises(OperationalError), work.claimed(CaptureJob, job.pk, stale_after=STALE) as won:
        assert won
    assert CaptureJob.objects.get(pk=job.pk).claimed_by == work.worker_name()
    monkeypatch.setattr(work, "release", real_release)
    with work.claimed(CaptureJob, job.pk, stale_after=STALE) as won:
        assert won


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_claim_of_a_dead_process_of_this_host_is_stale_after_a_heartbeat_and_a_half(job, settings):
    settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS = 10
    dead = f"{socket.gethostname()}:{_dead_pid()}"
    assert work.claim(CaptureJob, job.pk, by=dead, stale_after=STALE)
    stale = work.stale(CaptureJob, waiting_since="created_at", waited=WAIT, stale_after=STALE)
    assert work.dead_here(CaptureJob) == [dead]
    assert not stale.exists(), "a claim younger than a heartbeat and a half may belong to a namesake host"
    assert not work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)
    _age(job, claimed=timedelta(seconds=16))
    CaptureJob.objects.filter(pk=job.pk).update(claimed_by=dead)
    stale = work.stale(CaptureJob, waiting_since="created_at", waited=WAIT, stale_after=STALE)
    assert list(stale) == [job], "well within its lifetime, but its process is gone"
    assert work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=STALE)


def test_the_claim_of_a_live_process_or_another_host_waits_for_its_heartbeats(job, settings):
    settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS = 10
    for claimant in (f"{socket.gethostname()}:1", f"elsewhere:{_dead_pid()}"):  # pid 1 is always alive
        CaptureJob.objects.filter(pk=job.pk).update(
            claimed_by=claimant, claimed_at=timezone.now() - timedelta(seconds=20)
        )
        assert work.dead_here(CaptureJob) == []
        assert not work.stale(CaptureJob, waiting_since="created_at", waited=WAIT, stale_after=STALE).exists()


@pytest.mark.django_db(transaction=True)
def test_of_workers_racing_for_one_row_exactly_one_wins(alpha):
    """Real concurrency: each thread has its own connection, and all claim at the same moment."""
    job = CaptureJob.objects.create(recorder=alpha)
    racers = 6
    start = threading.Barrier(racers)

    def race(number: int) -> bool:
        try:
            start.wait()
            return work.claim(CaptureJob, job.pk, by=f"host:{number}", stale_after=STALE)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=racers) as pool:
        wins = list(pool.map(race, range(racers)))
    assert wins.count(True) == 1
    assert CaptureJob.objects.get(pk=job.pk).claimed_by == f"host:{wins.index(True)}"


# --- The heartbeat: a slow run keeps its claim, a dead one loses it within a few beats ---------------


def test_a_heartbeat_refreshes_the_holders_claim_only(job):
    assert work.claim(CaptureJob, job.pk, by="host-a:1", stale_after=STALE)
    _age(job, claimed=STALE - timedelta(seconds=1))
    assert work.heartbeat(CaptureJob, job.pk, by="host-b:2") is False
    assert work.heartbeat(CaptureJob, job.pk, by="host-a:1") is True
    job.refresh_from_db()
    assert timezone.now() - job.claimed_at < timedelta(seconds=5)
    assert not work.stale(CaptureJob, waiting_since="created_at", waited=WAIT, stale_after=STALE).exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_held_longer_than_its_lifetime_stays_fresh_while_the_block_runs(alpha, settings):
    """The heartbeat thread refreshes the claim on its own connection: a slow job is never taken for dead."""
    settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS = 0.05
    job = CaptureJob.objects.create(recorder=alpha)
    lifetime = work.claim_lifetime()
    with work.claimed(CaptureJob, job.pk, stale_after=lifetime) as won:
        assert won
        for _ in range(3):
            time.sleep(lifetime.total_seconds())
            assert work.held(CaptureJob, stale_after=lifetime).filter(pk=job.pk).exists()
        assert not work.claim(CaptureJob, job.pk, by="host-b:2", stale_after=lifetime)
    assert CaptureJob.objects.get(pk=job.pk).claimed_at is None
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("claim-heartbeat-")]


def test_a_claim_lives_a_few_missed_heartbeats(settings):
    settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS = 10
    assert work.claim_lifetime() == timedelta(seconds=10 * work.CLAIM_MISSED_HEARTBEATS)


# --- A broker that is down: the enqueue is logged, the ledger keeps the work ---------------------------


class _Task:
    name = "apps.test.task"

    def __init__(self, *, refuse_after: int | None = None) -> None:
        self.sent: list[tuple] = []
        self.refuse_after = refuse_after

    def delay(self, *args, **kwargs) -> None:
        if self.refuse_after is not None and len(self.sent) >= self.refuse_after:
            raise ConnectionRefusedError("broker unreachable")
        self.sent.append((args, kwargs))


def test_an_enqueue_the_broker_refuses_is_logged_not_raised(caplog):
    task = _Task(refuse_after=0)
    assert work.enqueue(task, "job-1") is False
    assert "could not enqueue apps.test.task" in caplog.text
    assert work.enqueue(_Task(), "job-1", key="value") is True


def test_a_sweep_stops_sending_at_the_first_refusal():
    task = _Task(refuse_after=2)
    calls = [((f"job-{n}",), {}) for n in range(5)]
    assert work.enqueue_all(task, calls) == 2
    assert task.sent == calls[:2]


def test_the_sweeps_survive_a_broker_that_is_down(job, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    _age(job, created=WAIT * 2)
    monkeypatch.setattr(shipment_tasks.epcis_capture_process, "delay", broker_down)
    assert shipment_tasks.epcis_capture_sweep() == 0
    assert CaptureJob.objects.get(pk=job.pk).state == CaptureState.RUNNING, "left in the ledger for the next sweep"


def test_ping_worker_says_the_broker_is_unreachable(monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(core_tasks.ping, "delay", broker_down)
    with pytest.raises(CommandError, match="broker did not take the ping"):
        call_command("ping_worker", timeout=1)


def test_a_starting_worker_sends_the_registered_sweeps_now_and_once_dead_claims_are_orphaned(settings, monkeypatch):
    settings.CORRIDOR_CLAIM_HEARTBEAT_SECONDS = 10
    sent: list[tuple[str, dict, float]] = []
    for task in work._start_sweeps:
        monkeypatch.setattr(
            task, "apply_async", lambda kwargs, countdown, name=task.name: sent.append((name, kwargs, countdown))
        )
    work.worker_started()
    names = {name for name, _, _ in sent}
    assert {"apps.shipments.tasks.epcis_capture_sweep", "apps.credentials.tasks.step_credentials_sweep"} <= names
    assert {countdown for _, _, countdown in sent} == {0, 16}
    assert all(kwargs == {"after_restart": True} for _, kwargs, _ in sent)


def test_a_starting_worker_with_no_broker_carries_on(monkeypatch, caplog):
    for task in work._start_sweeps:
        monkeypatch.setattr(task, "apply_async", mock.Mock(side_effect=ConnectionRefusedError(111, "refused")))
    work.worker_started()
    assert "could not send" in caplog.text


def test_a_refused_send_is_news_once_to_each_sweep(monkeypatch):
    assert not work.doorbell_missed("sweep-a")
    monkeypatch.setattr(core_tasks.ping, "delay", mock.Mock(side_effect=ConnectionRefusedError(111, "refused")))
    assert work.enqueue(core_tasks.ping) is False
    assert work.doorbell_missed("sweep-a")
    assert not work.doorbell_missed("sweep-a"), "told once"
    assert work.doorbell_missed("sweep-b"), "each sweep hears it"
    assert not work.doorbell_missed("sweep-b")


def test_after_a_refused_send_the_capture_sweep_takes_a_recent_job_at_once(job, monkeypatch):
    assert shipment_tasks.epcis_capture_sweep() == 0
    monkeypatch.setattr(core_tasks.ping, "delay", mock.Mock(side_effect=ConnectionRefusedError(111, "refused")))
    work.enqueue(core_tasks.ping)
    enqueued: list[str] = []
    monkeypatch.setattr(shipment_tasks.epcis_capture_process, "delay", enqueued.append)
    assert shipment_tasks.epcis_capture_sweep() == 1
    assert enqueued == [str(job.pk)]
    assert shipment_tasks.epcis_capture_sweep() == 0, "the next sweep waits its interval again"
