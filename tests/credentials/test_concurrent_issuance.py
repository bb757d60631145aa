"""Issuing concurrently never deadlocks and never forks a chain (PostgreSQL's row locks, real threads).

Workers issue batches that mix two issuers' events in opposite orders (alpha then bravo, bravo then
alpha), on separate consignments that share both issuers' status lists, and others on the same
consignments: status lists are locked in one global order, in a short transaction of their own before
any chain lock, so nobody waits for a lock its holder waits for, and each chain stays one line.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection

from apps.credentials import tasks
from apps.credentials.models import ChainEntry, Credential
from apps.credentials.services.issuance import step_credentials_issue_batch
from apps.credentials.services.keys import partner_key_ensure
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.models import Event
from tests.credentials.issuing import actor_for, make_consignment, step_event

pytestmark = pytest.mark.django_db(transaction=True)

CONSIGNMENTS = 6
STEPS = 3


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        # Not skip_or_fail: SQLite has no row locks to order, and CI runs this on its PostgreSQL pass.
        pytest.skip("concurrent issuance takes row locks: PostgreSQL only")


def _record(partner, prefix: str, consignment) -> list[str]:
    events = [step_event(f"{prefix}-{step}", consignments=(consignment,), hours=step) for step in range(STEPS)]
    # Issuance is left to the threads below: the on-commit task would issue each batch at once.
    with mock.patch.object(tasks.step_credentials_issue, "delay"):
        result = event_batch_record(actor=actor_for(partner), events=events, channel="native")
    return [str(event.pk) for event in result.events]


def test_concurrent_batches_over_shared_status_lists_neither_deadlock_nor_fork(alpha, bravo):
    for partner in (alpha, bravo):
        partner_key_ensure(partner=partner)  # as a partner's creation does (the fixtures skip it)
    consignments = [make_consignment(alpha, reference=f"PO-{n}") for n in range(CONSIGNMENTS)]
    batches = []
    for n, consignment in enumerate(consignments):
        # Every other consignment's batch has bravo's events first: opposite issuer orders.
        first, second = (alpha, bravo) if n % 2 == 0 else (bravo, alpha)
        batches.append(
            _record(first, f"{first.slug}-{n}", consignment) + _record(second, f"{second.slug}-{n}", consignment)
        )
    # Twice each: two workers racing for the same events and the same chain.
    work = batches + batches[::-1]
    start = threading.Barrier(len(work))

    def issue(event_pks: list[str]) -> int:
        try:
            start.wait()
            return step_credentials_issue_batch(event_pks=event_pks)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        issued = list(pool.map(issue, work))

    events = Event.objects.count()
    assert sum(issued) == events == CONSIGNMENTS * STEPS * 2
    assert Credential.objects.filter(event__isnull=False).count() == events, "one credential per event"
    for consignment in consignments:
        entries = list(ChainEntry.objects.filter(consignment=consignment).order_by("position"))
        assert [entry.position for entry in entries] == list(range(1, STEPS * 2 + 1)), "no gap, no fork"
        assert [entry.previous_id for entry in entries] == [None] + [entry.credential_id for entry in entries[:-1]]
