"""The production shape under faults: nothing lost, nothing doubled, nothing stuck, no 500.

Each test starts gunicorn (2 workers), a Celery worker on Redis and beat on a fresh PostgreSQL database,
pushes a small corridor of native, EPCIS and DCSA events from four clients (with exact and conflicting
resends), injects one fault part-way and then checks what must hold whatever happened: every event
stored exactly once, every linked event with exactly one step credential, no chain fork or gap, no
capture job failed or stranded, no answer 500, and the time until all of it settled. bench/faults.py is
the long version (the issue's load), which prints the fault table.

Needs PostgreSQL and Redis on 127.0.0.1 (skipped with the reason otherwise; a failure under
CORRIDOR_REQUIRE_ALL_TESTS=1). Uses databases ``corridor_faults_*`` and Redis database
``CORRIDOR_FAULTS_REDIS_DB`` (6), reached through proxies the tests pause: the servers are never stopped.
Claims go stale and sweeps run within seconds here (CORRIDOR_CLAIM_HEARTBEAT_SECONDS=2), so a run stays
short; the bench keeps the production defaults.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import skip_or_fail
from tests.faults import harness

pytestmark = pytest.mark.faults

REDIS_DB = int(os.environ.get("CORRIDOR_FAULTS_REDIS_DB", "6"))
TEMPLATE = "corridor_faults_template"
CONSIGNMENTS = 40
# Quick claims and sweeps: a dead worker's capture job is back within about 10 s, a lost doorbell within 10 s.
QUICK = {"CORRIDOR_CLAIM_HEARTBEAT_SECONDS": "2", "CORRIDOR_SWEEP_INTERVAL_SECONDS": "10"}
# However a fault goes, the ledger must be quiet this long after the load.
SETTLE_WITHIN = 150


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    reason = harness.services_missing(REDIS_DB)
    if reason:
        skip_or_fail(f"the fault suite needs PostgreSQL and Redis: {reason}")
    seeded = harness.prepare_template(TEMPLATE, consignments=CONSIGNMENTS, workdir=tmp_path_factory.mktemp("seed"))
    yield seeded
    harness.drop_database(TEMPLATE)


@pytest.fixture
def stack(seeded, tmp_path):
    stack = harness.Stack(
        template=TEMPLATE, name="corridor_faults_run", redis_db=REDIS_DB, workdir=tmp_path, settings=QUICK
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def _logs(stack) -> str:
    return "\n".join(
        f"--- {path.name} (tail)\n" + path.read_text(errors="replace")[-3000:]
        for path in sorted(stack.workdir.glob("*.log"))
    )


@pytest.mark.parametrize("fault", harness.FAULTS)
def test_a_fault_loses_doubles_and_strands_nothing(stack, seeded, fault):
    load = harness.corridor_load(seeded, per_format=2, clients=4, batch=8, resend_every=3)
    outcome = harness.run(stack, load, seeded["tokens"], fault, settle_timeout=SETTLE_WITHIN)
    sys.stdout.write(
        f"\n{fault}: load {outcome.load_seconds:.1f} s, settled {outcome.settle_seconds:.1f} s after the start, "
        f"{outcome.audit.stored} events stored, {outcome.audit.linked} linked, answers {dict(outcome.tally.answers)}, "
        f"{outcome.tally.retries} retries (machine load {os.getloadavg()[0]:.1f})\n"
    )
    assert outcome.audit.stored == len(load.expected)
    assert outcome.audit.linked == len(load.expected)  # every event of the corridor links to its consignment
    assert outcome.problems() == [], _logs(stack)
    assert outcome.tally.answers[409] >= 1  # the conflicting resends were refused, as they must be
    # A SIGTERMed worker stops by itself (warm shutdown: its batch finished, or returned to the broker).
    assert all(stack.graceful_stops), "the worker needed a SIGKILL after SIGTERM"
