"""Server time and database queries of every main page, with the demo alone and with 10,000 more consignments.

Run by hand (PostgreSQL on 127.0.0.1; it drops and recreates ``corridor_bench``, or ``CORRIDOR_BENCH_DB``):

    .venv/bin/python bench/bench_pages.py [--requests 30] [--consignments 10000] [--events-each 20]
        [--reuse] [--only PAGE ...] [--profile DIR]

The demo corridor is loaded and its step credentials issued; each main page is requested as the role
it belongs to through Django's whole stack in-process (session, middleware, scoping, templates; no
network hop), ``--requests`` times after one warm-up, and its p50/p95 server time and query count are
printed. Then synthetic consignments are added with SQL (each with the demo consignment's parties, two
legs, a container of its own, a goods line, ``--events-each`` events copied from the demo's with their
links and objects, an open alert on every tenth (a copy of a demo alert whose evidence names events, as
most of the demo's do), and ten audit records), the tables analysed, and the same pages measured again:
the baseline and the grown database in the same run, with the ratio of their p95. The target is p95 < 100 ms
and the same query count on both sides.

Beside each wall time the process's CPU time of the request is noted (``time.process_time``: Python,
templates and the driver, not PostgreSQL's own work, not waiting for a core), so a figure taken on a
loaded machine can be told from a slow page. ``--reuse`` measures the databases a previous run left
(no set-up, for iterating); ``--only`` measures the pages whose name contains one of the words given;
``--profile DIR`` writes a cProfile of twenty grown-side requests per page into DIR.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

os.environ.setdefault("CORRIDOR_DEBUG", "false")  # no debug cursor wrapping every query while timing

import benchdb

TARGET_MS = 100.0


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


SYNTHETIC_SQL = """
CREATE TEMP TABLE syn_template AS
    SELECT e.*, row_number() OVER (ORDER BY e.event_time, e.id) AS rn
    FROM shipments_event e WHERE e.id IN (SELECT event_id FROM shipments_eventlink);
DELETE FROM syn_template WHERE rn > %(events_each)s;
CREATE TEMP TABLE syn_n AS SELECT i FROM generate_series(0, %(count)s - 1) AS i;

INSERT INTO shipments_consignment (id, created_at, updated_at, reference, transport_document_type,
    transport_document_number, booking_reference, origin, destination, corridor, status, created_by_id)
SELECT md5('c' || i)::uuid, t.created_at - make_interval(hours => i), t.updated_at - make_interval(hours => i),
    'SYN-' || lpad(i::text, 6, '0'), t.transport_document_type, 'SYNBL' || lpad(i::text, 7, '0'),
    'SYNBK' || lpad(i::text, 7, '0'), t.origin, t.destination, t.corridor,
    (ARRAY['booked','in_transit','in_transit','arrived','delivered'])[1 + i %% 5], t.created_by_id
FROM syn_n, shipments_consignment t WHERE t.id = %(template)s;

INSERT INTO shipments_consignmentparty (role, consignment_id, partner_id)
SELECT p.role, md5('c' || i)::uuid, p.partner_id
FROM syn_n, shipments_consignmentparty p WHERE p.consignment_id = %(template)s;

INSERT INTO shipments_goodsitem (sequence, hs_code, description, packages, package_type, gross_weight_kg,
    value, currency, country_of_origin, consignment_id)
SELECT g.sequence, g.hs_code, g.description, g.packages, g.package_type, g.gross_weight_kg, g.value,
    g.currency, g.country_of_origin, md5('c' || i)::uuid
FROM syn_n, shipments_goodsitem g WHERE g.consignment_id = %(template)s;

INSERT INTO shipments_equipment (id, number, size_type, created_at)
SELECT md5('q' || i)::uuid, 'SYNU' || lpad(i::text, 7, '0'), '42G1', now() FROM syn_n;
INSERT INTO shipments_equipmentassignment (seal_numbers, assigned_from, assigned_until, consignment_id, equipment_id)
SELECT '[]'::jsonb, NULL, NULL, md5('c' || i)::uuid, md5('q' || i)::uuid FROM syn_n;

INSERT INTO shipments_leg (sequence, mode, origin, destination, voyage_number, vessel_imo, vessel_name,
    planned_departure, planned_arrival, actual_departure, actual_arrival, carrier_id, consignment_id)
