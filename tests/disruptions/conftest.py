"""Fixtures for alerts and webhooks: consignments to alert about, findings, and a real local webhook receiver.

alpha (alice admin, olga operator, bob viewer) is the consignor of the consignments made here; bravo
(charlie admin) their carrier, and the outsider for alpha's alerts and webhooks.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.disruptions.services import Finding
from apps.shipments.models import Consignment
from apps.shipments.services import consignment_create
from tests.shipments.conftest import actor_for, consignment_data

AS_OF = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def consignment(alpha, alice, bravo) -> Consignment:
    """PO-1001, TWKHH → NLRTM under B/L BL-KHH-0001, booking BKG-0001, in container MSKU1234565."""
    return consignment_create(actor=actor_for(alpha, alice), data=consignment_data())


@pytest.fixture
def make_consignment(alpha, alice, bravo) -> Callable[..., Consignment]:
    def make(**changes: Any) -> Consignment:
        return consignment_create(actor=actor_for(alpha, alice), data=consignment_data(**changes))

    return make


def overdue(consignment: Consignment, **changes: Any) -> Finding:
    """An ``overdue`` finding about a consignment, as the corridor scan makes them."""
    values: dict[str, Any] = {
        "kind": "overdue",
        "subject_type": "consignment",
        "subject_id": str(consignment.pk),
        "title": f"{consignment.reference} is 3 days late at Rotterdam",
        "evidence": {
            "summary": "Due 2026-11-28 12:00 UTC (+12 h tolerance); no arrival recorded.",
            "events": [{"event_id": "evt-depa-1", "recorder": "bravo", "event_time": "2026-11-16T08:00:00+09:00"}],
            "thresholds": {"overdue_tolerance_hours": 12},
        },
        "consignment_id": str(consignment.pk),
        "corridor_id": "twkhh-nlrtm",
    }
    values.update(changes)
    return Finding(**values)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records each request and answers with the next status of ``answers``."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"the receiver got {len(self.requests)} request(s), expected {count}")
            time.sleep(0.05)
        return self.requests


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server in a thread (private addresses are allowed for it by ``allow_private``)."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(path=self.path, headers=dict(self.headers.items()), body=body))
            self.send_response(state.answers.pop(0) if state.answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Quiet: the test reads ``requests``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/corridor?src=test"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_private(settings):
    """Webhooks may target 127.0.0.1, as the local receiver needs (CORRIDOR_WEBHOOKS_ALLOW_PRIVATE)."""
    settings.CORRIDOR_WEBHOOKS_ALLOW_PRIVATE = True
