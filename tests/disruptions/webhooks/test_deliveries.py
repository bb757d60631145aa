"""Webhook deliveries: recorded with the change they announce, signed, sent to a real local receiver, retried
with backoff, dead after the limit, swept when their message is lost; and through a real worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from apps.core import work
from apps.core.domain_events import EventsRecorded, publish
from apps.disruptions import tasks
from apps.disruptions.models import Alert, WebhookDelivery, WebhookEndpoint
from apps.disruptions.services import alert_raise, alert_state_set, alerts_sync
from apps.disruptions.webhooks import delivery as sending
from apps.disruptions.webhooks import services
from apps.partners.access import Actor, system_actor
from apps.partners.choices import MemberRole
from corridor.celery import app
from tests.core.test_worker import _forget_broker_connections
from tests.disruptions.conftest import AS_OF, overdue
from tests.factories import PartnerFactory
from tests.shipments.conftest import native_event

pytestmark = pytest.mark.django_db


def subscribe(partner, url, **changes):
    values = {"alert_kinds": ["overdue", "aeo_expired"]}
    values.update(changes)
    return services.webhook_endpoint_create(actor=system_actor("tests"), partner=partner, url=url, **values)


def raise_overdue(partner, consignment, as_of=AS_OF):
    alerts_sync(findings_by_partner={partner.pk: [overdue(consignment)]}, checked=[], as_of=as_of)
    return Alert.objects.get(partner=partner, kind="overdue", state="open")


def verify(received, secret) -> None:
    """Check a received message as a Standard Webhooks receiver does, independently of the sender's code."""
    message_id, timestamp = received.headers["webhook-id"], received.headers["webhook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 300
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + received.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert expected in received.headers["webhook-signature"].split(" ")


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


# --- Recording ----------------------------------------------------------------------------------------


def test_a_raised_alert_is_recorded_for_each_endpoint_subscribed_to_its_kind(alpha, bravo, consignment):
    listening, _ = subscribe(alpha, "https://93.184.215.14/a")
    subscribe(alpha, "https://93.184.215.14/b", alert_kinds=["dwell"])
    paused, _ = subscribe(alpha, "https://93.184.215.14/c")
    services.webhook_endpoint_update(actor=system_actor("tests"), endpoint=paused, is_active=False)
    subscribe(bravo, "https://93.184.215.14/d")

    alert = raise_overdue(alpha, consignment)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.message_type, delivery.state, delivery.attempt_count) == (
        listening,
        "alert.raised",
        "pending",
        0,
    )
    payload = json.loads(delivery.body)
    assert payload["type"] == "alert.raised"
    assert payload["timestamp"].endswith("Z")
    assert (payload["data"]["id"], payload["data"]["kind"], payload["data"]["partner"]) == (
        str(alert.pk),
        "overdue",
        "alpha",
    )
    assert payload["data"]["consignment"]["transport_document_number"] == "BL-KHH-0001"
    assert payload["data"]["consignment"]["containers"] == ["MSKU1234565"]


def test_resolving_an_alert_is_announced_too(alpha, olga, consignment):
    subscribe(alpha, "https://93.184.215.14/a")
    alert = raise_overdue(alpha, consignment)
    alerts_sync(
        findings_by_partner={}, checked=[("overdue", "consignment", str(consignment.pk))], as_of=AS_OF + timedelta(1)
    )
    alert_raise(partner=alpha, kind="aeo_expired", title="AEO expired", subject_type="certificate", subject_id="c")
    manual = Alert.objects.get(kind="aeo_expired")
    alert_state_set(actor=Actor(partner=alpha, role=MemberRole.OPERATOR, user=olga), alert=manual, state="resolved")

    bodies = WebhookDelivery.objects.order_by("created_at").values_list("body", flat=True)
    messages = [json.loads(body) for body in bodies]
    assert [(m["type"], m["data"]["id"], m["data"]["resolved_by"]) for m in messages] == [
        ("alert.raised", str(alert.pk), None),
        ("alert.resolved", str(alert.pk), None),
        ("alert.raised", str(manual.pk), None),
        ("alert.resolved", str(manual.pk), "olga"),
    ]


def test_no_endpoint_costs_one_query(alpha, consignment, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.alert_messages_record(alerts=[Alert(partner=alpha, kind="overdue")], message_type="x") == 0


def test_new_events_are_announced_to_partners_who_may_see_the_consignment(
    client_for, alpha, alice, bravo, consignment, make_consignment
):
    outsider = PartnerFactory(slug="delta", name="Delta", country="TW")
    mine, _ = subscribe(alpha, "https://93.184.215.14/a", alert_kinds=[], consignment_events=True)
    subscribe(outsider, "https://93.184.215.14/d", alert_kinds=[], consignment_events=True)
    subscribe(bravo, "https://93.184.215.14/b")  # alerts only

    response = client_for(alice).post(
        "/api/v1/events/",
        [native_event(consignment="PO-1001"), native_event(event_id="evt-unlinked", event_time="2026-03-02T10:00:00Z")],
        format="json",
    )

    assert response.status_code == 201, response.content
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.message_type) == (mine, "consignment.events")
    data = json.loads(delivery.body)["data"]
    assert data["consignment"]["reference"] == "PO-1001"
    assert [(e["event_id"], e["recorder"], e["event_code"], e["place"]) for e in data["events"]] == [
        ("evt-depa-1", "alpha", "DEPA", "TWKHH")
    ]


def test_an_announcement_without_consignments_records_nothing(alpha):
    subscribe(alpha, "https://93.184.215.14/a", alert_kinds=[], consignment_events=True)
    publish(EventsRecorded(event_ids=("x",), consignment_ids=()))
    assert not WebhookDelivery.objects.exists()


# --- Sending ------------------------------------------------------------------------------------------


