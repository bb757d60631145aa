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
import statistics
import time
from datetime import UTC, datetime, timedelta

import benchdb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    benchdb.fresh_django(broker="redis")  # each batch enqueues its credentials; no worker runs
    from django.db import connection

    from apps.shipments.ingest.service import event_batch_record
    from apps.shipments.ingest.types import DOC_TRANSPORT_DOCUMENT, SOURCE_NATIVE, DocumentRef, EventIn
    from apps.shipments.models import Event

    consignments = 50
    _, actor = benchdb.carrier_with_consignments(consignments)

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

    # Baseline: exactly the event rows the service stored, COPYed raw into a table of the same shape.
    import json

    from django.db import models

    fields = Event._meta.concrete_fields
    columns = [field.column for field in fields]
    is_json = [isinstance(field, models.JSONField) for field in fields]
    rows = [
        tuple(
            json.dumps(value) if json_column and value is not None else value
            for value, json_column in zip(row, is_json, strict=True)
        )
        for row in Event.objects.values_list(*[field.attname for field in fields])
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
    benchdb.flush_queue()


if __name__ == "__main__":
    main()
