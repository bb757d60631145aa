"""The notices admin: staff enter, edit and end notices through the services (validated, audited)."""

from __future__ import annotations

import pytest

from apps.core.models import AuditEvent
from apps.corridors.notices.models import Notice

ADD = "/admin/corridors/notice/add/"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _form(**changes):
    return {
        "kind": "weather",
        "title": "Typhoon warning",
        "description": "",
        "place": "TWKHH",
        "voyage": "",
        "starts_at_0": "2026-06-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2026-06-03",
        "ends_at_1": "00:00:00",
        "source": "Central Weather Administration",
        **changes,
    }


def test_staff_enter_a_notice_through_the_service(admin_client):
    response = admin_client.post(ADD, _form())
    assert response.status_code == 302, response.content[:2000]
    notice = Notice.objects.get()
    assert (notice.place, notice.created_by_label, notice.origin) == ("TWKHH", "root", "entered")
    assert AuditEvent.objects.filter(action="notice.create", object_id=str(notice.pk)).exists()
    assert admin_client.get("/admin/corridors/notice/").status_code == 200
    assert admin_client.get(f"/admin/corridors/notice/{notice.pk}/change/").status_code == 200


def test_an_unknown_place_is_refused_with_a_message(admin_client):
    response = admin_client.post(ADD, _form(place="TWXXX"), follow=True)
    assert not Notice.objects.exists()
    assert "not a known place" in response.content.decode()


def test_staff_end_notices_from_the_list(admin_client):
    admin_client.post(ADD, _form())
    notice = Notice.objects.get()
    response = admin_client.post(
        "/admin/corridors/notice/", {"action": "end_now", "_selected_action": [str(notice.pk)]}, follow=True
    )
    assert response.status_code == 200
    notice.refresh_from_db()
    assert notice.ended_at is not None
    assert AuditEvent.objects.filter(action="notice.end", object_id=str(notice.pk)).exists()
