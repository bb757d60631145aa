"""Step-credential issuance on PostgreSQL: per credential in one process, and the backlog drain with
real Celery workers after an ingest. Run by hand (needs PostgreSQL and Redis on loopback):

    .venv/bin/python bench/bench_issuance.py [--events 10000] [--workers 2] [--inline 300]

1. ``--inline`` events are issued in this process (``step_credential_issue``): median ms per
   credential and credentials/s on one core; baseline in the same run: signing the same documents
   with ``dataintegrity.sign`` alone (no database, no chain, no status list).
2. ``--events`` events are ingested through ``event_batch_record`` (one issuance task per batch of
   1,000, as in production); ``--workers`` worker processes on Redis drain the backlog. Prints the
   ingest time and the drain time after the ingest ended (target under 20 s for 10,000 events).
3. A backlog of ``--events`` events queued with no worker running is drained by ``--workers``
   workers: credentials/s from the first committed batch to the last (target 1,000 on this
   machine), and its ratio to the one-core rate of step 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import benchdb

ROOT = benchdb.ROOT


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--inline", type=int, default=300)
    args = parser.parse_args()

    benchdb.fresh_django(broker="redis")
    from apps.credentials import dataintegrity
    from apps.credentials.models import Credential
    from apps.credentials.services.issuance import step_credentials_issue_batch
    from apps.shipments.ingest.service import event_batch_record
    from apps.shipments.ingest.types import DOC_TRANSPORT_DOCUMENT, SOURCE_NATIVE, DocumentRef, EventIn
    from apps.shipments.models import Event

    consignments = 200
    carrier, actor = benchdb.carrier_with_consignments(consignments)
    start = datetime(2026, 11, 1, tzinfo=UTC)

    def events(first: int, count: int) -> list[EventIn]:
        return [
            EventIn(
                source=SOURCE_NATIVE,
                event_type="TRANSPORT",
                event_id=f"bench-{n}",
                event_time=start + timedelta(minutes=n),
                event_time_zone_offset="+08:00",
                payload={"eventID": f"bench-{n}", "code": "DEPA"},
                event_code="DEPA",
                location="TWKHH",
                documents=[DocumentRef(DOC_TRANSPORT_DOCUMENT, f"BENCHBL{n % consignments:05d}")],
            )
            for n in range(first, first + count)
        ]

    # 1. In this process.
    from celery import current_app

    current_app.conf.task_always_eager = False
    inline = events(10_000_000, args.inline)
    for b in range(0, len(inline), 1000):
        event_batch_record(actor=actor, events=inline[b : b + 1000], channel="bench")
    benchdb.flush_queue()  # the inline events' tasks: issued here instead
    timings = []
    pks = list(Event.objects.filter(event_id__startswith="bench-1000").values_list("pk", flat=True))
    for b in range(0, len(pks), 100):  # as the worker task does, in chunks
        chunk = pks[b : b + 100]
        t0 = time.perf_counter()
        step_credentials_issue_batch(event_pks=chunk)
        timings.append((time.perf_counter() - t0) / len(chunk))
    documents = [Credential.objects.get(event__event_id=e.event_id).document for e in inline[:100]]
    import json

    from apps.credentials.services.keys import partner_key_ensure, private_key_of

    key = private_key_of(partner_key_ensure(partner=carrier))
    sign_times = []
    for raw in documents:
        unsigned = {k: v for k, v in json.loads(bytes(raw)).items() if k != "proof"}
        t0 = time.perf_counter()
        dataintegrity.sign(unsigned, private_key=key, verification_method="did:example:bench#key", created=start)
        sign_times.append(time.perf_counter() - t0)

    # 2. Real workers draining the backlog of an ingest, while the ingest runs.
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
        bulk = events(0, args.events)
        for b in range(0, len(bulk), 1000):
            event_batch_record(actor=actor, events=bulk[b : b + 1000], channel="bench")
        ingest_seconds = time.perf_counter() - t0
        total_seconds = wait_all_issued(t0)
    finally:
        workers.terminate()
        workers.wait(30)

    # 3. A backlog queued with no worker running, then drained by the workers alone.
    backlog = events(args.events, args.events)
    for b in range(0, len(backlog), 1000):
        event_batch_record(actor=actor, events=backlog[b : b + 1000], channel="bench")
    before = Credential.objects.count()
    workers = start_workers()
    try:
        t0 = time.perf_counter() - 4  # the workers started 4 s ago (start_workers waits for them)
        # The rate is timed from the first committed batch to the last, so worker start-up (and the
        # first batch, whose credentials are not counted) stays out of it.
        while (first := Credential.objects.count()) == before and time.perf_counter() - t0 < 600:
            time.sleep(0.05)
        t_first = time.perf_counter()
        drain_seconds = wait_all_issued(t0)
        steady_seconds = time.perf_counter() - t_first
        drained = Credential.objects.count() - before
        steady = drained - (first - before)
    finally:
        workers.terminate()
        workers.wait(30)

    median_ms = statistics.median(timings) * 1000
    sign_ms = statistics.median(sign_times) * 1000
    print(
        f"in-process (batches of 100): median {median_ms:.2f} ms per step credential = "
        f"{1000 / median_ms:,.0f}/s on one core; "
        f"baseline dataintegrity.sign alone {sign_ms:.2f} ms ({1000 / sign_ms:,.0f}/s); ratio {sign_ms / median_ms:.2f}"
    )
    issued = args.events
    print(
        f"ingest of {args.events} events: {ingest_seconds:.1f} s; all {issued} credentials issued "
        f"{total_seconds - ingest_seconds:.1f} s after the ingest ended (target < 20 s) by {args.workers} workers"
    )
    print(
        f"backlog of {drained} events drained by {args.workers} workers alone in {drain_seconds:.1f} s including "
        f"worker start-up ({drained / drain_seconds:,.0f}/s); from the first committed batch to the last: "
        f"{steady / steady_seconds:,.0f} credentials/s (target 1,000 on this 2-core machine; one core in-process "
        f"above: {1000 / median_ms:,.0f}/s, so {steady / steady_seconds / (1000 / median_ms):.2f}x from 2 workers)"
    )


if __name__ == "__main__":
    main()
