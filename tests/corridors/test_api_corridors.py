"""GET/POST/PATCH /api/v1/corridors/: who sees a corridor, who creates and changes it, bad input, audit."""

from __future__ import annotations

import pytest

from apps.corridors.models import Corridor, CorridorConsignment
from apps.corridors.services import corridor_baselines_recompute
from tests.corridors.conftest import T0
from tests.helpers import assert_problem, audit_for

URL = "/api/v1/corridors/"
DETAIL = "/api/v1/corridors/khh-pus-lax/"


def test_owner_and_members_list_it_and_an_outsider_sees_nothing(corridor, client_for, bob, charlie, dave, staff):
    for user in (bob, charlie, staff):
        body = client_for(user).get(URL).json()
        assert [row["slug"] for row in body["results"]] == ["khh-pus-lax"], user
    assert client_for(dave).get(URL).json()["results"] == []


def test_detail_shows_nodes_legs_members_and_thresholds(corridor, client_for, charlie):
    body = client_for(charlie).get(DETAIL).json()
    assert body["nodes"] == ["TWKHH", "KRPUS", "USLAX"]
    assert [(leg["from_locode"], leg["to_locode"], leg["mode"]) for leg in body["legs"]] == [
        ("TWKHH", "KRPUS", "sea"),
        ("KRPUS", "USLAX", "sea"),
    ]
    assert body["owner"] == "alpha"
    assert body["members"] == ["bravo"]
    assert body["thresholds"]["silence_hours"]["sea"] == 72


def test_another_partners_corridor_is_not_found(corridor, client_for, dave):
    assert_problem(client_for(dave).get(DETAIL), 404, problem="not-found")
    assert_problem(client_for(dave).patch(DETAIL, {"name": "x"}, format="json"), 404)
    assert_problem(client_for(dave).get(DETAIL + "baselines/"), 404)


def test_staff_create_and_the_write_is_audited(client_for, staff, alpha, bravo):
    response = client_for(staff).post(
        URL,
        {
            "slug": "khh-lax",
            "name": "Kaohsiung - Los Angeles",
            "owner": "alpha",
            "nodes": ["twkhh", "USLAX"],
            "members": ["bravo"],
            "thresholds": {"overdue_tolerance_hours": 24},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nodes"] == ["TWKHH", "USLAX"]
    assert body["thresholds"]["overdue_tolerance_hours"] == 24
    assert audit_for(response, "corridor.create").object_repr.startswith("Kaohsiung - Los Angeles")


def test_a_partner_may_not_create(client_for, alice):
    assert_problem(
        client_for(alice).post(
            URL, {"slug": "x", "name": "X", "owner": "alpha", "nodes": ["TWKHH", "USLAX"]}, format="json"
        ),
        403,
    )
    assert not Corridor.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nodes": ["TWKHH", "NOPE"]}, "nodes.1"),
        ({"owner": "nobody"}, "owner"),
        ({"members": ["alpha", "nobody"]}, "members.1"),
        ({"modes": ["teleport"]}, "modes.0"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_on_create_names_the_field(client_for, staff, alpha, changes, field):
    data = {"slug": "lane", "name": "Lane", "owner": "alpha", "nodes": ["TWKHH", "USLAX"], **changes}
    assert_problem(client_for(staff).post(URL, data, format="json"), 400, field=field)
    assert not Corridor.objects.exists()


def test_the_owners_admin_changes_thresholds(corridor, client_for, alice):
    response = client_for(alice).patch(DETAIL, {"thresholds": {"silence_hours": {"air": 6}}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["thresholds"]["silence_hours"] == {"sea": 72, "air": 6.0, "road": 24, "rail": 48}
    assert audit_for(response, "corridor.update").changes["thresholds"]["after"]["silence_hours"]["air"] == 6.0


@pytest.mark.parametrize(
    ("thresholds", "field"),
    [
        ({"dwell_factor": 0.5}, "thresholds.dwell_factor"),
        ({"baseline_window_days": 5000}, "thresholds.baseline_window_days"),
        ({"silence_hours": {"sea": -1}}, "thresholds.silence_hours.sea"),
        ({"nonsense": 1}, "thresholds.nonsense"),
    ],
)
def test_out_of_range_thresholds_are_400_naming_the_field(corridor, client_for, alice, thresholds, field):
    response = client_for(alice).patch(DETAIL, {"thresholds": thresholds}, format="json")
    assert_problem(response, 400, problem="validation-error", field=field)
    corridor.refresh_from_db()
    assert corridor.thresholds["dwell_factor"] == 1.5


def test_a_member_or_the_owners_operator_may_not_change_it(corridor, client_for, olga, charlie):
    assert_problem(client_for(olga).patch(DETAIL, {"name": "Mine"}, format="json"), 403)
    assert_problem(client_for(charlie).patch(DETAIL, {"name": "Mine"}, format="json"), 403)


def test_baselines_are_listed_with_their_source(corridor, client_for, charlie):
    corridor_baselines_recompute(corridor=corridor, as_of=T0)
    body = client_for(charlie).get(DETAIL + "baselines/").json()
    assert [(row["kind"], row["from_locode"], row["source"]) for row in body] == [
        ("transit", "TWKHH", "distance"),
        ("transit", "KRPUS", "distance"),
    ]


def test_the_owners_operator_places_a_consignment(corridor, client_for, olga, shipment, dave):
    consignment = shipment("DIRECT", T0, route=["TWKHH", "USLAX"])
    response = client_for(olga).post(DETAIL + "consignments/", {"consignment": str(consignment.pk)}, format="json")
    assert response.status_code == 201, response.content
    assert CorridorConsignment.objects.filter(corridor=corridor, consignment=consignment).exists()
    audit_for(response, "corridor.consignment_add")
    assert_problem(
        client_for(dave).post(DETAIL + "consignments/", {"consignment": str(consignment.pk)}, format="json"), 404
    )
    assert_problem(
        client_for(olga).post(DETAIL + "consignments/", {"consignment": "nope"}, format="json"),
        400,
        field="consignment",
    )
