"""Keyset pagination: pages follow `next` without duplicates or gaps, bad cursors and limits are 400."""

from datetime import UTC, datetime

import pytest

from apps.core.models import AuditEvent
from apps.core.pagination import encode_cursor
from tests.factories import PartnerFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def _walk(api, url: str) -> list[list[str]]:
    """The ids on each page, following `next` to the end."""
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
        assert len(pages) < 20, "pagination does not end"
    return pages


def _audit_rows(partner, count: int, *, at: datetime | None = None) -> list[str]:
    rows = [
        AuditEvent.objects.create(
            occurred_at=at or datetime(2026, 1, 1, 12, 0, i, tzinfo=UTC),
            actor_label="tests",
            partner=partner,
            action="test.row",
            object_type="tests.row",
            object_id=str(i),
            object_repr=f"row {i}",
        )
        for i in range(count)
    ]
    return [str(row.pk) for row in rows]


def test_audit_events_limit_2_pages_through_all_rows_without_duplicates(client_for, alice):
    ids = _audit_rows(alice.memberships.get().partner, 5)
    pages = _walk(client_for(alice), "/api/v1/audit-events/?limit=2")
    assert [len(page) for page in pages] == [2, 2, 1]
    seen = [row for page in pages for row in page]
    assert len(seen) == len(set(seen))
    assert seen == list(reversed(ids))  # newest first


def test_rows_sharing_one_timestamp_are_split_by_id_without_loss(client_for, alice):
    ids = _audit_rows(alice.memberships.get().partner, 5, at=datetime(2026, 2, 1, tzinfo=UTC))
    pages = _walk(client_for(alice), "/api/v1/audit-events/?limit=2")
    seen = [row for page in pages for row in page]
    assert sorted(seen) == sorted(ids)
    assert seen == sorted(ids, reverse=True)


def test_next_link_keeps_the_filters(client_for, alice):
    partner = alice.memberships.get().partner
    _audit_rows(partner, 3)
    AuditEvent.objects.filter(object_id="1").update(action="other.row")
    first = client_for(alice).get("/api/v1/audit-events/?action=test.row&limit=1").json()
    assert "action=test.row" in first["next"]
    pages = _walk(client_for(alice), first["next"])
    assert sum(len(page) for page in pages) == 1


def test_last_page_has_no_next(client_for, alice):
    _audit_rows(alice.memberships.get().partner, 2)
    body = client_for(alice).get("/api/v1/audit-events/?limit=2").json()
    assert len(body["results"]) == 2
    assert body["next"] is None


def test_partners_paginate_for_staff(client_for, staff):
    for n in range(4):
        PartnerFactory(slug=f"p{n}")
    pages = _walk(client_for(staff), "/api/v1/partners/?limit=3")
    assert [len(page) for page in pages] == [3, 1]


def test_next_link_is_an_absolute_url(client_for, alice):
    _audit_rows(alice.memberships.get().partner, 2)
    body = client_for(alice).get("/api/v1/audit-events/?limit=1").json()
    assert body["next"].startswith("http://testserver/api/v1/audit-events/?")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "e30",  # {}
        "WyJub3QtYS1kYXRlIiwgIjEiXQ",  # ["not-a-date", "1"]
        "W1sxXSwgMV0",  # [[1], 1]
        encode_cursor(datetime(2026, 1, 1, tzinfo=UTC), "not-a-uuid"),
        encode_cursor(datetime(2026, 1, 1), "00000000-0000-0000-0000-000000000000"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_cursor_is_400_naming_cursor(client_for, alice, cursor):
    response = client_for(alice).get(f"/api/v1/audit-events/?cursor={cursor}")
    assert_problem(response, 400, problem="validation-error", field="cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "501", "two"])
def test_limit_out_of_range_is_400_naming_limit(client_for, alice, limit):
    response = client_for(alice).get(f"/api/v1/audit-events/?limit={limit}")
    assert_problem(response, 400, field="limit")
