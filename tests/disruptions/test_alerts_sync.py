"""alerts_sync: findings become alerts once while open, are refreshed while found again, resolve when they clear."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core.models import AuditEvent
from apps.disruptions.models import Alert
from apps.disruptions.services import Finding, SyncResult, alert_state_set, alerts_sync, dedupe_key_for
from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from tests.disruptions.conftest import AS_OF, overdue

pytestmark = pytest.mark.django_db

LATER = AS_OF + timedelta(hours=6)


def _checked(*consignments, kind="overdue"):
    return [(kind, "consignment", str(c.pk)) for c in consignments]


def _alerts() -> list[tuple]:
    fields = ("partner__slug", "kind", "subject_id", "rule", "state", "first_seen_at", "last_seen_at")
    return sorted(Alert.objects.values_list(*fields))


def test_a_finding_raises_one_alert_per_partner_with_its_evidence(alpha, bravo, consignment):
    finding = overdue(consignment)
    result = alerts_sync(
        findings_by_partner={alpha.pk: [finding], str(bravo.pk): [finding]}, checked=_checked(consignment), as_of=AS_OF
    )

    assert (result.raised, result.refreshed, result.resolved) == ({"overdue": 2}, {}, {})
    alert = Alert.objects.get(partner=alpha)
    assert (alert.kind, alert.subject_type, alert.subject_id, alert.rule) == (
        "overdue",
        "consignment",
        str(consignment.pk),
        "",
    )
    assert (alert.consignment, alert.corridor, alert.state, alert.severity) == (
        consignment,
        "twkhh-nlrtm",
        "open",
        "warning",
    )
    assert (alert.first_seen_at, alert.last_seen_at, alert.dedupe_key) == (
        AS_OF,
        AS_OF,
        f"consignment:{consignment.pk}",
    )
    assert alert.evidence == finding.evidence
    assert alert.title == "PO-1001 is 3 days late at Rotterdam"


def test_the_same_call_again_changes_nothing(alpha, consignment):
    args = {"findings_by_partner": {alpha.pk: [overdue(consignment)]}, "checked": _checked(consignment), "as_of": AS_OF}
    alerts_sync(**args)
    before = (_alerts(), AuditEvent.objects.count(), list(Alert.objects.values_list("updated_at", flat=True)))

    result = alerts_sync(**args)

    assert (result.raised, result.refreshed, result.resolved) == ({}, {"overdue": 1}, {})
    assert (_alerts(), AuditEvent.objects.count(), list(Alert.objects.values_list("updated_at", flat=True))) == before


def test_found_again_later_refreshes_last_seen_and_evidence_only(alpha, consignment):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=_checked(consignment), as_of=AS_OF)
    worse = overdue(consignment, title="PO-1001 is 4 days late at Rotterdam", severity="critical", evidence={"n": 4})
    audits = AuditEvent.objects.count()

    alerts_sync(findings_by_partner={alpha.pk: [worse]}, checked=_checked(consignment), as_of=LATER)

    alert = Alert.objects.get()
    assert (alert.first_seen_at, alert.last_seen_at, alert.state) == (AS_OF, LATER, "open")
    assert (alert.title, alert.severity) == ("PO-1001 is 4 days late at Rotterdam", "critical")
    assert alert.evidence == {"n": 4}
    assert AuditEvent.objects.count() == audits


def test_an_older_judgement_neither_refreshes_nor_resolves(alpha, consignment):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=_checked(consignment), as_of=LATER)

    alerts_sync(findings_by_partner={}, checked=_checked(consignment), as_of=AS_OF)

    alert = Alert.objects.get()
    assert (alert.state, alert.last_seen_at) == ("open", LATER)


def test_a_checked_subject_not_found_again_is_resolved_automatically(alpha, bravo, consignment, make_consignment):
    other = make_consignment(reference="PO-1002")
    alerts_sync(
        findings_by_partner={alpha.pk: [overdue(consignment), overdue(other)], bravo.pk: [overdue(consignment)]},
        checked=_checked(consignment, other),
        as_of=AS_OF,
    )

    # The consignment arrived; the other was not checked in this batch, so its alert stays.
    result = alerts_sync(findings_by_partner={}, checked=_checked(consignment), as_of=LATER)

    assert result.resolved == {"overdue": 2}
    resolved = Alert.objects.filter(subject_id=str(consignment.pk))
    assert {(a.state, a.resolved_at, a.resolved_by) for a in resolved} == {("resolved", LATER, None)}
    assert Alert.objects.get(subject_id=str(other.pk)).state == "open"


def test_a_subject_checked_for_another_kind_keeps_its_alert(alpha, consignment):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=_checked(consignment), as_of=AS_OF)

    alerts_sync(findings_by_partner={}, checked=_checked(consignment, kind="silence"), as_of=LATER)

    assert Alert.objects.get().state == "open"


def test_rules_are_alerts_of_their_own_and_clear_one_by_one(alpha, consignment):
    def inconsistent(rule):
        return overdue(consignment, kind="inconsistent", rule=rule, title=f"Events disagree ({rule})")

    checked = _checked(consignment, kind="inconsistent")
    alerts_sync(
        findings_by_partner={alpha.pk: [inconsistent("impossible_speed"), inconsistent("two_places")]},
        checked=checked,
        as_of=AS_OF,
    )
    assert Alert.objects.get(rule="two_places").dedupe_key == f"consignment:{consignment.pk}:two_places"

    result = alerts_sync(findings_by_partner={alpha.pk: [inconsistent("two_places")]}, checked=checked, as_of=LATER)

    assert (result.refreshed, result.resolved) == ({"inconsistent": 1}, {"inconsistent": 1})
    assert dict(Alert.objects.values_list("rule", "state")) == {"impossible_speed": "resolved", "two_places": "open"}


def test_an_acknowledged_alert_stays_acknowledged_while_found_and_resolves_when_cleared(alpha, olga, consignment):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=_checked(consignment), as_of=AS_OF)
    officer = Actor(partner=alpha, role=MemberRole.OPERATOR, user=olga)
    alert_state_set(actor=officer, alert=Alert.objects.get(), state="acknowledged")

    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=_checked(consignment), as_of=LATER)
    assert Alert.objects.get().state == "acknowledged"

    alerts_sync(findings_by_partner={}, checked=_checked(consignment), as_of=LATER + timedelta(hours=1))
    alert = Alert.objects.get()
    assert (alert.state, alert.acknowledged_by, alert.resolved_by) == ("resolved", "olga", None)


def test_a_resolved_alert_is_raised_afresh_when_the_condition_returns(alpha, consignment):
    finding = {"findings_by_partner": {alpha.pk: [overdue(consignment)]}, "checked": _checked(consignment)}
    alerts_sync(**finding, as_of=AS_OF)
    alerts_sync(findings_by_partner={}, checked=_checked(consignment), as_of=LATER)

    result = alerts_sync(**finding, as_of=LATER + timedelta(days=1))

    assert result.raised == {"overdue": 1}
    assert sorted(Alert.objects.values_list("state", flat=True)) == ["open", "resolved"]


def test_the_database_refuses_a_second_open_alert_for_one_finding(alpha, consignment):
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=[], as_of=AS_OF)
    first = Alert.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            partner=alpha,
            kind="overdue",
            subject_type="consignment",
            subject_id=first.subject_id,
            title="again",
            dedupe_key=first.dedupe_key,
        )


def test_sync_is_audited_once_per_partner_per_batch(alpha, bravo, consignment, make_consignment):
    others = [make_consignment(reference=f"PO-3{n}") for n in range(3)]
    alerts_sync(
        findings_by_partner={alpha.pk: [overdue(c) for c in (consignment, *others)], bravo.pk: [overdue(consignment)]},
        checked=[],
        as_of=AS_OF,
    )

    records = {record.partner.slug: record for record in AuditEvent.objects.filter(action="alert.sync")}
    assert set(records) == {"alpha", "bravo"}
    assert records["alpha"].actor_label == "alerts sync"
    assert (records["alpha"].object_repr, records["bravo"].object_repr) == (
        "4 alerts raised, 0 resolved",
        "1 alert raised, 0 resolved",
    )
    # Worded too, so the audit page says it in its reader's language.
    assert records["alpha"].wording == {
        "actor": {"template": "alerts sync", "args": {}},
        "object": {"template": "%(raised)s alerts raised, %(resolved)s resolved", "args": {"raised": 4, "resolved": 0}},
    }
    assert records["alpha"].changes["raised"] == {"overdue": 4}
    assert records["alpha"].changes["resolved"] == {}
    assert sorted(records["alpha"].changes["raised_alerts"]) == sorted(
        str(pk) for pk in Alert.objects.filter(partner=alpha).values_list("pk", flat=True)
    )

    alerts_sync(findings_by_partner={}, checked=_checked(consignment), as_of=LATER)
    resolved = AuditEvent.objects.filter(action="alert.sync").order_by("occurred_at").last()
    assert resolved.changes["resolved"] == {"overdue": 1}


def _sync_queries(alpha, bravo, consignments, as_of, *, found=True) -> int:
    findings = [overdue(c) for c in consignments] if found else []
    with CaptureQueriesContext(connection) as queries:
        alerts_sync(
            findings_by_partner={alpha.pk: findings, bravo.pk: findings}, checked=_checked(*consignments), as_of=as_of
        )
    return len(queries.captured_queries)


def test_queries_per_batch_do_not_grow_with_its_findings(alpha, bravo, make_consignment):
    # 20 at most: SQLite splits an insert every 999 parameters, 47 alerts (PostgreSQL takes a batch at once).
    few = [make_consignment(reference=f"PO-4{n:02}") for n in range(2)]
    many = [make_consignment(reference=f"PO-5{n:02}") for n in range(20)]
    raised, refreshed, cleared = AS_OF, LATER, LATER + timedelta(hours=1)
    for moment, found in ((raised, True), (refreshed, True), (cleared, False)):
        queries = _sync_queries(alpha, bravo, few, moment, found=found)
        assert queries == _sync_queries(alpha, bravo, many, moment, found=found), moment
    assert Alert.objects.filter(state="resolved").count() == 44


def test_results_of_batches_add_up():
    one = SyncResult()
    one.raised.update({"overdue": 2})
    two = SyncResult()
    two.raised.update({"overdue": 1, "silence": 1})
    two.resolved.update({"dwell": 3})
    total = one + two
    assert (total.raised, total.refreshed, total.resolved) == ({"overdue": 3, "silence": 1}, {}, {"dwell": 3})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "trust_changed"}, "unknown alert kind"),
        ({"subject_type": "planet"}, "unknown alert subject type"),
        ({"severity": "dire"}, "unknown alert severity"),
    ],
)
def test_a_malformed_finding_writes_nothing(alpha, consignment, change, message):
    with pytest.raises(ValueError, match=message):
        alerts_sync(
            findings_by_partner={alpha.pk: [overdue(consignment), overdue(consignment, **change)]},
            checked=[],
            as_of=AS_OF,
        )
    assert not Alert.objects.exists()


def test_as_of_must_be_aware(alpha, consignment):
    with pytest.raises(ValueError, match="timezone-aware"):
        alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=[], as_of=datetime(2026, 12, 1))  # noqa: DTZ001


def test_node_findings_are_keyed_by_place(alpha):
    congestion = Finding(
        kind="congestion",
        subject_type="node",
        subject_id="KRPUS",
        title="Busan: 5 consignments dwell longer than usual",
        evidence={"summary": "5 over the p90 dwell of 2.0 days"},
        corridor_id="twkhh-uslax",
    )
    assert dedupe_key_for("node", "KRPUS") == "node:KRPUS" == congestion.dedupe_key
    alerts_sync(findings_by_partner={alpha.pk: [congestion]}, checked=[("congestion", "node", "KRPUS")], as_of=AS_OF)
    alert = Alert.objects.get()
    assert (alert.subject_type, alert.subject_id, alert.consignment, alert.corridor) == (
        "node",
        "KRPUS",
        None,
        "twkhh-uslax",
    )
