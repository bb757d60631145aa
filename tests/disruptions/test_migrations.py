"""Migrations 0002 to 0004: existing alerts keep their meaning in the new shape (trust_changed becomes trust_change)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("disruptions", "0001_initial")]
AFTER = [("disruptions", "0004_alert_constraints")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_alerts_get_their_subjects_and_the_new_kind(alpha, consignment):
    old = _migrate(BEFORE)
    Alert = old.get_model("disruptions", "Alert")
    certificate = str(uuid.uuid4())
    trust = Alert.objects.create(
        partner_id=alpha.pk,
        kind="trust_changed",
        title="Trust verdict changed from fully_trusted to partially_trusted",
        details={"before": "fully_trusted", "after": "partially_trusted"},
        dedupe_key=f"trust:{consignment.pk}:x",
        consignment_id=consignment.pk,
    )
    expiring = Alert.objects.create(
        partner_id=alpha.pk,
        kind="aeo_expiring",
        title="AEO certificate expires",
        details={"certificate": certificate, "days_ahead": 30},
        dedupe_key=f"aeo-expiring:{certificate}:30",
        state="resolved",
    )
    Alert.objects.filter(pk=expiring.pk).update(resolved_at=expiring.created_at)

    new = _migrate(AFTER)
    Alert = new.get_model("disruptions", "Alert")
    trust, expiring = Alert.objects.get(pk=trust.pk), Alert.objects.get(pk=expiring.pk)
    try:
        assert (trust.kind, trust.subject_type, trust.subject_id) == (
            "trust_change",
            "consignment",
            str(consignment.pk),
        )
        assert trust.evidence == {"before": "fully_trusted", "after": "partially_trusted"}
        assert (expiring.subject_type, expiring.subject_id, expiring.state) == ("certificate", certificate, "resolved")
        assert trust.first_seen_at == trust.last_seen_at == trust.created_at
        assert (trust.rule, trust.corridor, trust.resolved_by) == ("", "", None)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("disruptions"))
