"""apps.core.db.bulk_upsert_values: new rows are inserted, existing ones (by the unique field) take the rows' values;
on PostgreSQL through COPY and a staging table, elsewhere bulk_create with update_conflicts."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.db import bulk_upsert_values
from apps.disruptions.models import Alert

pytestmark = pytest.mark.django_db

FIELDS = tuple(field.attname for field in Alert._meta.concrete_fields)


def _row(partner, key: str, title: str, evidence: dict, pk: uuid.UUID | None = None) -> tuple:
    now = timezone.now()
    values = {
        "id": pk or uuid.uuid4(),
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
        "title": title,
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


def test_new_rows_are_inserted_and_existing_ones_updated(alpha, bravo):
    first = _row(alpha, "a", "Typhoon", {"summary": "first"})
    bulk_upsert_values(Alert, FIELDS, [first], unique_field="id")
    again = _row(alpha, "a", "Typhoon, stronger", {"summary": "again"}, pk=first[0])
    fresh = _row(bravo, "b", "Strike", {"summary": "fresh"})
    bulk_upsert_values(Alert, FIELDS, [again, fresh], unique_field="id")
    assert dict(Alert.objects.values_list("id", "title")) == {first[0]: "Typhoon, stronger", fresh[0]: "Strike"}
    assert Alert.objects.get(pk=first[0]).evidence == {"summary": "again"}


def test_the_same_rows_again_change_nothing_and_twice_in_one_transaction_works(alpha):
    row = _row(alpha, "a", "Typhoon", {"summary": "first"})
    with transaction.atomic():
        bulk_upsert_values(Alert, FIELDS, [row], unique_field="id")
        bulk_upsert_values(Alert, FIELDS, [row], unique_field="id")
    assert Alert.objects.get().title == "Typhoon"


def test_no_rows_is_nothing(alpha):
    bulk_upsert_values(Alert, FIELDS, [], unique_field="id")
    assert not Alert.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_rows_land_in_autocommit_too(alpha):
    # The staging table empties at each commit: outside a transaction the COPY must not commit on its own.
    row = _row(alpha, "a", "Typhoon", {"summary": "first"})
    bulk_upsert_values(Alert, FIELDS, [row], unique_field="id")
    assert Alert.objects.get().title == "Typhoon"