SELECT l.sequence, l.mode, l.origin, l.destination, l.voyage_number || 'S' || (i / 100), l.vessel_imo,
    l.vessel_name, l.planned_departure, l.planned_arrival, l.actual_departure, l.actual_arrival, l.carrier_id,
    md5('c' || i)::uuid
FROM syn_n, shipments_leg l WHERE l.consignment_id = %(template)s;

INSERT INTO shipments_event (id, event_id, version, is_latest, source, event_type, action, biz_step,
    disposition, event_code, event_classifier, event_time, event_time_zone_offset, record_time, location,
    read_point, biz_location, epcs, parent_id, child_epcs, equipment, documents, biz_transactions,
    sensor_readings, mode_of_transport, vessel_imo, voyage_number, hash_id, content_digest, source_updated_at,
    is_retracted, is_erroneous, error_declaration, warnings, payload, recorder_id)
SELECT md5('e' || i || '-' || e.rn)::uuid, e.event_id || '/syn-' || i, 1, true, e.source, e.event_type,
    e.action, e.biz_step, e.disposition, e.event_code, e.event_classifier,
    e.event_time - make_interval(hours => i), e.event_time_zone_offset, e.record_time - make_interval(hours => i),
    e.location, e.read_point, e.biz_location, '[]'::jsonb, '', '[]'::jsonb,
    jsonb_build_array('SYNU' || lpad(i::text, 7, '0')),
    jsonb_build_array(jsonb_build_object('type', 'bill_of_lading', 'value', 'SYNBL' || lpad(i::text, 7, '0'))),
    '[]'::jsonb, '[]'::jsonb, e.mode_of_transport, e.vessel_imo,
    CASE WHEN e.voyage_number = '' THEN '' ELSE e.voyage_number || 'S' || (i / 100) END,
    '', md5('d' || i || '-' || e.rn), NULL, false, false, NULL, '[]'::jsonb, e.payload, e.recorder_id
FROM syn_n, syn_template e;

INSERT INTO shipments_eventlink (via, consignment_id, event_id)
SELECT 'transport_document', md5('c' || i)::uuid, md5('e' || i || '-' || e.rn)::uuid FROM syn_n, syn_template e;
INSERT INTO shipments_eventobject (role, value, event_id)
SELECT 'equipment', 'SYNU' || lpad(i::text, 7, '0'), md5('e' || i || '-' || e.rn)::uuid FROM syn_n, syn_template e;
INSERT INTO shipments_eventobject (role, value, event_id)
SELECT 'document', 'SYNBL' || lpad(i::text, 7, '0'), md5('e' || i || '-' || e.rn)::uuid FROM syn_n, syn_template e;

INSERT INTO disruptions_alert (id, created_at, updated_at, kind, severity, state, title, evidence, wording,
    dedupe_key, resolved_at, consignment_id, partner_id, subject_type, subject_id, rule, corridor, first_seen_at,
    last_seen_at, acknowledged_at, acknowledged_by, resolved_by)
SELECT gen_random_uuid(), now(), now(), a.kind, a.severity, 'open', a.title, a.evidence, a.wording,
    a.dedupe_key || '/syn-' || i, NULL, md5('c' || i)::uuid, p.partner_id, a.subject_type,
    md5('c' || i)::uuid::text, a.rule, a.corridor, now(), now(), NULL, '', ''
FROM syn_n, (SELECT * FROM disruptions_alert WHERE jsonb_typeof(evidence->'events') = 'array'
        AND jsonb_array_length(evidence->'events') > 0 ORDER BY created_at, id LIMIT 1) a,
    (SELECT DISTINCT partner_id FROM shipments_consignmentparty WHERE consignment_id = %(template)s) p
WHERE i %% 10 = 0;

INSERT INTO core_auditevent (id, occurred_at, actor_label, actor_token_prefix, action, object_type, object_id,
    object_repr, changes, wording, request_id, actor_user_id, partner_id)
SELECT gen_random_uuid(), now() - make_interval(mins => i * 10 + k), 'bench', '', 'event.record',
    'consignment', md5('c' || i)::uuid::text, 'SYN-' || lpad(i::text, 6, '0'), '{}'::jsonb, '{}'::jsonb, '', NULL,
    p.partner_id
FROM syn_n, generate_series(0, 9) AS k,
    (SELECT DISTINCT partner_id FROM shipments_consignmentparty WHERE consignment_id = %(template)s) p;
