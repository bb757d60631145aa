"""The audit log in the admin: listed and searchable, never added, changed or deleted."""

import pytest

from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def record(alpha, token_for):
    token_for(alpha)
    return AuditEvent.objects.get()


def test_audit_changelist_lists_records(admin_client, record):
    html = admin_client.get("/admin/core/auditevent/").content.decode()
    assert "api_token.create" in html


def test_audit_changelist_searches_by_partner(admin_client, record):
    assert admin_client.get("/admin/core/auditevent/?q=alpha").context["cl"].result_count == 1
    assert admin_client.get("/admin/core/auditevent/?q=bravo").context["cl"].result_count == 0


def test_audit_record_opens_read_only(admin_client, record):
    response = admin_client.get(f"/admin/core/auditevent/{record.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_audit_records_cannot_be_added(admin_client):
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403


def test_audit_records_cannot_be_changed(admin_client, record):
    response = admin_client.post(f"/admin/core/auditevent/{record.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.action == "api_token.create"


def test_audit_records_cannot_be_deleted(admin_client, record):
    assert admin_client.post(f"/admin/core/auditevent/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin_client.get("/admin/core/auditevent/").content.decode()
    assert "delete_selected" not in changelist
    assert AuditEvent.objects.filter(pk=record.pk).exists()


def test_worker_heartbeats_are_listed(admin_client):
    assert admin_client.get("/admin/core/workerheartbeat/").status_code == 200
