"""The corridor watch's full scan on PostgreSQL with two workers, at 10k, 50k and 100k consignments in
transit (about 20 events each), in one run. Run by hand (it drops and recreates its scratch database):

    CORRIDOR_BENCH_DB=corridor_detection_bench .venv/bin/python bench/bench_scan.py [--sizes 10000,50000,100000]

The world is ``watch_synthetic.World`` (eight real lanes, labelled anomalies), written with COPY: consignments,
their parties and legs, events and links, the lanes as corridors with their baselines. For each size the
alerts are emptied and one scan is stored (``scan.scan_create``, batches of ``CORRIDOR_SCAN_BATCH_SIZE``),
then two worker processes take its batches under claims (``scan.batch_run``, as two Celery workers would,
without the broker) until the last one finishes the scan (congestion). Then the same scan again: nothing
new is raised (idempotent), the open alerts are only refreshed.

Reported per size: wall time to finish, consignments per second, and per batch the median queries,
seconds and the worker's CPU seconds (from the ``ScanBatch`` rows), and the CPU seconds of the workers'
PostgreSQL backends (read from ``/proc``: the server must run on this machine; parallel query workers are not
counted); the ratio to the smallest size shows whether time grows linearly. PostgreSQL's own CPU runs beside
the workers on the same two cores, so on a shared machine the CPU figures say more than the wall time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CORRIDOR_BENCH_DB", "corridor_detection_bench")
import benchdb
from watch_synthetic import AS_OF, LANES, World, lane_baselines, lane_thresholds

NOW = datetime.now(UTC)


def _copy(cursor, model, rows: list[dict]) -> None:
    """COPY rows of ``model`` (dicts by attname); missing fields take their defaults."""
    if not rows:
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.get_internal_type() in ("AutoField", "BigAutoField") and f.attname not in rows[0])
    ]
    columns = [f.column for f in fields]
    table = model._meta.db_table
    defaults = {}
    for f in fields:
        default = f.get_default()
        if default is None and not f.null and f.get_internal_type() == "DateTimeField":
            default = NOW
        defaults[f.attname] = default
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    with cursor.copy(f'COPY "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for f in fields:
                value = row.get(f.attname, defaults[f.attname])
                if f.attname in json_fields and value is not None:
                    value = json.dumps(value)
                elif isinstance(value, uuid.UUID):
                    value = str(value)
                values.append(value)
            copy.write_row(values)


def load(world: World, *, start: int, partners: dict) -> tuple[int, int]:
    """Write consignments ``start``.. of the world (skipping those already written); (consignments, events)."""
    from django.db import connection, transaction

    from apps.shipments.models import Consignment, ConsignmentParty, Event, EventLink, Leg

    recorder = {
        "carrier": partners["carrier"].pk,
        "shipper": partners["shipper"].pk,
        "terminal": partners["terminal"].pk,
    }
    written = events_written = 0
    batch: dict[str, list] = {"c": [], "p": [], "l": [], "e": [], "k": []}

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            _copy(raw, Consignment, batch["c"])
            _copy(raw, ConsignmentParty, batch["p"])
            _copy(raw, Leg, batch["l"])
            _copy(raw, Event, batch["e"])
            _copy(raw, EventLink, batch["k"])
        for rows in batch.values():
            rows.clear()

    for index, c in enumerate(world):
        if index < start:
            continue
        a, _, z = c.lane.nodes
        batch["c"].append(
            {
                "id": c.id,
                "reference": c.reference,
                "transport_document_number": f"BL{c.reference[-7:]}",
                "origin": a,
                "destination": z,
                "status": "in_transit",
                "created_by_id": partners["forwarder"].pk,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        for role, who in (
            ("freight_forwarder", "forwarder"),
            ("carrier", "carrier"),
            ("consignor", "shipper"),
            ("terminal_operator", "terminal"),
        ):
            batch["p"].append({"consignment_id": c.id, "partner_id": partners[who].pk, "role": role})
        for seq, origin, destination, pd, pa, imo, voyage in c.legs:
            batch["l"].append(
                {
                    "consignment_id": c.id,
                    "sequence": seq,
                    "mode": "sea",
                    "origin": origin,
                    "destination": destination,
                    "vessel_imo": imo,
                    "voyage_number": voyage,
                    "planned_departure": pd,
                    "planned_arrival": pa,
                }
            )
        for e in c.events:
            batch["e"].append(
                {
                    "id": e.key,
                    "recorder_id": recorder[e.recorder],
                    "event_id": e.event_id,
                    "source": e.source,
                    "event_type": e.event_type,
                    "biz_step": e.biz_step,
                    "event_code": e.event_code,
                    "event_classifier": e.classifier,
                    "event_time": e.event_time,
                    "event_time_zone_offset": "+00:00",
                    "record_time": e.record_time,
                    "location": e.location,
                    "equipment": list(e.equipment),
                    "vessel_imo": e.imo,
                    "voyage_number": e.voyage,
                    "content_digest": e.key.replace("-", "") * 2,
                    "payload": {"eventID": e.event_id},
                }
            )
            batch["k"].append({"event_id": e.key, "consignment_id": c.id, "via": "consignment"})
        written += 1
        events_written += len(c.events)
        if len(batch["c"]) >= 5000:
            flush()
    flush()
    return written, events_written


def setup(count: int) -> dict:
    from apps.corridors.models import Baseline
    from apps.corridors.services import baseline_rows, corridor_create
    from apps.partners.access import system_actor
    from apps.partners.services import partner_create

    actor = system_actor("bench")
    partners = {
        "forwarder": partner_create(actor=actor, name="Bench Forwarding", country="TW", kinds=["freight_forwarder"]),
        "carrier": partner_create(actor=actor, name="Bench Lines", country="TW", kinds=["carrier"]),
        "shipper": partner_create(actor=actor, name="Bench Electronics", country="TW", kinds=["shipper"]),
        "terminal": partner_create(actor=actor, name="Bench Terminals", country="KR", kinds=["terminal_operator"]),
        "customs": partner_create(
            actor=actor, name="Bench Customs", country="US", kinds=["customs_authority"], serves_country="US"
        ),
    }
    thresholds = lane_thresholds(count).to_json()
    thresholds.pop("silence_hours")
    for lane in LANES:
        corridor = corridor_create(
            actor=actor,
            slug=lane.slug,
            name=lane.slug,
            owner=partners["forwarder"],
            nodes=list(lane.nodes),
            members=[partners["carrier"], partners["terminal"]],
            thresholds=thresholds,
        )
        Baseline.objects.bulk_create(
            baseline_rows(corridor, lane_baselines(lane).values(), as_of=AS_OF, window_days=180)
        )
    return partners


def _process_cpu(pid: int) -> float:
    """User and system CPU seconds of a process on this machine (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(scan_id: str, backend_cpu: multiprocessing.Queue) -> None:
    """One worker: take free batches of the scan under claims until none is left; puts its PostgreSQL
    backend's CPU seconds meanwhile on ``backend_cpu`` (the server runs on this machine)."""
    from django.db import connection, connections

    connections.close_all()
    from apps.corridors import scan
    from apps.corridors.models import ScanBatch

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started = _process_cpu(backend)
    while True:
        free = list(
            ScanBatch.objects.filter(scan_id=scan_id, done_at__isnull=True, claimed_at__isnull=True)
            .order_by("sequence")
            .values_list("pk", flat=True)[:2]
        )
        if not free:
            break
        for pk in free:
            scan.batch_run(pk)
    backend_cpu.put(_process_cpu(backend) - started)


def run_scan(label: str) -> dict:
    from django.db import connection, connections

    from apps.corridors import scan
    from apps.corridors.models import Scan

    created = scan.scan_create(as_of=AS_OF)
    connections.close_all()
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    backend_cpu = context.Queue()
    procs = [context.Process(target=worker, args=(str(created.pk), backend_cpu)) for _ in range(2)]
    for p in procs:
        p.start()
    postgres_cpu = sum(backend_cpu.get() for _ in procs)
    for p in procs:
        p.join()
    finished = Scan.objects.get(pk=created.pk)
    wall = time.perf_counter() - started
    assert finished.finished_at is not None, "scan not finished"
    rows = list(finished.batches.values_list("queries", "seconds", "cpu_seconds", "consignment_ids"))
    consignments = sum(len(r[3]) for r in rows)
    connection.close()
    return {
        "label": label,
        "consignments": consignments,
        "batches": len(rows),
        "wall": wall,
        "queries": statistics.median(r[0] for r in rows),
        "queries_max": max(r[0] for r in rows),
        "seconds": statistics.median(r[1] for r in rows),
        "cpu": statistics.median(r[2] for r in rows),
        "cpu_total": sum(r[2] for r in rows),
        "postgres_cpu": postgres_cpu,
        "raised": sum(finished.counts.get("raised", {}).values()),
        "refreshed": sum(finished.counts.get("refreshed", {}).values()),
        "counts": finished.counts.get("found", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    benchdb.fresh_django()
    from django.db import connection

    from apps.disruptions.models import Alert

    partners = setup(sizes[-1])
    world = World(sizes[-1], seed=args.seed)
    loaded = 0
    results = []
    print(f"load average before: {os.getloadavg()}")
    for size in sizes:
        world.count = size
        t = time.perf_counter()
        n, events = load(world, start=loaded, partners=partners)
        loaded = size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM shipments_event")
            total_events = cursor.fetchone()[0]
        print(
            f"loaded {n} consignments, {events} events in {time.perf_counter() - t:.1f} s "
            f"(total {size}, {total_events} events)"
        )
        Alert.objects.all().delete()
        first = run_scan(f"{size} first")
        again = run_scan(f"{size} again")
        results += [first, again]
        for r in (first, again):
            print(
                f"  {r['label']:<14} {r['consignments']:>7} consignments {r['batches']:>4} batches  "
                f"wall {r['wall']:7.1f} s ({r['consignments'] / r['wall']:6.0f}/s)  "
                f"per batch: queries median {r['queries']:.0f} (max {r['queries_max']}), "
                f"{r['seconds']:.2f} s, CPU {r['cpu']:.2f} s; workers' CPU total {r['cpu_total']:.1f} s, "
                f"their PostgreSQL backends' {r['postgres_cpu']:.1f} s "
                f"({r['postgres_cpu'] / r['batches']:.2f} s a batch); "
                f"raised {r['raised']}, refreshed {r['refreshed']}; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        print(f"  found: {first['counts']}")
    base = results[0]
    print("\nsize      wall s   x smallest   consignments x smallest   (first scans; machine shared, see load)")
    for r in results[::2]:
        print(
            f"{r['consignments']:>7}  {r['wall']:7.1f}   {r['wall'] / base['wall']:9.2f}   "
            f"{r['consignments'] / base['consignments']:9.2f}"
        )


if __name__ == "__main__":
    main()