"""


def grow(*, count: int, events_each: int, template: Any) -> float:
    """Add ``count`` synthetic consignments copied from ``template`` (see the module docstring); seconds taken."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SYNTHETIC_SQL, {"count": count, "events_each": events_each, "template": str(template)})
        cursor.execute("DROP TABLE syn_template; DROP TABLE syn_n")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def pages(demo: dict[str, Any]) -> list[tuple[str, str | None, str, str]]:
    """(page, login, method, url) of every main page, as the role whose work it is."""
    c, r = demo["consignment"], demo["review"]
    return [
        ("consignment list", "forwarder-operator", "GET", "/consignments/"),
        ("search (partial container)", "forwarder-operator", "GET", f"/consignments/?q={demo['container_part']}"),
        ("search (B/L, any case)", "forwarder-operator", "GET", f"/consignments/?q={demo['bl_part']}"),
        ("consignment detail + map", "forwarder-operator", "GET", f"/consignments/{c}/"),
        ("event graph", "forwarder-operator", "GET", f"/consignments/{c}/graph/"),
        ("credential chain", "forwarder-operator", "GET", f"/consignments/{c}/credentials/"),
        ("dashboard", "forwarder-operator", "GET", "/dashboard/"),
        ("review queue", "customs-us-operator", "GET", "/compliance/review/"),
        ("review detail", "customs-us-operator", "GET", f"/compliance/review/{r}/"),
        ("alerts", "forwarder-operator", "GET", "/alerts/"),
        ("audit log", "forwarder-admin", "GET", "/audit/"),
        ("members", "forwarder-admin", "GET", "/members/"),
        ("API tokens", "forwarder-admin", "GET", "/tokens/"),
        ("keys", "forwarder-admin", "GET", "/keys/"),
        ("partner home", "forwarder-admin", "GET", "/partner/"),
        ("verify (empty)", None, "GET", "/verify/"),
        ("verify a consignment's chain", "forwarder-operator", "GET", f"/verify/?consignment={c}"),
    ]


class _Counter:
    """An execute wrapper that notes each query (works whatever DEBUG says)."""

    def __init__(self, queries: list[str]) -> None:
        self.queries = queries

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries.append(sql)
        return execute(sql, params, many, context)


def _logged_in_clients(demo: dict[str, Any]) -> dict[str | None, Any]:
    """A client per login, its session stored in the database (so a copy of the database knows it too)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {u.username: u for u in get_user_model().objects.all()}
    clients: dict[str | None, Any] = {}
    for _name, login, _method, _url in pages(demo):
        if login not in clients:
            clients[login] = Client()
            if login is not None:
                clients[login].force_login(users[login])
    return clients


def _on(wrapper: Any) -> None:
    """Serve the next request from this database (the two sides take turns, so load hits both alike)."""
    from django.db import connections

    connections["default"] = wrapper


def _timed(client: Any, url: str) -> tuple[float, float]:
    """Wall and CPU milliseconds of one request."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed, cpu


def _profile(client: Any, url: str, path: str) -> None:
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    profiler.dump_stats(path)


def measure(
    demo: dict[str, Any],
    clients: dict[str | None, Any],
    sides: dict[str, Any],
    requests: int,
    *,
    only: list[str] | None = None,
    profile: str = "",
) -> dict:
    """For each page: one cold request per side, the query count per side, then ``requests`` requests on
    each side taking turns (demo, grown, demo, ...), so the machine's load weighs on both alike."""
    from django.urls import Resolver404, resolve

    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, login, _method, url in pages(demo):
        if only and not any(word in name for word in only):
            continue
        try:
            resolve(url.split("?")[0])
        except Resolver404:
            continue  # a page this branch does not have (yet)
        client = clients[login]
        page: dict[str, dict[str, Any]] = {}
        for side, wrapper in sides.items():
            _on(wrapper)
            queries: list[str] = []
            cold, _cpu = _timed(client, url)
            with wrapper.execute_wrapper(_Counter(queries)):
                _timed(client, url)
            page[side] = {"cold": cold, "queries": len(queries), "times": [], "cpu": []}
        for _ in range(requests):
            for side, wrapper in sides.items():
                _on(wrapper)
                wall, cpu = _timed(client, url)
                page[side]["times"].append(wall)
                page[side]["cpu"].append(cpu)
        if profile:
            _on(sides["grown"])
            _profile(
                client, url, os.path.join(profile, name.split(" (")[0].replace(" ", "_").replace("'", "") + ".prof")
            )
        for figures in page.values():
            times, cpu = figures.pop("times"), figures.pop("cpu")
            figures.update(p50=statistics.median(times), p95=percentile(times, 95), cpu95=percentile(cpu, 95))
        results[name] = page
    return results


