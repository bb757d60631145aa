"""Corridor writes: create (staff), change (the owner's admins), place consignments; validation, access, audit."""

from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.core.models import AuditEvent
from apps.corridors.models import Corridor, CorridorConsignment
from apps.corridors.services import corridor_consignment_add, corridor_create, corridor_update
from apps.partners.access import system_actor
from apps.partners.choices import MemberRole
from tests.corridors.conftest import T0, actor_of


def test_staff_create_a_corridor_with_its_legs_members_and_default_thresholds(corridor, alpha, bravo):
    assert corridor.nodes == ["TWKHH", "KRPUS", "USLAX"]
    assert [(leg.from_locode, leg.to_locode, leg.mode) for leg in corridor.legs.all()] == [
        ("TWKHH", "KRPUS", "sea"),
        ("KRPUS", "USLAX", "sea"),
    ]
    assert list(corridor.members.all()) == [bravo]
    assert corridor.thresholds["baseline_min_samples"] == 5
    record = AuditEvent.objects.get(action="corridor.create")
    assert record.partner == alpha
    assert record.changes["nodes"] == corridor.nodes


def test_only_staff_create_corridors(alpha):
    with pytest.raises(PermissionDeniedError):
        corridor_create(
            actor=actor_of(alpha, MemberRole.ADMIN), slug="x", name="X", owner=alpha, nodes=["TWKHH", "KRPUS"]
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nodes": ["TWKHH"]}, "nodes"),
        ({"nodes": ["TWKHH", "ATLANTIS"]}, "nodes.1"),
        ({"nodes": ["TWKHH", "KRPUS", "TWKHH"]}, "nodes.2"),
        ({"modes": ["sea"]}, "modes"),
        ({"modes": ["sea", "hovercraft"]}, "modes.1"),
        ({"thresholds": {"dwell_factor": 0}}, "thresholds.dwell_factor"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(alpha, changes, field):
    data = {"slug": "lane", "name": "Lane", "owner": alpha, "nodes": ["TWKHH", "KRPUS", "USLAX"], **changes}
    with pytest.raises(ApplicationError) as caught:
        corridor_create(actor=system_actor("tests"), **data)
    assert caught.value.field == field
    assert not Corridor.objects.exists()


def test_a_taken_slug_is_a_conflict(corridor, alpha):
    with pytest.raises(ApplicationError) as caught:
        corridor_create(
            actor=system_actor("tests"), slug=corridor.slug, name="Again", owner=alpha, nodes=corridor.nodes
        )
    assert caught.value.status == 409


def test_the_owners_admin_changes_thresholds_merged_and_audited(corridor, alpha):
    corridor_update(actor=actor_of(alpha, MemberRole.ADMIN), corridor=corridor, thresholds={"dwell_factor": 2})
    corridor.refresh_from_db()
    assert corridor.thresholds["dwell_factor"] == 2.0
    assert corridor.thresholds["overdue_tolerance_hours"] == 12
    record = AuditEvent.objects.get(action="corridor.update")
    assert record.changes["thresholds"]["before"]["dwell_factor"] == 1.5
    assert record.changes["thresholds"]["after"]["dwell_factor"] == 2.0


def test_out_of_range_thresholds_are_refused_and_nothing_is_stored(corridor, alpha):
    with pytest.raises(ApplicationError) as caught:
        corridor_update(
            actor=actor_of(alpha, MemberRole.ADMIN), corridor=corridor, thresholds={"silence_hours": {"air": 0}}
        )
    assert caught.value.field == "thresholds.silence_hours.air"
    corridor.refresh_from_db()
    assert corridor.thresholds["silence_hours"]["air"] == 12
    assert not AuditEvent.objects.filter(action="corridor.update").exists()


def test_an_operator_of_the_owner_or_a_member_may_not_change_it_and_an_outsider_does_not_see_it(
    corridor, alpha, bravo, delta
):
    with pytest.raises(PermissionDeniedError):
        corridor_update(actor=actor_of(alpha, MemberRole.OPERATOR), corridor=corridor, name="Mine")
    with pytest.raises(PermissionDeniedError):
        corridor_update(actor=actor_of(bravo, MemberRole.ADMIN), corridor=corridor, name="Mine")
    with pytest.raises(NotFoundError):
        corridor_update(actor=actor_of(delta, MemberRole.ADMIN), corridor=corridor, name="Mine")


def test_placing_a_visible_consignment_is_idempotent_and_audited_once(corridor, alpha, delta, shipment):
    consignment = shipment("OFF-ROUTE", T0, route=["TWKHH", "USLAX"])
    for _ in range(2):
        corridor_consignment_add(actor=actor_of(alpha), corridor=corridor, consignment_id=consignment.pk)
    assert CorridorConsignment.objects.filter(corridor=corridor, consignment=consignment).count() == 1
    assert AuditEvent.objects.filter(action="corridor.consignment_add").count() == 1


def test_placing_a_consignment_the_owner_may_not_see_is_not_found(corridor, alpha, delta, shipment):
    theirs = shipment("THEIRS", T0)
    theirs.parties.all().delete()
    theirs.created_by = delta
    theirs.save()
    with pytest.raises(NotFoundError) as caught:
        corridor_consignment_add(actor=actor_of(alpha), corridor=corridor, consignment_id=theirs.pk)
    assert caught.value.field == "consignment"
