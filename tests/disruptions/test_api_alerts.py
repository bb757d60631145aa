"""/api/v1/alerts/: a partner reads its own alerts; operators acknowledge and resolve them.

alpha (alice admin, olga operator, bob viewer) has alerts; bravo (charlie) has its own.
"""

from __future__ import annotations

import pytest

from apps.core.models import AuditEvent
from apps.disruptions.models import Alert
from apps.disruptions.services import alert_raise
from apps.shipments.services import consignment_create
from tests.helpers import assert_problem, audit_for
from tests.shipments.conftest import actor_for, consignment_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/"


@pytest.fixture
def alerts(alpha, bravo):
    expiring, _ = alert_raise(
        partner=alpha,
        kind="aeo_expiring",
        title="AEO certificate TW-AEO-0001 expires on 2026-12-31 (30 days)",
        dedupe_key="aeo-expiring:1:30",
        details={"number": "TW-AEO-0001", "days_ahead": 30},
    )
    expired, _ = alert_raise(
        partner=alpha, kind="aeo_expired", title="AEO certificate TW-AEO-0002 has expired", dedupe_key="aeo-expired:2"
    )
    theirs, _ = alert_raise(partner=bravo, kind="aeo_expired", title="Bravo's certificate", dedupe_key="aeo-expired:3")
    return {"expiring": expiring, "expired": expired, "theirs": theirs}


def _states() -> list:
    return sorted(Alert.objects.values_list("title", "state", "resolved_at"))


def test_partner_lists_its_own_alerts_newest_first(client_for, bob, alerts):
    rows = client_for(bob).get(URL).json()["results"]
    assert [row["id"] for row in rows] == [str(alerts["expired"].pk), str(alerts["expiring"].pk)]
    assert {row["partner"] for row in rows} == {"alpha"}
    expiring = rows[1]
    assert (expiring["kind"], expiring["severity"], expiring["state"], expiring["consignment"]) == (
        "aeo_expiring",
        "warning",
        "open",
        None,
    )
    assert expiring["details"] == {"number": "TW-AEO-0001", "days_ahead": 30}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("kind=aeo_expired", ["expired"]), ("state=open", ["expired", "expiring"]), ("state=resolved", [])],
)
def test_list_filters(client_for, bob, alerts, query, expected):
    rows = client_for(bob).get(f"{URL}?{query}").json()["results"]
    assert [row["id"] for row in rows] == [str(alerts[name].pk) for name in expected]


def test_filter_by_consignment(client_for, bob, alpha, alice, alerts):
    consignment = consignment_create(actor=actor_for(alpha, alice), data=consignment_data())
    about, _ = alert_raise(
        partner=alpha, kind="trust_changed", title="Trust changed", dedupe_key="trust:x", consignment_id=consignment.pk
    )
    rows = client_for(bob).get(f"{URL}?consignment={consignment.pk}").json()["results"]
    assert [row["id"] for row in rows] == [str(about.pk)]
    assert rows[0]["consignment"] == str(consignment.pk)


@pytest.mark.parametrize(
    ("query", "field"), [("state=closed", "state"), ("kind=gossip", "kind"), ("consignment=x", "consignment")]
)
def test_bad_filter_is_400(client_for, bob, alerts, query, field):
    assert_problem(client_for(bob).get(f"{URL}?{query}"), 400, field=field)


def test_operator_acknowledges_then_resolves(client_for, olga, alerts):
    alert = alerts["expiring"]
    response = client_for(olga).post(f"{URL}{alert.pk}/acknowledge/")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["resolved_at"]) == ("acknowledged", None)
    assert audit_for(response, "alert.acknowledged").actor_label == "olga"
    response = client_for(olga).post(f"{URL}{alert.pk}/resolve/")
    assert response.status_code == 200
    assert response.json()["state"] == "resolved"
    assert response.json()["resolved_at"] is not None
    assert audit_for(response, "alert.resolved").object_id == str(alert.pk)


def test_resolving_twice_is_a_conflict(client_for, olga, alerts):
    path = f"{URL}{alerts['expired'].pk}/resolve/"
    assert client_for(olga).post(path).status_code == 200
    before = (_states(), AuditEvent.objects.count())
    assert_problem(client_for(olga).post(path), 409, problem="conflict", field="state")
    assert_problem(client_for(olga).post(f"{URL}{alerts['expired'].pk}/acknowledge/"), 409, problem="conflict")
    assert (_states(), AuditEvent.objects.count()) == before


def test_viewer_cannot_acknowledge_or_resolve(client_for, bob, alerts):
    before = _states()
    for action in ("acknowledge", "resolve"):
        assert_problem(
            client_for(bob).post(f"{URL}{alerts['expiring'].pk}/{action}/"), 403, problem="permission-denied"
        )
    assert _states() == before


def test_another_partners_alert_is_404(client_for, alice, alerts):
    before = _states()
    theirs = alerts["theirs"].pk
    assert_problem(client_for(alice).get(f"{URL}{theirs}/"), 404, problem="not-found")
    for action in ("acknowledge", "resolve"):
        assert_problem(client_for(alice).post(f"{URL}{theirs}/{action}/"), 404, problem="not-found")
    assert _states() == before


def test_alerts_cannot_be_created_or_deleted_through_the_api(client_for, alice, alerts):
    assert_problem(client_for(alice).post(URL, {"title": "fake"}, format="json"), 405)
    assert_problem(client_for(alice).delete(f"{URL}{alerts['expiring'].pk}/"), 405)
    assert Alert.objects.count() == 3