def demo_facts() -> dict[str, Any]:
    from apps.shipments.models import Consignment

    delivered = Consignment.objects.get(reference="DEMO-KHH-LAX-0001")
    container = delivered.equipment_assignments.select_related("equipment").first().equipment.number
    in_transit = Consignment.objects.filter(reference="DEMO-KHH-LAX-0002").get()
    return {
        "consignment": delivered.pk,
        "review": in_transit.pk,
        "container_part": container[3:9].lower(),
        "bl_part": delivered.transport_document_number[2:-2].lower(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--consignments", type=int, default=10_000)
    parser.add_argument("--events-each", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the databases a previous run left")
    parser.add_argument("--only", nargs="*", help="only the pages whose name contains one of these")
    parser.add_argument("--profile", default="", help="a directory for a cProfile of each page (grown side)")
    args = parser.parse_args()

    grown_name = f"{benchdb.BENCH_DB}_grown"
    if args.reuse:
        import django

        django.setup()
    else:
        benchdb.fresh_django()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.utils import load_backend

    from apps.credentials.services.issuance import step_credentials_issue_batch
    from apps.shipments.models import Consignment, Event

    if not args.reuse:
        call_command("demo_corridor", verbosity=0)
        pending = Event.objects.filter(links__isnull=False, credential__isnull=True).order_by("record_time")
        issued = step_credentials_issue_batch(event_pks=list(pending.values_list("pk", flat=True).distinct()))
        print(f"demo: {Consignment.objects.count()} consignments, {Event.objects.count()} events, {issued} credentials")
    facts = demo_facts()
    clients = _logged_in_clients(facts)

    # The grown side is a copy of the demo database (sessions included) with the synthetic data added.
    settings = dict(connection.settings_dict)
    connection.close()
    import psycopg

    if args.reuse:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{benchdb.BENCH_DB}") as demo_db:
            sessions = demo_db.execute("SELECT session_key, session_data, expire_date FROM django_session").fetchall()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{grown_name}") as grown_db:
            grown_db.cursor().executemany(
                "INSERT INTO django_session VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", sessions
            )
    else:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {grown_name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {grown_name} TEMPLATE {benchdb.BENCH_DB}")
    demo_side = connections["default"]
    grown_side = load_backend(settings["ENGINE"]).DatabaseWrapper({**settings, "NAME": grown_name}, "default")
    _on(grown_side)
    if not args.reuse:
        seconds = grow(count=args.consignments, events_each=args.events_each, template=facts["consignment"])
        print(f"grown copy in {seconds:.1f} s: {Consignment.objects.count():,} consignments, ", end="")
        print(f"{Event.objects.count():,} events")
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
    load_before = os.getloadavg()[0]
    sides = {"demo": demo_side, "grown": grown_side}
    results = measure(facts, clients, sides, args.requests, only=args.only, profile=args.profile)
    _on(demo_side)
    grown_side.close()

    print(
        f"\n{args.requests} requests per page and side after one cold request, the two sides taking turns; "
        f"server time in ms (in-process; cpu: the process's CPU time, PostgreSQL's not included); load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    )
    header = (
        f"{'page':<30} {'demo p50':>9} {'p95':>7} {'cpu95':>6} {'q':>4} | "
        f"{'grown p50':>9} {'p95':>7} {'cpu95':>6} {'q':>4} {'cold':>7} | {'p95 x':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, page in results.items():
        before, after = page["demo"], page["grown"]
        flag = "" if after["p95"] < TARGET_MS and after["queries"] == before["queries"] else "  <-"
        print(
            f"{name:<30} {before['p50']:>9.1f} {before['p95']:>7.1f} {before['cpu95']:>6.1f} "
            f"{before['queries']:>4.0f} | "
            f"{after['p50']:>9.1f} {after['p95']:>7.1f} {after['cpu95']:>6.1f} {after['queries']:>4.0f} "
            f"{after['cold']:>7.1f} | "
            f"{after['p95'] / before['p95']:>6.2f}{flag}"
        )


if __name__ == "__main__":
    main()
