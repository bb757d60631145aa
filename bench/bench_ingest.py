"""Ingest throughput: N native events in batches of 1,000 through ``event_batch_record`` on PostgreSQL.

Run by hand (needs the local PostgreSQL):

    .venv/bin/python bench/bench_ingest.py [--events 100000] [--batch 1000]

It creates (or empties) the database ``corridor_bench``, migrates it, records the events through the
service (dedup, links, object index, status, audit), and, in the same run, COPYs the same event rows
with raw psycopg into a scratch table shaped like ``shipments_event``: the baseline. Prints events/s
for both, the median batch time, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "corridor_bench"
os.environ["CORRIDOR_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
# Production's broker (each batch enqueues its credential issuance); no worker runs, the queue is flushed.
os.environ["CORRIDOR_BROKER_URL"] = "redis://127.0.0.1:6379/15"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")


def _reset_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    _reset_database()
    import redis

    redis.Redis(db=15).flushdb()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from apps.partners.access import Actor, system_actor
    from apps.partners.services import partner_create
    from apps.shipments.ingest.service import event_batch_record
    from apps.shipments.ingest.types import DOC_TRANSPORT_DOCUMENT, SOURCE_NATIVE, DocumentRef, EventIn
    from apps.shipments.services import consignment_create

    carrier = partner_create(actor=system_actor("bench"), name="Bench Lines", country="TW", kinds=["carrier"])
    actor = Actor(partner=carrier, role="operator", system_label="bench")
    consignments = 50
    for i in range(consignments):
        consignment_create(
            actor=actor,
            data={
                "reference": f"BENCH-{i}",
                "transport_document_number": f"BENCHBL{i:05d}",
                "origin": "TWKHH",
                "destination": "USLAX",
                "parties": [{"partner": carrier.slug, "role": "carrier"}],
            },
        )

    start = datetime(2026, 11, 1, tzinfo=UTC)
    codes = ["GTIN", "LOAD", "DEPA", "ARRI", "DISC", "GTOT"]

    def event(n: int) -> EventIn:
        code = codes[n % len(codes)]
        payload = {
            "eventID": f"bench-{n}",
            "eventType": "TRANSPORT",
            "transportEventTypeCode": code,
            "eventDateTime": (start + timedelta(minutes=n)).isoformat(),
            "UNLocationCode": "TWKHH",
        }
        return EventIn(
            source=SOURCE_NATIVE,
            event_type="TRANSPORT",
            event_id=f"bench-{n}",
            event_time=start + timedelta(minutes=n),
            event_time_zone_offset="+00:00",
            payload=payload,
            event_code=code,
            location="TWKHH",
            equipment=[f"MSCU{n % 1000:06d}"],
            documents=[DocumentRef(DOC_TRANSPORT_DOCUMENT, f"BENCHBL{n % consignments:05d}")],
        )

    batches = [
        [event(n) for n in range(b, min(b + args.batch, args.events))] for b in range(0, args.events, args.batch)
    ]
    timings = []
    t0 = time.perf_counter()
    for batch in batches:
        b0 = time.perf_counter()
        event_batch_record(actor=actor, events=batch, channel="bench")
        timings.append(time.perf_counter() - b0)
    service_seconds = time.perf_counter() - t0

    # Baseline: the same Event rows, COPYed raw into a table shaped like shipments_event.
    import json
    import uuid

    columns = [
        "id",
        "recorder_id",
        "event_id",
        "version",
        "is_latest",
        "source",
        "event_type",
        "action",
        "biz_step",
        "disposition",
        "event_code",
        "event_classifier",
        "event_time",
        "event_time_zone_offset",
        "record_time",
        "location",
        "read_point",
        "biz_location",
        "epcs",
        "parent_id",
        "child_epcs",
        "equipment",
        "documents",
        "biz_transactions",
        "sensor_readings",
        "mode_of_transport",
        "vessel_imo",
        "voyage_number",
        "hash_id",
        "content_digest",
        "is_retracted",
        "is_erroneous",
        "warnings",
        "payload",
    ]
    now = datetime.now(UTC)
    rows = [
        (
            uuid.uuid4(),
            carrier.pk,
            e.event_id,
            1,
            True,
            e.source,
            e.event_type,
            "",
            "",
            "",
            e.event_code,
            "",
            e.event_time,
            "+00:00",
            now,
            e.location,
            "",
            "",
            "[]",
            "",
            "[]",
            json.dumps(e.equipment),
            json.dumps([{"type": d.type, "value": d.value} for d in e.documents]),
            "[]",
            "[]",
            "",
            "",
            "",
            "",
            "0" * 64,
            False,
            False,
            "[]",
            json.dumps(e.payload),
        )
        for batch in batches
        for e in batch
    ]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_baseline (LIKE shipments_event INCLUDING DEFAULTS)")
        raw = cursor.connection
        c0 = time.perf_counter()
        with raw.cursor() as pg, pg.copy(f"COPY copy_baseline ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        copy_seconds = time.perf_counter() - c0

    service_rate = args.events / service_seconds
    copy_rate = args.events / copy_seconds
    print(f"events: {args.events}, batch: {args.batch}, consignments: {consignments}")
    print(
        f"service (event_batch_record): {service_seconds:.2f} s, {service_rate:,.0f} events/s, "
        f"median batch {statistics.median(timings) * 1000:.0f} ms"
    )
    print(f"baseline raw COPY of the event rows: {copy_seconds:.2f} s, {copy_rate:,.0f} events/s")
    print(f"ratio service/COPY: {service_rate / copy_rate:.2f}")
    print(f"floor 5,000 events/s: {'met' if service_rate >= 5000 else 'NOT met'}")
    redis.Redis(db=15).flushdb()


if __name__ == "__main__":
    main()
