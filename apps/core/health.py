"""Liveness of what the platform depends on (the database and the Celery broker), and its counters of rare events."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import connection

from apps.core import metrics
from corridor.celery import app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 3.0


def _down(dependency: str, exc: Exception) -> dict[str, Any]:
    """A failed check: the answer (public, unauthenticated) names the dependency only; the exception's
    text, which carries hosts, ports, user names and file paths, goes to the log."""
    logger.warning("health check: %s unavailable: %s: %s", dependency, type(exc).__name__, exc)
    return {"ok": False, "error": f"{dependency} unavailable"}


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the report says which
        return _down("database", exc)
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _open_sql_broker(conn: Any) -> None:
    """Query the embedded broker's database: kombu's SQLAlchemy transport connects lazily, so
    ``ensure_connection`` alone succeeds even when the broker file cannot be opened."""
    import sqlalchemy  # noqa: PLC0415 - only the embedded broker needs it, and it takes 0.25 s to import

    session = conn.default_channel.session
    try:
        session.execute(sqlalchemy.text("SELECT 1"))
    finally:
        session.close()


def check_broker() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
            if conn.transport.driver_type == "sql":
                _open_sql_broker(conn)
    except Exception as exc:  # any failure means "down"; the report says which
        return _down("broker", exc)
    return {"ok": True, "transport": str(transport), "ms": round((time.perf_counter() - started) * 1000, 1)}


def counters() -> dict[str, int]:
    """Platform-wide counts of rare events (``apps.core.metrics``), e.g. ``canonicalization.fallbacks``."""
    return metrics.totals()
