"""Every main page reads a constant number of queries as the data grows (two data sizes, one count).

The data: consignments of alpha's with legs and a history of events (each with its step credential, so
the chain panels verify longer chains), open alerts, capture jobs, the audit records all that writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.credentials.models import ChainEntry
from apps.shipments.models import CaptureJob, Consignment
from tests.helpers import raise_alert
from tests.shipments.conftest import native_event
from tests.shipments.epcis.test_rest import document, object_event

pytestmark = pytest.mark.django_db

START = datetime.fromisoformat("2026-03-01T10:00:00+08:00")


@pytest.fixture
def grow(client_for, charlie, alpha, make_consignment, django_capture_on_commit_callbacks) -> Callable[..., None]:
    """Add ``consignments`` consignments with ``events`` events each (recorded by their carrier) and an open
    alert each; and ``more`` events to the first consignment."""
    api = client_for(charlie)
    made = [0]

    def record(consignment: Consignment, first: int, count: int) -> None:
        batch = [
            native_event(
                event_id=f"evt-{consignment.reference}-{i}",
                type="EQUIPMENT",
                event_code=("GTIN", "LOAD", "DEPA", "ARRI")[i % 4],
                event_time=(START + timedelta(hours=i)).isoformat(),
                location="TWKHH" if i % 4 < 3 else "NLRTM",
                consignment=str(consignment.pk),
            )
            for i in range(first, first + count)
        ]
        # The on-commit issuance runs: every event gets its step credential, chained.
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post("/api/v1/events/", batch, format="json").status_code == 201

    def add(consignments: int, events: int, more: int = 0) -> None:
        for _ in range(consignments):
            made[0] += 1
            consignment = make_consignment(
                reference=f"PO-{made[0]:04d}", transport_document_number=f"BL-{made[0]:04d}", equipment=[]
            )
            record(consignment, 0, events)
            raise_alert(alpha, consignment, key=f"alert-{made[0]}")
        if more:
            record(_first(), 100, more)

    return add


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _first() -> Consignment:
    return Consignment.objects.order_by("created_at", "id").first()


PAGES: list[tuple[str, Callable[[], str]]] = [
    ("list", lambda: "/consignments/"),
    ("search", lambda: "/consignments/?q=bl-0&has_open_alerts=true&status=in_transit&sort=-reference"),
    ("detail", lambda: f"/consignments/{_first().pk}/"),
    ("graph", lambda: f"/consignments/{_first().pk}/graph/"),
    ("record", lambda: f"/consignments/{_first().pk}/record/"),
    ("upload", lambda: "/events/upload/"),
    ("dashboard", lambda: "/dashboard/"),
    ("credential chain", lambda: f"/consignments/{_first().pk}/credentials/"),
    ("verify the chain", lambda: f"/verify/?consignment={_first().pk}"),
]
ADMIN_PAGES = ["/audit/", "/members/", "/tokens/", "/keys/", "/partner/"]


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_the_page_reads_the_same_number_of_queries_for_more_data(browser, olga, grow, name, url):
    client = browser(olga)
    grow(2, 3)
    small = _queries(client, url())
    grow(8, 3, more=24)
    large = _queries(client, url())
    assert large == small, f"{name}: {small} queries with little data, {large} with more"
    if name == "credential chain":
        assert ChainEntry.objects.filter(consignment=_first()).count() == 3 + 24, "the chain grew"


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_the_admin_pages_read_the_same_number_of_queries_for_more_data(browser, alice, grow, url):
    client = browser(alice)
    grow(2, 3)
    small = _queries(client, url)
    grow(8, 3, more=24)
    large = _queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"


def test_the_capture_job_page_reads_the_same_number_of_queries_for_more_errors(
    browser, olga, django_capture_on_commit_callbacks
):
    client = browser(olga)

    def upload(bad: int) -> str:
        events = [object_event(1)] + [object_event(i + 2, eventTime="no") for i in range(bad)]
        body = json.dumps(document(*events)).encode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/events/upload/",
                {"format": "epcis", "error_behaviour": "proceed", "file": SimpleUploadedFile("d.json", body)},
            )
        return response["Location"]

    small = _queries(client, upload(1))
    large = _queries(client, upload(20))
    assert CaptureJob.objects.count() == 2
    assert large == small
