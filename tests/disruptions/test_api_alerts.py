"""/api/v1/alerts/: a partner reads its own alerts; operators acknowledge and resolve them.

alpha (alice admin, olga operator, bob viewer) has alerts; bravo (charlie) has its own.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import AuditEvent
from apps.disruptions.models import Alert
from apps.disruptions.services import alert_raise, alerts_sync
from apps.partners.choices import TokenScope
from tests.disruptions.conftest import AS_OF, overdue
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/"


@pytest.fixture
def alerts(alpha, bravo, consignment):
    expiring, _ = alert_raise(
        partner=alpha,
        kind="aeo_expiring",
        title="AEO certificate TW-AEO-0001 expires on 2026-12-31 (30 days)",
        subject_type="certificate",
        subject_id="cert-1",
        dedupe_key="aeo-expiring:1:30",
        evidence={"number": "TW-AEO-0001", "days_ahead": 30},
    )
    expired, _ = alert_raise(
        partner=alpha,
        kind="aeo_expired",
        title="AEO certificate TW-AEO-0002 has expired",
        subject_type="certificate",
        subject_id="cert-2",
    )
    theirs, _ = alert_raise(
        partner=bravo, kind="aeo_expired", title="Bravo's certificate", subject_type="certificate", subject_id="cert-3"
    )
    alerts_sync(findings_by_partner={alpha.pk: [overdue(consignment)]}, checked=[], as_of=AS_OF)
    late = Alert.objects.get(kind="overdue")
    return {"expiring": expiring, "expired": expired, "theirs": theirs, "late": late}


def _states() -> list:
    return sorted(Alert.objects.values_list("title", "state", "resolved_at"))


def test_partner_lists_its_own_alerts_newest_first(client_for, bob, alerts):
    rows = client_for(bob).get(URL).json()["results"]
    assert [row["id"] for row in rows] == [str(alerts[name].pk) for name in ("late", "expired", "expiring")]
    assert {row["partner"] for row in rows} == {"alpha"}
    expiring = rows[2]
    assert (expiring["kind"], expiring["severity"], expiring["state"], expiring["consignment"]) == (
        "aeo_expiring",
        "warning",
        "open",
        None,
    )
    assert (expiring["subject_type"], expiring["subject_id"]) == ("certificate", "cert-1")
    assert expiring["evidence"] == {"number": "TW-AEO-0001", "days_ahead": 30}


def test_an_alert_carries_what_another_system_matches_its_consignment_by(client_for, bob, alerts, consignment):
    row = client_for(bob).get(f"{URL}{alerts['late'].pk}/").json()

    assert row["consignment"] == {
        "id": str(consignment.pk),
        "reference": "PO-1001",
        "transport_document_type": "BL",
        "transport_document_number": "BL-KHH-0001",
        "booking_reference": "BKG-0001",
        "containers": ["MSKU1234565"],
    }
    assert (row["kind"], row["rule"], row["corridor"]) == ("overdue", "", "twkhh-nlrtm")
    assert (row["first_seen_at"], row["last_seen_at"]) == ("2026-12-01T12:00:00Z", "2026-12-01T12:00:00Z")
    assert row["evidence"]["events"][0]["event_id"] == "evt-depa-1"
    assert (row["acknowledged_by"], row["resolved_by"], row["resolved_at"]) == (None, None, None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=aeo_expired", ["expired"]),
        ("state=open", ["late", "expired", "expiring"]),
        ("state=resolved", []),
        ("corridor=twkhh-nlrtm", ["late"]),
        ("corridor=elsewhere", []),
        ("subject_type=certificate&subject_id=cert-2", ["expired"]),
        ("since=2026-12-01T12:00:00Z", ["late", "expired", "expiring"]),
        ("until=2026-12-01T12:00:01Z", ["late"]),
        ("until=2026-12-01T12:00:00Z&kind=overdue", []),
    ],
)
def test_list_filters(client_for, bob, alerts, query, expected):
    rows = client_for(bob).get(f"{URL}?{query}").json()["results"]
    assert [row["id"] for row in rows] == [str(alerts[name].pk) for name in expected]


def test_filter_by_consignment(client_for, bob, alerts, consignment):
    rows = client_for(bob).get(f"{URL}?consignment={consignment.pk}").json()["results"]
    assert [row["id"] for row in rows] == [str(alerts["late"].pk)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=closed", "state"),
        ("kind=gossip", "kind"),
        ("kind=trust_changed", "kind"),
        ("consignment=x", "consignment"),
        ("since=yesterday", "since"),
        ("subject_type=planet", "subject_type"),
    ],
)
def test_bad_filter_is_400(client_for, bob, alerts, query, field):
    assert_problem(client_for(bob).get(f"{URL}?{query}"), 400, field=field)


def test_listing_costs_the_same_queries_for_one_alert_or_many(client_for, bob, alpha, alerts, make_consignment):
    client = client_for(bob)
    client.get(URL)  # the session and the actor's memberships, the same on every request
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).json()["results"]) == 3
    many = [make_consignment(reference=f"PO-2{n:03}", equipment=[{"number": "TGHU9876542"}]) for n in range(12)]
    alerts_sync(findings_by_partner={alpha.pk: [overdue(c) for c in many]}, checked=[], as_of=AS_OF)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(URL).json()["results"]) == 15
    assert len(more.captured_queries) == len(few.captured_queries)


def test_operator_acknowledges_then_resolves_saying_who_and_when(client_for, olga, alerts):
    alert = alerts["expiring"]
    response = client_for(olga).post(f"{URL}{alert.pk}/acknowledge/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["acknowledged_by"], body["resolved_at"]) == ("acknowledged", "olga", None)
    assert body["acknowledged_at"] is not None
    assert audit_for(response, "alert.acknowledged").actor_label == "olga"

    response = client_for(olga).post(f"{URL}{alert.pk}/resolve/")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["resolved_by"], body["acknowledged_by"]) == ("resolved", "olga", "olga")
    assert body["resolved_at"] is not None
    assert audit_for(response, "alert.resolved").object_id == str(alert.pk)


def test_a_write_token_acknowledges_in_its_own_name(bearer, token_for, alpha, alerts):
    response = bearer(token_for(alpha, scope=TokenScope.WRITE)).post(f"{URL}{alerts['late'].pk}/acknowledge/")
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged_by"].startswith("token ")


def test_acknowledging_twice_is_a_conflict_naming_who_did(client_for, olga, alice, alerts):
    path = f"{URL}{alerts['expired'].pk}/acknowledge/"
    assert client_for(olga).post(path).status_code == 200
    body = assert_problem(client_for(alice).post(path), 409, problem="conflict", field="state")
    assert "already acknowledged by olga" in body["detail"]
    assert Alert.objects.get(pk=alerts["expired"].pk).acknowledged_by == "olga"


def test_resolving_twice_is_a_conflict(client_for, olga, alerts):
    path = f"{URL}{alerts['expired'].pk}/resolve/"
    assert client_for(olga).post(path).status_code == 200
    before = (_states(), AuditEvent.objects.count())
    assert_problem(client_for(olga).post(path), 409, problem="conflict", field="state")
    assert_problem(client_for(olga).post(f"{URL}{alerts['expired'].pk}/acknowledge/"), 409, problem="conflict")
    assert (_states(), AuditEvent.objects.count()) == before


def test_an_alert_resolved_automatically_says_so(client_for, olga, alpha, alerts, consignment):
    alerts_sync(
        findings_by_partner={},
        checked=[("overdue", "consignment", str(consignment.pk))],
        as_of=AS_OF + timedelta(hours=1),
    )
    row = client_for(olga).get(f"{URL}{alerts['late'].pk}/").json()
    assert (row["state"], row["resolved_by"], row["resolved_at"]) == ("resolved", None, "2026-12-01T13:00:00Z")
    body = assert_problem(client_for(olga).post(f"{URL}{alerts['late'].pk}/resolve/"), 409, problem="conflict")
    assert "resolved automatically" in body["detail"]


def test_viewer_may_read_but_not_acknowledge_or_resolve(client_for, bob, alerts):
    before = _states()
    assert client_for(bob).get(f"{URL}{alerts['expiring'].pk}/").status_code == 200
    for action in ("acknowledge", "resolve"):
        assert_problem(
            client_for(bob).post(f"{URL}{alerts['expiring'].pk}/{action}/"), 403, problem="permission-denied"
        )
    assert _states() == before


def test_a_read_token_cannot_acknowledge(bearer, token_for, alpha, alerts):
    client = bearer(token_for(alpha, scope=TokenScope.READ))
    assert client.get(URL).status_code == 200
    assert_problem(client.post(f"{URL}{alerts['late'].pk}/acknowledge/"), 403, problem="permission-denied")


def test_another_partners_alert_is_404(client_for, alice, charlie, alerts):
    before = _states()
    theirs = alerts["theirs"].pk
    assert_problem(client_for(alice).get(f"{URL}{theirs}/"), 404, problem="not-found")
    for action in ("acknowledge", "resolve"):
        assert_problem(client_for(alice).post(f"{URL}{theirs}/{action}/"), 404, problem="not-found")
    assert [row["id"] for row in client_for(charlie).get(URL).json()["results"]] == [str(theirs)]
    assert _states() == before


def test_staff_see_every_partners_alerts(client_for, staff, alerts):
    assert len(client_for(staff).get(URL).json()["results"]) == 4


def test_alerts_cannot_be_created_or_deleted_through_the_api(client_for, alice, alerts):
    assert_problem(client_for(alice).post(URL, {"title": "fake"}, format="json"), 405)
    assert_problem(client_for(alice).delete(f"{URL}{alerts['expiring'].pk}/"), 405)
    assert Alert.objects.count() == 4
