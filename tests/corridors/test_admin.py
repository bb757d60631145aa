"""The corridor admin: created and changed through the services (validated, audited); computed rows read only."""

from __future__ import annotations

from typing import Any

import pytest

from apps.core.models import AuditEvent
from apps.corridors.models import Corridor

ADD = "/admin/corridors/corridor/add/"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _inlines(initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for prefix in ("legs", "consignment_links"):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(initial),
            f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data


def test_staff_create_a_corridor_through_the_service(admin_client, alpha, bravo):
    response = admin_client.post(
        ADD,
        {
            "slug": "khh-lax",
            "name": "Kaohsiung - Los Angeles",
            "owner": str(alpha.pk),
            "nodes_text": "TWKHH → USLAX",
            "modes_text": "",
            "members": [str(bravo.pk)],
            "thresholds_text": '{"dwell_factor": 2}',
            "is_active": "on",
            **_inlines(),
        },
    )
    assert response.status_code == 302
    corridor = Corridor.objects.get(slug="khh-lax")
    assert corridor.nodes == ["TWKHH", "USLAX"]
    assert corridor.thresholds["dwell_factor"] == 2.0
    assert list(corridor.members.all()) == [bravo]
    assert AuditEvent.objects.filter(action="corridor.create", actor_label="root").count() == 1


def test_bad_thresholds_are_refused_and_nothing_changes(admin_client, corridor):
    response = admin_client.post(
        f"/admin/corridors/corridor/{corridor.pk}/change/",
        {
            "name": corridor.name,
            "members": [],
            "thresholds_text": '{"dwell_factor": 0.1}',
            "is_active": "on",
            **_inlines(),
        },
        follow=True,
    )
    assert any("dwell_factor" in str(m) for m in response.context["messages"])
    corridor.refresh_from_db()
    assert corridor.thresholds["dwell_factor"] == 1.5
    assert corridor.members.exists()


def test_baselines_and_etas_are_read_only(admin_client, corridor):
    assert admin_client.get("/admin/corridors/baseline/add/").status_code == 403
    assert admin_client.get("/admin/corridors/consignmenteta/add/").status_code == 403
    assert admin_client.get("/admin/corridors/baseline/").status_code == 200
