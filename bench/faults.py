"""The production shape under faults, at the issue's scale: the fault table of issue 17, re-measured.

Run by hand (PostgreSQL and Redis on loopback; uses databases ``corridor_faults_bench*`` and Redis database
``CORRIDOR_FAULTS_REDIS_DB``, 6 by default, through proxies it pauses: the servers are never stopped):

    .venv/bin/python bench/faults.py [--consignments 300] [--per-format 8] [--clients 4] [--faults none,worker-kill,...]

A corridor of ``--consignments`` consignments, ``--per-format`` native, EPCIS 2.0 and DCSA 2.2 events each
(7,200 events by default, in batches of 50 and EPCIS documents of 100), with every fourth request resent
exactly and, for the synchronous endpoints, one event of it resent with other content (a 409), is pushed
by ``--clients`` concurrent clients at gunicorn (2 workers), a Celery worker (2 processes) on Redis and
beat, on a fresh clone of a seeded database. One run per fault (tests/faults/harness.py: ``inject``),
injected once 30 % of the requests were answered:

- ``none``: the baseline;
- ``worker-kill``: the worker's whole process group SIGKILLed, restarted 3 s later;
- ``worker-stop``: SIGTERM to the worker (warm shutdown: its batch finishes or returns), restarted 1 s after;
- ``web-kill``: gunicorn's whole process group SIGKILLed mid-load, restarted 1 s later (clients retry);
- ``postgres-down``: every connection to PostgreSQL cut and new ones refused for 10 s;
- ``redis-down``: Redis silent for 10 s (connections accepted, nothing carried).

Claims and sweeps keep their production defaults (heartbeat 15 s, sweep interval 300 s) unless
``--quick``. Per run: events lost and doubled, linked events without their step credential, chain forks or
gaps, capture jobs failed or still running, answers 500, the time until every client had its answer, and
the time until the ledger was quiet (every credential issued, every job finished), with its ratio to the
baseline of the same invocation. The machine's load average is printed with each row: the figures
depend on it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faults import harness

TEMPLATE = "corridor_faults_bench_template"
RUN_DB = "corridor_faults_bench_run"
QUICK = {"CORRIDOR_CLAIM_HEARTBEAT_SECONDS": "2", "CORRIDOR_SWEEP_INTERVAL_SECONDS": "10"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consignments", type=int, default=300)
    parser.add_argument("--per-format", type=int, default=8, help="events of each format per consignment")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50, help="events per API batch (EPCIS documents: twice that)")
    parser.add_argument("--faults", default=",".join(harness.FAULTS))
    parser.add_argument("--settle-timeout", type=float, default=900)
    parser.add_argument("--quick", action="store_true", help="claims stale and sweeps within seconds (as the tests)")
    args = parser.parse_args()
    # Stopped by a signal (also when started in the background, where SIGINT is ignored), the finally blocks
    # still stop the stack it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    faults = [fault.strip() for fault in args.faults.split(",") if fault.strip()]
    redis_db = int(os.environ.get("CORRIDOR_FAULTS_REDIS_DB", "6"))
    missing = harness.services_missing(redis_db)
    if missing:
        sys.stderr.write(f"bench/faults.py needs PostgreSQL and Redis: {missing}\n")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="corridor-faults-bench-"))
    started = time.monotonic()
    seeded = harness.prepare_template(TEMPLATE, consignments=args.consignments, workdir=workdir / "seed")
    load = harness.corridor_load(
        seeded, per_format=args.per_format, clients=args.clients, batch=args.batch, resend_every=4
    )
    print(
        f"corridor: {args.consignments} consignments, {len(load.expected)} events (native, EPCIS 2.0, DCSA 2.2), "
        f"{load.requests} requests from {args.clients} clients incl. exact and conflicting resends; "
        f"seeded in {time.monotonic() - started:.0f} s; logs under {workdir}",
        flush=True,
    )
    outcomes: list[harness.Outcome] = []
    loads: list[float] = []
    for fault in faults:
        run_dir = workdir / fault
        run_dir.mkdir(parents=True)
        stack = harness.Stack(
            template=TEMPLATE,
            name=RUN_DB,
            redis_db=redis_db,
            workdir=run_dir,
            settings=QUICK if args.quick else {},
        )
        try:
            stack.start()
            outcome = harness.run(stack, load, seeded["tokens"], fault, settle_timeout=args.settle_timeout)
        finally:
            stack.stop()
        outcomes.append(outcome)
        loads.append(os.getloadavg()[0])
        print(
            f"  {fault}: load {outcome.load_seconds:.1f} s, settled {outcome.settle_seconds:.1f} s, answers "
            f"{dict(sorted(outcome.tally.answers.items()))}, {outcome.tally.retries} retries, problems: "
            f"{outcome.problems() or 'none'} (load average {loads[-1]:.1f})",
            flush=True,
        )
    harness.drop_database(TEMPLATE)

    baseline = next((outcome.settle_seconds for outcome in outcomes if outcome.fault == "none"), None)
    print()
    print(
        "| fault | events lost / doubled | linked without credential / chain faults | jobs failed / stranded "
        "| answers 500 | answers 503 | load done | settled | settled vs no fault | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for outcome, load_average in zip(outcomes, loads, strict=True):
        audit = outcome.audit
        ratio = f"{outcome.settle_seconds / baseline:.2f}x" if baseline else "-"
        print(
            f"| {outcome.fault} | {len(audit.lost)} / {len(audit.doubled)} "
            f"| {audit.linked_without_credential} / {len(audit.chain_faults)} "
            f"| {audit.jobs.get('failed', 0)} / {audit.jobs.get('running', 0)} "
            f"| {len(outcome.tally.server_errors)} | {outcome.tally.answers.get(503, 0)} "
            f"| {outcome.load_seconds:.1f} s | {outcome.settle_seconds:.1f} s | {ratio} | {load_average:.1f} |"
        )
    failed = [outcome.fault for outcome in outcomes if outcome.problems()]
    if failed:
        print(f"\nruns with problems: {', '.join(failed)} (details above)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
