"""apps.core.db.bulk_insert_new_values: rows that break a unique constraint (a partial one too) are skipped, and
the keys of those that landed come back; on PostgreSQL through COPY and a staging table, elsewhere bulk_create."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.db import bulk_insert_new_values
from apps.disruptions.models import Alert

pytestmark = pytest.mark.django_db

FIELDS = tuple(field.attname for field in Alert._meta.concrete_fields)


def _row(partner, key: str, evidence: dict) -> tuple:
    now = timezone.now()
    values = {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "partner_id": partner.pk,
        "kind": "notice",
        "severity": "warning",
        "state": "open",
        "subject_type": "node",
        "subject_id": "KRPUS",
        "rule": "r",
        "consignment_id": None,
        "corridor": "",
        "title": "Typhoon",
        "evidence": evidence,
        "wording": {},
        "dedupe_key": key,
        "first_seen_at": now,
        "last_seen_at": now,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
    }
    return tuple(values[name] for name in FIELDS)


def test_new_rows_land_and_conflicting_ones_are_skipped(alpha, bravo):
    shared = {"summary": "one finding for two partners", "events": []}
    first = [_row(alpha, "a", shared), _row(bravo, "a", shared)]
    assert bulk_insert_new_values(Alert, FIELDS, first) == {row[0] for row in first}
    assert [alert.evidence for alert in Alert.objects.all()] == [shared, shared]

    # The open alert of alpha with key "a" exists: a second one is skipped, a new key lands.
    again, fresh = _row(alpha, "a", shared), _row(alpha, "b", {"summary": "other"})
    assert bulk_insert_new_values(Alert, FIELDS, [again, fresh]) == {fresh[0]}
    assert Alert.objects.count() == 3


def test_twice_in_one_transaction(alpha):
    with transaction.atomic():
        one = _row(alpha, "a", {})
        two = _row(alpha, "b", {})
        assert bulk_insert_new_values(Alert, FIELDS, [one]) == {one[0]}
        assert bulk_insert_new_values(Alert, FIELDS, [two]) == {two[0]}
    assert Alert.objects.count() == 2


def test_nothing_to_insert(alpha):
    assert bulk_insert_new_values(Alert, FIELDS, []) == set()