def test_a_delivery_is_signed_sent_and_recorded(alpha, consignment, receiver, allow_private):
    endpoint, secret = subscribe(alpha, receiver.url)
    alert = raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()

    assert tasks.webhook_deliver.apply(args=[str(delivery.pk)]).get() == "succeeded"

    (received,) = receiver.requests
    assert received.path == "/hooks/corridor?src=test"
    assert received.headers["webhook-id"] == f"msg_{delivery.pk.hex}"
    assert received.headers["Content-Type"] == "application/json"
    verify(received, secret)
    assert received.body == delivery.body.encode()
    assert received.json["data"]["id"] == str(alert.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempt_count, delivery.last_status_code, delivery.next_attempt_at) == (
        "succeeded",
        1,
        204,
        None,
    )
    (attempt,) = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 204, "")
    assert endpoint.deliveries.count() == 1


def test_it_is_sent_after_the_alert_commits(
    alpha, consignment, receiver, allow_private, django_capture_on_commit_callbacks
):
    subscribe(alpha, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        raise_overdue(alpha, consignment)
    assert receiver.wait_for(1)[0].json["type"] == "alert.raised"
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_a_failed_attempt_is_retried_later_under_the_same_id(alpha, consignment, receiver, allow_private):
    _, secret = subscribe(alpha, receiver.url)
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()
    receiver.answers = [500]

    before = timezone.now()
    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempt_count, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert before + timedelta(seconds=15) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)

    # Not due yet: a repeated message does nothing.
    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1

    make_due(delivery)
    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    verify(second, secret)
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 204)]


def test_after_the_limit_a_delivery_is_dead(alpha, consignment, receiver, allow_private, settings):
    settings.CORRIDOR_WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(alpha, receiver.url)
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()
    receiver.answers = [503, 503, 503]

    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"
    make_due(delivery)
    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "dead"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.next_attempt_at, delivery.attempt_count) == ("dead", None, 2)
    assert tasks.webhook_deliveries_sweep.apply().get() == 0
    assert len(receiver.requests) == 2


def test_an_unreachable_receiver_is_a_failed_attempt(alpha, consignment, allow_private, settings):
    settings.CORRIDOR_WEBHOOK_TIMEOUT_SECONDS = 2
    subscribe(alpha, "http://127.0.0.1:9/nothing-listens")
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()

    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_a_target_that_became_private_is_not_contacted(alpha, consignment, receiver, settings):
    settings.CORRIDOR_WEBHOOKS_ALLOW_PRIVATE = True
    subscribe(alpha, receiver.url)
    settings.CORRIDOR_WEBHOOKS_ALLOW_PRIVATE = False
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()

    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert "127.0.0.1, a loopback address" in delivery.last_error


def test_a_delivery_another_worker_holds_is_left_alone(alpha, consignment, receiver, allow_private):
    subscribe(alpha, receiver.url)
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()
    assert work.claim(WebhookDelivery, delivery.pk, by="other-host:1", stale_after=timedelta(minutes=5))

    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert receiver.requests == []


def test_the_sweep_sends_deliveries_whose_message_was_lost(alpha, consignment, receiver, allow_private, settings):
    subscribe(alpha, receiver.url)
    raise_overdue(alpha, consignment)
    delivery = WebhookDelivery.objects.get()

    assert tasks.webhook_deliveries_sweep.apply().get() == 0, "a fresh delivery waits for its own message"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS + 1)
    )
    assert tasks.webhook_deliveries_sweep.apply().get() == 1

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_a_rotation_signs_with_both_secrets_for_a_day(alpha, consignment, receiver, allow_private):
    endpoint, old = subscribe(alpha, receiver.url)
    _, new = services.webhook_secret_rotate(actor=system_actor("tests"), endpoint=endpoint)
    raise_overdue(alpha, consignment)

    sending.webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)

    (received,) = receiver.requests
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    verify(received, new)
    verify(received, old)


@pytest.mark.parametrize("attempt", [1, 2, 5, 9, 12, 40])
def test_retries_back_off_exponentially_with_jitter_up_to_six_hours(attempt):
    ceiling = min(30 * 2 ** (attempt - 1), 6 * 3600)
    delays = {sending.retry_delay(attempt).total_seconds() for _ in range(50)}
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1


def test_an_inactive_endpoints_deliveries_wait(alpha, consignment, receiver, allow_private):
    endpoint, _ = subscribe(alpha, receiver.url)
    raise_overdue(alpha, consignment)
    services.webhook_endpoint_update(actor=system_actor("tests"), endpoint=endpoint, is_active=False)
    delivery = WebhookDelivery.objects.get()

    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) is None
    services.webhook_endpoint_update(actor=system_actor("tests"), endpoint=endpoint, is_active=True)
    assert sending.webhook_delivery_attempt(delivery_id=delivery.pk) == "succeeded"


# --- Through a real worker ------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_raised_alert_reaches_the_receiver_through_a_real_worker(tmp_path, alpha, consignment, receiver, settings):
    settings.CORRIDOR_WEBHOOKS_ALLOW_PRIVATE = True
    _, secret = subscribe(alpha, receiver.url)
    previous = app.conf.broker_url
    _forget_broker_connections()
    app.conf.broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # The alert's commit announces the delivery; the subscriber rings the broker; the worker sends it.
            alert = raise_overdue(alpha, consignment)
            (received,) = receiver.wait_for(1)
            deadline = time.monotonic() + 10
            while WebhookDelivery.objects.get().state != "succeeded" and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        _forget_broker_connections()
        app.conf.broker_url = previous
        app.conf.task_always_eager = True

    verify(received, secret)
    assert received.json["data"]["id"] == str(alert.pk)
    assert WebhookEndpoint.objects.get().deliveries.get().state == "succeeded"
