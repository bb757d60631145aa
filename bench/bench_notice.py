"""How long does a notice for a busy port take to reach every affected consignment's alert, on PostgreSQL? Run by
hand: ``.venv/bin/python bench/bench_notice.py [--consignments 100000] [--runs 3] [--profile]`` (needs the local
PostgreSQL; see benchdb.py; ``CORRIDOR_BENCH_DB`` names the scratch database).

Issue 16 sets the target: a notice for a busy port reaches every affected consignment's alert in under 5 s
with 100,000 consignments loaded. The generator COPYs ``--consignments`` consignments onto weekly lanes
between real UN/LOCODEs (origin → hub → destination, two planned legs each with its voyage, four parties:
consignor, forwarder, carrier, consignee), departures spread over ten weeks around the judging moment, the
legs' actual times filled in where they happened by then (a few late and still waiting), and customs
authorities for every country. Then, for each run:

1. **busy**: a typhoon notice at the busiest hub (KRPUS), three days from the judging moment, created through
   ``notice_create`` and propagated in this process exactly as the worker's task does
   (``notice_propagation_run``): wall time from the notice's creation to its alerts committed, this process's
   CPU and PostgreSQL's backend CPU over the same span, the consignments touched and the alerts raised;
2. **quiet** (the baseline, same run): the same at a port few consignments still pass (AUMEL);
3. the busy notice propagated again (nothing new: every alert refreshed) and ended (every alert resolved).

Medians over ``--runs`` (each run a new notice, the previous ones ended), after one warm-up notice. The
machine is shared: read the figures with the load average printed next to them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdb

SEED = 16
AS_OF = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
TARGET_SECONDS = 5.0
# (origin, hub, destination, share): the hubs' shares make KRPUS the busiest.
LANES = (
    ("TWKHH", "KRPUS", "USLAX", 14),
    ("CNNGB", "KRPUS", "USLGB", 10),
    ("JPTYO", "KRPUS", "USSEA", 6),
    ("VNSGN", "SGSIN", "NLRTM", 10),
    ("THLCH", "SGSIN", "DEHAM", 8),
    ("IDJKT", "SGSIN", "BEANR", 6),
    ("CNSHA", "HKHKG", "USNYC", 8),
    ("PHMNL", "HKHKG", "USOAK", 6),
    ("CNSZX", "CNSHA", "GBFXT", 6),
    ("MYPKG", "LKCMB", "ITGOA", 6),
    ("INNSA", "AEJEA", "ESVLC", 6),
    ("BRSSZ", "PAMIT", "USHOU", 6),
    ("NZAKL", "AUSYD", "AUMEL", 1),
)
COUNTRIES = sorted({code[:2] for lane in LANES for code in lane[:3]})
PARTIES_PER_KIND = 40


def _load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of one PostgreSQL backend (Linux /proc; same machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, PermissionError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(count: int, rnd: random.Random) -> None:
    """COPY partners, consignments, parties and legs; constraints hold as the services would have them."""
    from django.db import connection

    from apps.partners.models import Partner

    now = datetime.now(UTC)
    kinds = {
        "consignor": "shipper",
        "freight_forwarder": "freight_forwarder",
        "carrier": "carrier",
        "consignee": "consignee",
    }
    partners: dict[str, list[uuid.UUID]] = {}
    rows = []
    for role, kind in kinds.items():
        for n in range(PARTIES_PER_KIND):
            partner = Partner(slug=f"{kind.replace('_', '-')}-{n}", name=f"{kind} {n} (bench)", country="TW")
            rows.append((role, partner))
    Partner.objects.bulk_create([p for _, p in rows], batch_size=1000)
    for role, partner in rows:
        partners.setdefault(role, []).append(partner.pk)
    Partner.objects.bulk_create(
        [
            Partner(slug=f"customs-{c.lower()}", name=f"Customs {c} (bench)", country=c, serves_country=c)
            for c in COUNTRIES
        ]
    )
    weights = [lane[3] for lane in LANES]
    consignments, parties, legs = [], [], []
    for n in range(count):
        origin, hub, destination, _ = rnd.choices(LANES, weights)[0]
        cid = uuid.uuid4()
        creator = rnd.choice(partners["freight_forwarder"])
        departs = AS_OF + timedelta(days=rnd.uniform(-50, 20))
        first_arrival = departs + timedelta(days=3)
        onward = first_arrival + timedelta(days=2)
        arrival = onward + timedelta(days=14)
        late = rnd.random() < 0.05  # stuck somewhere: what has not happened by the plan has not happened yet
        delay = timedelta(hours=rnd.uniform(0, 18))

        def happened(planned: datetime, delay: timedelta = delay, late: bool = late) -> datetime | None:
            actual = planned + delay
            return actual if actual <= AS_OF and not late else None

        dep1, arr1, dep2, arr2 = happened(departs), happened(first_arrival), happened(onward), happened(arrival)
        status = "delivered" if arr2 else "in_transit" if dep1 else "booked"
        consignments.append(
            (
                cid,
                now,
                now,
                f"BN-{n:06d}",
                "BL",
                f"BNBL{n:08d}",
                f"BNBK{n:08d}",
                origin,
                destination,
                "",
                status,
                creator,
            )
        )
        carrier = rnd.choice(partners["carrier"])
        parties.append((cid, rnd.choice(partners["consignor"]), "consignor"))
        parties.append((cid, creator, "freight_forwarder"))
        parties.append((cid, carrier, "carrier"))
        parties.append((cid, rnd.choice(partners["consignee"]), "consignee"))
        week = int((departs - AS_OF).days // 7)
        legs.append(
            (
                cid,
                1,
                "sea",
                origin,
                hub,
                carrier,
                f"{origin[2:]}{week % 100:02d}W",
                "9412347",
                "",
                departs,
                first_arrival,
                dep1,
                arr1,
            )
        )
        legs.append(
            (
                cid,
                2,
                "sea",
                hub,
                destination,
                carrier,
                f"{hub[2:]}{week % 100:02d}E",
                "9530010",
                "",
                onward,
                arrival,
                dep2,
                arr2,
            )
        )
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            with pg.copy(
                "COPY shipments_consignment (id, created_at, updated_at, reference, transport_document_type, "
                "transport_document_number, booking_reference, origin, destination, corridor, status, created_by_id) "
                "FROM STDIN"
            ) as copy:
                for row in consignments:
                    copy.write_row(row)
            with pg.copy("COPY shipments_consignmentparty (consignment_id, partner_id, role) FROM STDIN") as copy:
                for row in parties:
                    copy.write_row(row)
            with pg.copy(
                "COPY shipments_leg (consignment_id, sequence, mode, origin, destination, carrier_id, voyage_number, "
                "vessel_imo, vessel_name, planned_departure, planned_arrival, actual_departure, actual_arrival) "
                "FROM STDIN"
            ) as copy:
                for row in legs:
                    copy.write_row(row)
        cursor.execute("ANALYZE")


def _notice(place: str, title: str, starts: datetime) -> object:
    from apps.corridors.notices.services import notice_create
    from apps.partners.access import system_actor

    return notice_create(
        actor=system_actor("bench"),
        values={
            "kind": "weather",
            "title": title,
            "place": place,
            "starts_at": starts,
            "ends_at": starts + timedelta(days=3),
            "source": "bench",
        },
    )


def measure(label: str, step, pid: int) -> dict[str, float]:
    from django.db import transaction

    wall, cpu, pg = time.perf_counter(), time.process_time(), _backend_cpu(pid)
    with transaction.atomic():
        result = step()
    figures = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "pg_cpu": _backend_cpu(pid) - pg,
    }
    figures.update(result)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consignments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary of one busy propagation")
    parser.add_argument("--queries", action="store_true", help="print the slowest queries of one busy propagation")
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run loaded (profiling)")
    args = parser.parse_args()

    if args.reuse:
        import django

        django.setup()
    else:
        benchdb.fresh_django()
    from django.db import connection

    from apps.corridors.notices.propagation import notice_propagation_run
    from apps.corridors.notices.services import notice_end
    from apps.disruptions.models import Alert
    from apps.partners.access import system_actor

    rnd = random.Random(SEED)
    t0 = time.perf_counter()
    if not args.reuse:
        load(args.consignments, rnd)
        print(f"loaded {args.consignments:,} consignments (4 parties, 2 legs each) in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def propagate(place: str, title: str, moment: datetime):
        def step() -> dict[str, float]:
            notice = _notice(place, title, moment)
            reach = notice_propagation_run(notice_id=notice.pk, as_of=moment)
            step.notice = notice
            return {"consignments": reach.consignments, "alerts": sum(reach.result.raised.values())}

        return step

    results: dict[str, list[dict[str, float]]] = {"busy": [], "quiet": [], "again": [], "end": []}
    # Warm-up, not counted: the first enqueue loads the broker's modules, the first queries fill the caches.
    measure("warm-up", propagate("AUMEL", "Warm-up", AS_OF - timedelta(days=1)), pid)
    for run in range(args.runs):
        moment = AS_OF + timedelta(minutes=run)
        busy = propagate("KRPUS", f"Typhoon at Busan, run {run}", moment)
        if args.profile and run == 0:
            profiler = cProfile.Profile()
            profiler.enable()
        if args.queries and run == 0:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                results["busy"].append(measure("busy", busy, pid))
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]
            print(f"{len(captured.captured_queries)} queries; the slowest:")
            for query in slowest:
                print(f"  {float(query['time']):.3f} s  {query['sql'][:300]}")
        else:
            results["busy"].append(measure("busy", busy, pid))
        if args.profile and run == 0:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        notice = busy.notice
        results["quiet"].append(measure("quiet", propagate("AUMEL", f"Storm at Melbourne, run {run}", moment), pid))
        later = moment + timedelta(seconds=30)

        def again(notice=notice, later=later) -> dict[str, float]:
            reach = notice_propagation_run(notice_id=notice.pk, as_of=later)
            return {"consignments": reach.consignments, "alerts": sum(reach.result.refreshed.values())}

        results["again"].append(measure("again", again, pid))

        def end(notice=notice, later=later) -> dict[str, float]:
            ended = notice_end(actor=system_actor("bench"), notice=notice, at=later + timedelta(seconds=1))
            reach = notice_propagation_run(notice_id=ended.pk, as_of=later + timedelta(seconds=1))
            return {"consignments": reach.consignments, "alerts": sum(reach.result.resolved.values())}

        results["end"].append(measure("end", end, pid))

    print(f"load average: {_load_average()} (2 cores, shared with other work)")
    print(f"open alerts now: {Alert.objects.open().count():,}; all alerts: {Alert.objects.count():,}")
    names = {
        "busy": "busy port KRPUS: notice created → alerts committed",
        "quiet": "baseline, quiet port AUMEL, same run",
        "again": "busy notice propagated again (refresh)",
        "end": "busy notice ended (resolve)",
    }
    for key, rows in results.items():
        wall = statistics.median(r["wall"] for r in rows)
        cpu = statistics.median(r["cpu"] for r in rows)
        pg = statistics.median(r["pg_cpu"] for r in rows)
        touched = statistics.median(r["consignments"] for r in rows)
        alerts = statistics.median(r["alerts"] for r in rows)
        print(
            f"{names[key]}: median {wall:.2f} s wall, {cpu:.2f} s CPU here + {pg:.2f} s PostgreSQL; "
            f"{touched:,.0f} consignments, {alerts:,.0f} alerts"
        )
    busy = statistics.median(r["wall"] for r in results["busy"])
    quiet = statistics.median(r["wall"] for r in results["quiet"])
    print(f"ratio busy/quiet: {busy / quiet:.1f}")
    print(f"target {TARGET_SECONDS:.0f} s for the busy port: {'met' if busy < TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
