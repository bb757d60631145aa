"""The alert and webhook admin: read only; state changes go through the services and are audited."""

from __future__ import annotations

import pytest

from apps.core.models import AuditEvent
from apps.disruptions.models import Alert, WebhookDelivery
from apps.disruptions.services import alert_raise
from apps.disruptions.webhooks import services as webhooks
from apps.partners.access import system_actor

pytestmark = pytest.mark.django_db

ALERTS = "/admin/disruptions/alert/"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def alert(alpha):
    raised, _ = alert_raise(
        partner=alpha, kind="aeo_expired", title="AEO TW-AEO-0001 expired", subject_type="certificate", subject_id="c-1"
    )
    return raised


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("path", [ALERTS, f"{ALERTS}?state=open", f"{ALERTS}?q=TW-AEO"])
def test_superuser_lists_alerts(admin_client, alert, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    assert "AEO TW-AEO-0001 expired" in response.content.decode()


def test_alert_page_is_read_only(admin_client, alert):
    path = f"{ALERTS}{alert.pk}/change/"
    assert admin_client.get(path).status_code == 200
    assert admin_client.post(path, {"state": "resolved"}).status_code == 403
    assert admin_client.get(f"{ALERTS}add/").status_code == 403
    assert admin_client.post(f"{ALERTS}{alert.pk}/delete/", {"post": "yes"}).status_code == 403
    alert.refresh_from_db()
    assert alert.state == "open"


def test_resolving_in_the_admin_goes_through_the_service(admin_client, alert, alpha):
    response = admin_client.post(
        ALERTS, {"action": "resolve_selected", "_selected_action": [str(alert.pk)]}, follow=True
    )
    assert _messages(response) == ["Resolved 1 alert."]
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_at is not None, alert.resolved_by) == ("resolved", True, "root")
    record = AuditEvent.objects.get(action="alert.resolved")
    assert (record.actor_label, record.partner) == ("root", alpha)


def test_an_already_resolved_alert_is_reported_not_changed(admin_client, alert):
    admin_client.post(ALERTS, {"action": "resolve_selected", "_selected_action": [str(alert.pk)]}, follow=True)
    when = f"{Alert.objects.get(pk=alert.pk).resolved_at:%Y-%m-%d %H:%M} UTC."
    response = admin_client.post(
        ALERTS, {"action": "acknowledge_selected", "_selected_action": [str(alert.pk)]}, follow=True
    )
    assert _messages(response) == ["AEO TW-AEO-0001 expired: This alert was already resolved by root at " + when]
    assert Alert.objects.get(pk=alert.pk).state == "resolved"
    assert not AuditEvent.objects.filter(action="alert.acknowledged").exists()


def test_members_cannot_open_the_alert_admin(client, alice, alert):
    client.force_login(alice)
    assert client.get(ALERTS).status_code == 302


# --- Webhooks -----------------------------------------------------------------------------------------

ENDPOINTS = "/admin/disruptions/webhookendpoint/"
DELIVERIES = "/admin/disruptions/webhookdelivery/"


@pytest.fixture
def endpoint(alpha):
    endpoint, _ = webhooks.webhook_endpoint_create(
        actor=system_actor("tests"), partner=alpha, url="https://93.184.215.14/hook", alert_kinds=["overdue"]
    )
    return endpoint


@pytest.fixture
def dead(endpoint):
    return WebhookDelivery.objects.create(endpoint=endpoint, message_type="alert.raised", body="{}", state="dead")


def test_webhooks_are_listed_without_their_secrets(admin_client, endpoint, dead):
    listing = admin_client.get(ENDPOINTS).content.decode()
    assert "https://93.184.215.14/hook" in listing
    page = admin_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert "secret_sealed" not in page
    assert 'name="_save"' not in page
    assert admin_client.get(f"{DELIVERIES}{dead.pk}/change/").status_code == 200
    assert admin_client.get(f"{ENDPOINTS}add/").status_code == 403


def test_staff_pause_an_endpoint_through_the_service(admin_client, endpoint, alpha):
    response = admin_client.post(
        ENDPOINTS, {"action": "deactivate_selected", "_selected_action": [str(endpoint.pk)]}, follow=True
    )
    assert _messages(response) == ["Deactivated 1 endpoint."]
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    record = AuditEvent.objects.get(action="webhook.update")
    assert (record.actor_label, record.partner, record.changes) == ("root", alpha, {"is_active": [True, False]})


def test_staff_retry_a_dead_delivery(admin_client, dead):
    response = admin_client.post(
        DELIVERIES, {"action": "redeliver_selected", "_selected_action": [str(dead.pk)]}, follow=True
    )
    assert _messages(response) == ["Retrying 1 delivery."]
    dead.refresh_from_db()
    assert (dead.state, dead.next_attempt_at is not None) == ("failed", True)


def test_an_action_and_its_message_speak_the_admins_language(admin_client, alert, compiled_catalogues):
    listing = admin_client.get(ALERTS, HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
    assert "解決所選警示" in listing
    assert "Resolve selected alerts" not in listing
    response = admin_client.post(
        ALERTS,
        {"action": "resolve_selected", "_selected_action": [str(alert.pk)]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-Hant",
    )
    assert _messages(response) == ["已解決 1 則警示。"]
