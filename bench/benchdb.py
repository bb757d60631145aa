"""Shared set-up of the benchmarks: a fresh PostgreSQL database, Django on it, a carrier with consignments.

Import this module before Django: it points Corridor at the scratch database ``corridor_bench`` (and,
with ``broker="redis"``, at Redis database 15, flushed) through the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("CORRIDOR_BENCH_DB", "corridor_bench")  # another name lets two benchmarks run at once
REDIS_DB = int(os.environ.get("CORRIDOR_BENCH_REDIS_DB", "15"))  # likewise for the broker
os.environ["CORRIDOR_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")
os.environ.setdefault("CORRIDOR_LOG_LEVEL", "WARNING")


def fresh_django(*, broker: str = "") -> None:
    """Drop and recreate the bench database, set Django up on it and migrate."""
    import psycopg

    if broker == "redis":
        import redis

        os.environ["CORRIDOR_BROKER_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        redis.Redis(db=REDIS_DB).flushdb()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def flush_queue() -> None:
    import redis

    redis.Redis(db=REDIS_DB).flushdb()


def carrier_with_consignments(count: int) -> tuple[Any, Any]:
    """A carrier partner, its operator actor, and ``count`` consignments with B/L ``BENCHBL00000``…"""
    from apps.partners.access import Actor, system_actor
    from apps.partners.services import partner_create
    from apps.shipments.services import consignment_create

    carrier = partner_create(actor=system_actor("bench"), name="Bench Lines", country="TW", kinds=["carrier"])
    actor = Actor(partner=carrier, role="operator", system_label="bench")
    for i in range(count):
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
    return carrier, actor
