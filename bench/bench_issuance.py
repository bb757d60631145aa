"""Step-credential issuance on PostgreSQL, against the signing it is made of: per credential in one process,
the backlog drain with real Celery workers, and the sign rates of one core, two cores and Digital Bazaar's
JavaScript in the same run. Run by hand (needs PostgreSQL and Redis on loopback; node and
``npm ci --prefix tests/interop`` for the JavaScript figure):

    .venv/bin/python bench/bench_issuance.py [--events 10000] [--workers 2] [--inline 1000] [--sign 500] [--profile]

Every event is the named reference of DESIGN §10, the first event of GS1's ``Example_9.6.1-ObjectEvent.jsonld``
as the EPCIS parser reads it, each with its own ``eventID`` and a B/L number that links it to one of 200
consignments (so every credential extends a chain, under that chain's lock).

1. ``--inline`` events are issued in this process in batches of 250, as the worker task does: median wall and
   CPU ms per credential, the CPU its PostgreSQL backend spent (so the bound two idle cores put on the drain),
   credentials/s on one core. ``--profile`` prints a cProfile summary of one batch.
2. Signing alone (no database, no chain, no status list): ``dataintegrity.sign`` of the reference credential
   as ``bench_interop_js.py`` signs it (a did:key issuer, each copy with its own ``created``), on one core and
   on two cores at once (two processes), and Digital Bazaar's ``@digitalbazaar/vc`` on the same credential.
3. ``--events`` events are ingested through ``event_batch_record`` (one issuance task per batch of 1,000, as
   in production) while ``--workers`` worker processes on Redis drain the backlog: the ingest time and the
   drain time after the ingest ended (target under 20 s for 10,000 events).
4. A backlog of ``--events`` events queued with no worker running is drained by ``--workers`` workers:
   credentials/s from the first committed batch to the last (target 1,500 on this 2-core machine), and its
   ratio to each sign rate of step 2. Also the CPU time the worker processes spent per credential over the
   same span (from /proc), which depends far less than the rate on what else the machine runs: two idle
   cores drain at most 2 s / that, less what PostgreSQL takes (not counted: its backends come and go with
   the workers' connections).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import dataclasses
import io
import json
import multiprocessing
import os
import pstats
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

# Production settings' DEBUG (off): Django's debug cursor would time and keep every query in the workers too.
os.environ.setdefault("CORRIDOR_DEBUG", "false")

import bench_interop_js
import benchdb

ROOT = benchdb.ROOT
CONSIGNMENTS = 200
CHUNK = 250  # the worker task's transaction size (apps.credentials.tasks)


def reference_events(first: int, count: int) -> list:
    """``count`` copies of the reference EPCIS event, each with its own eventID and a B/L of a bench consignment."""
    from apps.shipments.epcis.parse import parse_document
    from apps.shipments.ingest.types import DOC_TRANSPORT_DOCUMENT, DocumentRef
    from tests.credentials.samples import EXAMPLE_9_6_1

    reference = parse_document(json.loads(EXAMPLE_9_6_1.read_text(encoding="utf-8")))[0]
    events = []
    for number in range(first, first + count):
        event_id = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        events.append(
            dataclasses.replace(
                reference,
                payload={**copy.deepcopy(reference.payload), "eventID": event_id},
                event_id=event_id,
                hash_id="",
                documents=[
                    *reference.documents,
                    DocumentRef(DOC_TRANSPORT_DOCUMENT, f"BENCHBL{number % CONSIGNMENTS:05d}"),
                ],
            )
        )
    return events


def _sign_many(args: tuple[dict, int, int]) -> tuple[float, float]:
    """In a pool process: sign ``count`` copies, each with its own ``created``; (start, end), monotonic clock."""
    unsigned, count, offset = args
    from apps.credentials.dataintegrity import sign
    from apps.credentials.multikey import did_key_verification_method

    _, key = bench_interop_js.reference_credential()
    method = did_key_verification_method(key.public_key())
    for number in range(50):  # warm up, as the one-core measurement does
        sign(
            unsigned,
            private_key=key,
            verification_method=method,
            created=bench_interop_js.START - timedelta(seconds=number),
        )
    began = time.monotonic()
    for number in range(count):
        created = bench_interop_js.START + timedelta(seconds=offset + number)
        sign(unsigned, private_key=key, verification_method=method, created=created)
    return began, time.monotonic()


def sign_rates(count: int) -> tuple[float, float, float | None]:
    """Credentials/s signed on one core (1 / median), on two cores at once (both together), and by Digital Bazaar."""
    from django.db import connections

    unsigned, key = bench_interop_js.reference_credential()
    sign_times, _, _ = bench_interop_js.corridor(unsigned, key, count)
    one_core = 1 / statistics.median(sign_times)
    connections.close_all()  # the children fork from here and never touch the database
    with multiprocessing.get_context("fork").Pool(2) as pool:
        spans = pool.map(_sign_many, [(unsigned, count, 0), (unsigned, count, 10 * count)])
    two_cores = 2 * count / (max(end for _, end in spans) - min(start for start, _ in spans))
    try:
        js = bench_interop_js.digital_bazaar(unsigned, count)
    except RuntimeError as error:
        print(f"Digital Bazaar's figure skipped: {error}")
        return one_core, two_cores, None
    return one_core, two_cores, 1000 / js["sign"]["median_ms"]


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds used so far by each of these processes still alive (Linux /proc)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: proc(5)
    return used


def _worker_processes(root: int) -> list[int]:
    """A Celery worker and every process under it (its pool)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--inline", type=int, default=1000)
    parser.add_argument("--sign", type=int, default=500, help="credentials per signing measurement")
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary of one in-process batch")
    args = parser.parse_args()

    benchdb.fresh_django(broker="redis")
    from celery import current_app
    from django.db import connection

    from apps.credentials.models import Credential
    from apps.credentials.services.issuance import step_credentials_issue_batch
    from apps.shipments.ingest.service import event_batch_record
    from apps.shipments.models import Event

    _, actor = benchdb.carrier_with_consignments(CONSIGNMENTS)

    def ingest(events: list) -> None:
        for b in range(0, len(events), 1000):
            event_batch_record(actor=actor, events=events[b : b + 1000], channel="bench")

    # 1. In this process, in the worker task's chunks; the first chunk warms the caches and is not timed.
    current_app.conf.task_always_eager = False
    inline = reference_events(10_000_000, args.inline + 2 * CHUNK)
    ingest(inline)
    benchdb.flush_queue()  # the inline events' tasks: issued here instead
    pks = [str(pk) for pk in Event.objects.order_by("record_time").values_list("pk", flat=True)]
    step_credentials_issue_batch(event_pks=pks[:CHUNK])
    walls, cpus = [], []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = [cursor.fetchone()[0]]
    backend_cpu = sum(_cpu_seconds(backend).values())
    for b in range(CHUNK, CHUNK + args.inline, CHUNK):
        chunk = pks[b : b + CHUNK]
        wall, cpu = time.perf_counter(), time.process_time()
        step_credentials_issue_batch(event_pks=chunk)
        walls.append((time.perf_counter() - wall) / len(chunk))
        cpus.append((time.process_time() - cpu) / len(chunk))
    # This process's connection stays open, so its backend's CPU is PostgreSQL's share of the same work.
    database_cpu_ms = (sum(_cpu_seconds(backend).values()) - backend_cpu) / args.inline * 1000
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        step_credentials_issue_batch(event_pks=pks[-CHUNK:])
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
        print(f"profile of one in-process batch of {CHUNK} (cProfile, sorted by own time):\n{out.getvalue()}")
    for b in range(0, len(pks), CHUNK):  # whatever step 1 left: the later steps wait for every credential
        step_credentials_issue_batch(event_pks=pks[b : b + CHUNK])

    # 2. Signing alone, in the same run.
    one_core, two_cores, javascript = sign_rates(args.sign)

    # 3. Real workers draining the backlog of an ingest, while the ingest runs.
    def start_workers() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "corridor",
                "worker",
                "--concurrency",
                str(args.workers),
                "--loglevel",
                "WARNING",
                "--prefetch-multiplier",
                "1",
                "-O",
                "fair",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(4)
        return process

    def wait_all_issued(t0: float) -> float:
        target = Event.objects.count()
        while Credential.objects.count() < target and time.perf_counter() - t0 < 600:
            time.sleep(0.2)
        return time.perf_counter() - t0

    workers = start_workers()
    try:
        t0 = time.perf_counter()
        ingest(reference_events(0, args.events))
        ingest_seconds = time.perf_counter() - t0
        total_seconds = wait_all_issued(t0)
    finally:
        workers.terminate()
        workers.wait(30)

    # 4. A backlog queued with no worker running, then drained by the workers alone.
    ingest(reference_events(args.events, args.events))
    before = Credential.objects.count()
    workers = start_workers()
    try:
        t0 = time.perf_counter() - 4  # the workers started 4 s ago (start_workers waits for them)
        # The rate is timed from the first committed batch to the last, so worker start-up (and the
        # first batch, whose credentials are not counted) stays out of it.
        while (first := Credential.objects.count()) == before and time.perf_counter() - t0 < 600:
            time.sleep(0.05)
        t_first = time.perf_counter()
        pool = _worker_processes(workers.pid)
        cpu_first = sum(_cpu_seconds(pool).values())
        drain_seconds = wait_all_issued(t0)
        steady_seconds = time.perf_counter() - t_first
        cpu_worker = (sum(_cpu_seconds(pool).values()) - cpu_first) / max(1, Credential.objects.count() - first)
        drained = Credential.objects.count() - before
        steady = drained - (first - before)
    finally:
        workers.terminate()
        workers.wait(30)

    wall_ms, cpu_ms = statistics.median(walls) * 1000, statistics.median(cpus) * 1000
    rate = steady / steady_seconds
    print(
        f"reference credential (first event of Example_9.6.1, one chain link each); in-process, batches of {CHUNK}: "
        f"median {wall_ms:.2f} ms per step credential ({cpu_ms:.2f} ms CPU, and {database_cpu_ms:.2f} ms in its "
        f"PostgreSQL backend) = {1000 / wall_ms:,.0f}/s on one core; at these CPU costs two idle cores issue at most "
        f"{2000 / (cpu_ms + database_cpu_ms):,.0f}/s"
    )
    print(
        f"ingest of {args.events} events: {ingest_seconds:.1f} s; all {args.events} credentials issued "
        f"{total_seconds - ingest_seconds:.1f} s after the ingest ended (target < 20 s) by {args.workers} workers"
    )
    print(
        f"backlog of {drained} events drained by {args.workers} workers alone in {drain_seconds:.1f} s including "
        f"worker start-up ({drained / drain_seconds:,.0f}/s); from the first committed batch to the last: "
        f"{rate:,.0f} credentials/s (target 1,500 on this 2-core machine); the workers' CPU per credential over "
        f"that span {cpu_worker * 1000:.2f} ms, so two idle cores would drain at most {2 / cpu_worker:,.0f}/s less "
        f"PostgreSQL's share"
    )
    print(
        f"signing alone, the same run (dataintegrity.sign, each credential with its own `created`, {args.sign} each):"
    )
    rows = [("one core", one_core), ("two cores at once", two_cores)]
    if javascript is not None:
        rows.append(("Digital Bazaar's JavaScript, one core", javascript))
    for label, sign_rate in rows:
        print(f"  {label:<38} {sign_rate:8,.0f}/s   drain / this = {rate / sign_rate:5.2f}x")


if __name__ == "__main__":
    main()
