"""Consignment detail + timeline API for a consignment with 200 events, on PostgreSQL. Run by hand:

    .venv/bin/python bench/bench_api_timeline.py [--events 200] [--requests 200]

Requests go through Django's full stack in-process (middleware, token authentication, scoping,
serializers), without a network hop. Prints p50/p95 of detail, timeline and both together, and as
a baseline in the same run the p50/p95 of ``GET /healthz`` (the cheapest request there is).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

import benchdb


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    benchdb.fresh_django()
    from django.test import Client

    from apps.partners.access import Actor, system_actor
    from apps.partners.services import api_token_create, partner_create
    from apps.shipments.ingest.service import event_batch_record
    from apps.shipments.ingest.types import DOC_CONSIGNMENT, SOURCE_NATIVE, DocumentRef, EventIn
    from apps.shipments.services import consignment_create

    carrier = partner_create(actor=system_actor("bench"), name="Bench Lines", country="TW", kinds=["carrier"])
    actor = Actor(partner=carrier, role="operator", system_label="bench")
    consignment = consignment_create(
        actor=actor,
        data={
            "reference": "BENCH-TIMELINE",
            "origin": "TWKHH",
            "destination": "USLAX",
            "parties": [{"partner": carrier.slug, "role": "carrier"}],
            "equipment": [{"number": "MSCU7700126"}],
            "legs": [
                {
                    "sequence": 1,
                    "mode": "sea",
                    "origin": "TWKHH",
                    "destination": "USLAX",
                    "voyage_number": "001E",
                    "vessel_imo": "9412347",
                }
            ],
        },
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    codes = ["GTIN", "LOAD", "DEPA"]
    events = [
        EventIn(
            source=SOURCE_NATIVE,
            event_type="EQUIPMENT",
            event_id=f"e{n}",
            event_time=start + timedelta(hours=n),
            event_time_zone_offset="+00:00",
            payload={"n": n},
            event_code=codes[n % 3],
            location="TWKHH",
            equipment=["MSCU7700126"],
            documents=[DocumentRef(DOC_CONSIGNMENT, str(consignment.pk))],
        )
        for n in range(args.events)
    ]
    event_batch_record(actor=actor, events=events, channel="bench")
    _, token = api_token_create(actor=system_actor("bench"), partner=carrier, name="bench", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def timed(path: str) -> float:
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    detail_path = f"/api/v1/consignments/{consignment.pk}/"
    timeline_path = f"{detail_path}timeline/"
    assert len(client.get(timeline_path).json()["events"]) == args.events
    for _ in range(10):  # warm caches and connections
        timed(detail_path), timed(timeline_path), timed("/healthz")

    from django.conf import settings

    print(f"consignment with {args.events} events, {args.requests} requests each")
    for label, ttl in (("timeline cache off (every request computes it):", 0), ("timeline cache on (60 s):", 60)):
        settings.CORRIDOR_TIMELINE_CACHE_SECONDS = ttl
        detail, timeline, both, health = [], [], [], []
        for _ in range(args.requests):
            d = timed(detail_path)
            t = timed(timeline_path)
            detail.append(d)
            timeline.append(t)
            both.append(d + t)
            health.append(timed("/healthz"))
        print(label)
        for name, values in (
            ("detail", detail),
            ("timeline", timeline),
            ("detail + timeline", both),
            ("baseline /healthz", health),
        ):
            print(f"{name:>18}: p50 {statistics.median(values):6.1f} ms   p95 {percentile(values, 95):6.1f} ms")
        print(f"target p95 (detail + timeline) < 50 ms: {'met' if percentile(both, 95) < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
