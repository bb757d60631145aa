"""/api/v1/webhooks/: a partner's admins subscribe URLs, rotate secrets and follow deliveries.

alpha: alice (admin), olga (operator), bob (viewer); bravo: charlie (admin), the outsider.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.disruptions.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.disruptions.webhooks import services
from apps.partners.access import PARTNER_HEADER
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
HOOK = "https://93.184.215.14/hooks/corridor"


def _create(client, **changes):
    body = {"url": HOOK, "alert_kinds": ["overdue", "dwell"], "description": "ERP inbox"}
    body.update(changes)
    return client.post(URL, body, format="json")


@pytest.fixture
def endpoint(client_for, alice):
    response = _create(client_for(alice))
    assert response.status_code == 201, response.content
    return WebhookEndpoint.objects.get(pk=response.json()["id"])


@pytest.fixture
def deliveries(endpoint):
    """A delivered message, and a dead one with its two attempts."""
    now = timezone.now()

    def delivery(state, attempts):
        row = WebhookDelivery.objects.create(
            endpoint=endpoint,
            message_type="alert.raised",
            body='{"type":"alert.raised","timestamp":"2026-12-01T12:00:00Z","data":{"id":"a-1"}}',
            state=state,
            attempt_count=len(attempts),
            last_status_code=attempts[-1],
        )
        for number, status in enumerate(attempts, start=1):
            WebhookAttempt.objects.create(
                delivery=row,
                number=number,
                attempted_at=now - timedelta(minutes=10 - number),
                status_code=status,
                error="" if status < 300 else f"HTTP {status}",
                duration_ms=12,
            )
        return row

    return {"sent": delivery("succeeded", [204]), "dead": delivery("dead", [500, 503])}


def test_an_admin_subscribes_a_url_and_sees_its_secret_once(client_for, alice, alpha):
    response = _create(client_for(alice), consignment_events=True)

    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert (body["partner"], body["url"], body["alert_kinds"], body["consignment_events"], body["is_active"]) == (
        "alpha",
        HOOK,
        ["overdue", "dwell"],
        True,
        True,
    )
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert services.signing_secrets(endpoint, now=timezone.now()) == [body["secret"]]
    assert body["secret"].encode() not in bytes(endpoint.secret_sealed)
    record = audit_for(response, "webhook.create")
    assert (record.actor_label, record.partner) == ("alice", alpha)
    assert "whsec_" not in str(record.changes)

    listed = client_for(alice).get(URL).json()["results"]
    shown = client_for(alice).get(f"{URL}{endpoint.pk}/").json()
    assert [row["id"] for row in listed] == [str(endpoint.pk)]
    assert "secret" not in listed[0]
    assert "secret" not in shown


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "http://10.0.0.5/hook"}, "url", "10.0.0.5, a private address"),
        ({"url": "http://127.0.0.1:8080/hook"}, "url", "a loopback address"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "url", "a link-local address"),
        ({"url": "gopher://93.184.215.14/"}, "url", "Give an https://"),
        ({"url": "https://admin:pw@93.184.215.14/"}, "url", "no credentials"),
        ({"alert_kinds": ["overdue", "gossip"]}, "alert_kinds.1", "not a valid choice"),
        ({"alert_kinds": []}, "alert_kinds", "at least one alert kind"),
        ({"secret": "whsec_mine"}, "secret", "Unknown field"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_nothing_is_stored(client_for, alice, body, field, message):
    response = _create(client_for(alice), **body)

    problem = assert_problem(response, 400, problem="validation-error", field=field)
    assert message in problem["detail"]
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action="webhook.create").exists()


def test_production_refuses_plain_http(client_for, alice, settings):
    settings.CORRIDOR_ENV = "production"
    problem = assert_problem(_create(client_for(alice), url="http://93.184.215.14/hook"), 400, field="url")
    assert "must use https:// in production" in problem["detail"]
    assert _create(client_for(alice)).status_code == 201


def test_private_targets_are_allowed_when_the_setting_says_so(client_for, alice, allow_private):
    assert _create(client_for(alice), url="http://127.0.0.1:8080/hook").status_code == 201


@pytest.mark.parametrize("user", ["olga", "bob"])
def test_operators_and_viewers_may_not_manage_webhooks(client_for, request, endpoint, user):
    client = client_for(request.getfixturevalue(user))
    assert_problem(client.get(URL), 403, problem="permission-denied")
    assert_problem(client.get(f"{URL}{endpoint.pk}/deliveries/"), 403, problem="permission-denied")
    assert_problem(_create(client), 403, problem="permission-denied")
    assert_problem(client.post(f"{URL}{endpoint.pk}/rotate-secret/"), 403, problem="permission-denied")
    assert WebhookEndpoint.objects.count() == 1


def test_another_partners_endpoint_is_404(client_for, charlie, endpoint, deliveries):
    client = client_for(charlie)
    before = list(WebhookEndpoint.objects.values_list("url", "is_active", "secret_sealed"))
    assert client.get(URL).json()["results"] == []
    for method, path in [
        ("get", f"{URL}{endpoint.pk}/"),
        ("patch", f"{URL}{endpoint.pk}/"),
        ("delete", f"{URL}{endpoint.pk}/"),
        ("post", f"{URL}{endpoint.pk}/rotate-secret/"),
        ("get", f"{URL}{endpoint.pk}/deliveries/"),
        ("get", f"{URL}{endpoint.pk}/deliveries/{deliveries['dead'].pk}/"),
        ("post", f"{URL}{endpoint.pk}/deliveries/{deliveries['dead'].pk}/redeliver/"),
    ]:
        assert_problem(getattr(client, method)(path, {"is_active": False}, format="json"), 404, problem="not-found")
    assert list(WebhookEndpoint.objects.values_list("url", "is_active", "secret_sealed")) == before
    assert WebhookDelivery.objects.get(pk=deliveries["dead"].pk).state == "dead"


def test_deliveries_of_an_unknown_endpoint_are_404(client_for, alice):
    assert_problem(client_for(alice).get(f"{URL}not-a-uuid/deliveries/"), 404, problem="not-found")


def test_rotating_gives_a_new_secret_once_and_keeps_the_old_one_signing_a_day(client_for, alice, endpoint):
    old = services.signing_secrets(endpoint, now=timezone.now())

    response = client_for(alice).post(f"{URL}{endpoint.pk}/rotate-secret/")

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    new = response.json()["secret"]
    assert new.startswith("whsec_")
    assert new not in old
    endpoint.refresh_from_db()
    now = timezone.now()
    assert services.signing_secrets(endpoint, now=now) == [new, *old]
    assert services.signing_secrets(endpoint, now=now + timedelta(hours=25)) == [new]
    assert endpoint.previous_secret_until == pytest.approx(now + timedelta(hours=24), abs=timedelta(minutes=1))
    assert audit_for(response, "webhook.rotate_secret").object_id == str(endpoint.pk)
    assert "secret" not in client_for(alice).get(f"{URL}{endpoint.pk}/").json()


def test_an_admin_changes_subscriptions_and_pauses_an_endpoint(client_for, alice, endpoint):
    response = client_for(alice).patch(
        f"{URL}{endpoint.pk}/", {"alert_kinds": ["notice"], "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["alert_kinds"], response.json()["is_active"]) == (["notice"], False)
    assert audit_for(response, "webhook.update").changes == {
        "alert_kinds": [["overdue", "dwell"], ["notice"]],
        "is_active": [True, False],
    }


def test_a_bad_change_is_400_and_changes_nothing(client_for, alice, endpoint):
    response = client_for(alice).patch(f"{URL}{endpoint.pk}/", {"url": "http://192.168.0.1/"}, format="json")
    assert_problem(response, 400, field="url")
    response = client_for(alice).patch(
        f"{URL}{endpoint.pk}/", {"alert_kinds": [], "consignment_events": False}, format="json"
    )
    assert_problem(response, 400, field="alert_kinds")
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.alert_kinds) == (HOOK, ["overdue", "dwell"])


def test_an_admin_deletes_an_endpoint_with_its_deliveries(client_for, alice, endpoint, deliveries):
    response = client_for(alice).delete(f"{URL}{endpoint.pk}/")
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert audit_for(response, "webhook.delete").changes == {"url": HOOK}


def test_each_delivery_shows_its_attempts_and_payload(client_for, alice, endpoint, deliveries):
    rows = client_for(alice).get(f"{URL}{endpoint.pk}/deliveries/").json()["results"]

    assert [row["id"] for row in rows] == [str(deliveries["dead"].pk), str(deliveries["sent"].pk)]
    dead = rows[0]
    assert dead["message_id"] == f"msg_{deliveries['dead'].pk.hex}"
    assert (dead["message_type"], dead["state"], dead["attempt_count"], dead["last_status_code"]) == (
        "alert.raised",
        "dead",
        2,
        503,
    )
    assert [(a["number"], a["status_code"], a["error"]) for a in dead["attempts"]] == [
        (1, 500, "HTTP 500"),
        (2, 503, "HTTP 503"),
    ]
    assert dead["payload"]["data"] == {"id": "a-1"}
    dead_only = client_for(alice).get(f"{URL}{endpoint.pk}/deliveries/?state=dead").json()["results"]
    assert [row["id"] for row in dead_only] == [str(deliveries["dead"].pk)]
    assert_problem(client_for(alice).get(f"{URL}{endpoint.pk}/deliveries/?state=lost"), 400, field="state")


def test_a_dead_delivery_is_retried_on_request_and_a_sent_one_is_not(client_for, alice, endpoint, deliveries):
    path = f"{URL}{endpoint.pk}/deliveries/"
    response = client_for(alice).post(f"{path}{deliveries['dead'].pk}/redeliver/")

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["attempt_count"]) == ("failed", 2)
    assert response.json()["next_attempt_at"] is not None
    assert audit_for(response, "webhook.redeliver").changes["state_before"] == "dead"
    assert_problem(client_for(alice).post(f"{path}{deliveries['sent'].pk}/redeliver/"), 409, field="state")


def test_staff_subscribe_for_the_partner_they_choose(client_for, staff, alpha):
    client = client_for(staff)
    assert_problem(_create(client), 403, problem="permission-denied")
    response = client.post(
        URL,
        {"url": HOOK, "alert_kinds": ["overdue"]},
        format="json",
        **{f"HTTP_{PARTNER_HEADER.upper().replace('-', '_')}": "alpha"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["partner"] == "alpha"
