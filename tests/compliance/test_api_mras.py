"""/api/v1/mras/: everyone reads mutual recognition arrangements; platform staff record and change them."""

from __future__ import annotations

from typing import Any

import pytest

from apps.compliance.models import Mra, MraChange, MraParticipant
from apps.core.models import AuditEvent
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/mras/"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "key": "tw-us",
        "name": "Taiwan-United States AEO MRA",
        "signed_on": "2012-11-13",
        "in_force_from": "2012-11-13",
        "participants": [
            {"authority": "tw-customs", "recognised_types": ["security and safety"]},
            {"authority": "us-cbp", "recognised_types": None, "grants_recognition": True},
        ],
        "direction_note": "both directions",
        **changes,
    }


def _stored() -> tuple:
    return (
        sorted(Mra.objects.values_list("key", "name", "status", "in_force_from", "in_force_until")),
        sorted(MraParticipant.objects.values_list("mra__key", "authority__slug", "recognised_types")),
        MraChange.objects.count(),
        AuditEvent.objects.filter(action__startswith="mra.").count(),
    )


@pytest.fixture
def customs(tw_customs, kr_customs, us_customs):
    return tw_customs, kr_customs, us_customs


@pytest.fixture
def tw_kr(arrange, tw_customs, kr_customs):
    return arrange("tw-kr", tw_customs, kr_customs, name="Taiwan-Korea AEO MRA")


# ----------------------------------------------------------------------------------------------- read


@pytest.mark.parametrize("who", ["alice", "charlie", "tina", "staff"])
def test_every_authenticated_caller_reads_mras(request, client_for, tw_kr, who):
    user = request.getfixturevalue(who)
    rows = client_for(user).get(URL).json()["results"]
    assert [(r["key"], r["status"]) for r in rows] == [("tw-kr", "in force")]
    assert [(p["authority"], p["recognised_types"], p["grants_recognition"]) for p in rows[0]["participants"]] == [
        ("kr-customs", None, True),
        ("tw-customs", None, True),
    ]
    assert "history" not in rows[0]


def test_anonymous_callers_are_refused(client, tw_kr):
    assert_problem(client.get(URL), 401, problem="not-authenticated")


def test_detail_has_dates_and_history(client_for, alice, tw_kr):
    data = client_for(alice).get(f"{URL}{tw_kr.pk}/").json()
    assert (data["signed_on"], data["in_force_from"], data["in_force_until"]) == ("2015-01-01", "2016-10-01", None)
    assert [h["reason"] for h in data["history"]] == ["created"]
    assert data["history"][0]["changes"]["after"]["participants"][0]["authority"] == "kr-customs"


def test_unknown_mra_is_404(client_for, alice, tw_kr):
    assert_problem(client_for(alice).get(f"{URL}00000000-0000-0000-0000-000000000000/"), 404)


# --------------------------------------------------------------------------------------------- create


def test_staff_records_an_mra(client_for, staff, customs):
    response = client_for(staff).post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["key"], data["status"], data["plurilateral"]) == ("tw-us", "in force", False)
    assert [(p["authority"], p["recognised_types"]) for p in data["participants"]] == [
        ("tw-customs", ["security and safety"]),
        ("us-cbp", None),
    ]
    assert [h["reason"] for h in data["history"]] == ["created"]
    assert audit_for(response, "mra.create").object_id == data["id"]


def test_plurilateral_members_keep_their_implementation_dates(client_for, staff, customs):
    participants = [
        {"authority": "tw-customs", "implemented_from": "2020-01-01"},
        {"authority": "kr-customs", "implemented_from": "2021-06-01"},
        {"authority": "us-cbp"},
    ]
    response = client_for(staff).post(
        URL, body(key="trio", plurilateral=True, participants=participants), format="json"
    )
    assert response.status_code == 201, response.content
    dates = {p["authority"]: p["implemented_from"] for p in response.json()["participants"]}
    assert dates == {"kr-customs": "2021-06-01", "tw-customs": "2020-01-01", "us-cbp": None}


@pytest.mark.parametrize("who", ["alice", "tina"])
def test_only_staff_record_mras(request, client_for, customs, who):
    before = _stored()
    response = client_for(request.getfixturevalue(who)).post(URL, body(), format="json")
    problem = assert_problem(response, 403, problem="permission-denied")
    assert problem["detail"] == "Only platform staff may do this."
    assert _stored() == before


def test_mra_with_fewer_than_two_authorities_is_refused(client_for, staff, customs):
    before = _stored()
    for participants in ([{"authority": "tw-customs"}], [{"authority": "tw-customs"}, {"authority": "tw-customs"}], []):
        response = client_for(staff).post(URL, body(participants=participants), format="json")
        problem = assert_problem(response, 400, field="participants")
        assert problem["detail"] == "An MRA needs at least two distinct customs authorities."
    assert _stored() == before


def test_participant_that_is_not_customs_is_refused(client_for, staff, customs, alpha):
    before = _stored()
    participants = [{"authority": "tw-customs"}, {"authority": "alpha"}]
    response = client_for(staff).post(URL, body(participants=participants), format="json")
    problem = assert_problem(response, 400, field="participants.1.authority")
    assert problem["errors"][0]["pointer"] == "#/participants/1/authority"
    assert _stored() == before


def test_until_before_from_is_refused(client_for, staff, customs):
    before = _stored()
    response = client_for(staff).post(URL, body(in_force_from="2020-01-01", in_force_until="2019-12-31"), format="json")
    problem = assert_problem(response, 400, field="in_force_until")
    assert problem["detail"] == "in_force_until 2019-12-31 is before in_force_from 2020-01-01."
    assert _stored() == before


def test_same_key_twice_is_a_conflict(client_for, staff, customs, tw_kr):
    before = _stored()
    assert_problem(client_for(staff).post(URL, body(key="tw-kr"), format="json"), 409, field="key")
    assert _stored() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participants": [{"authority": "nowhere"}, {"authority": "us-cbp"}]}, "participants.0.authority"),
        ({"participants": [{"authority": "tw-customs", "recognised_types": "all"}, {"authority": "us-cbp"}]},
         "participants.0.recognised_types"),
        ({"status": "rumoured"}, "status"),
        ({"key": "not a slug"}, "key"),
        ({"signed_on": "2012-13-01"}, "signed_on"),
        ({"in_force_from": "2012-01-01"}, "in_force_from"),
        ({"direction": "import"}, "direction"),
        ({"participants": [{"authority": "tw-customs", "grants_recognition": False},
                           {"authority": "us-cbp", "grants_recognition": False}]}, "participants"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_stores_nothing(client_for, staff, customs, changes, field):
    before = _stored()
    assert_problem(client_for(staff).post(URL, body(**changes), format="json"), 400, field=field)
    assert _stored() == before


# --------------------------------------------------------------------------------------------- update


def test_staff_changes_an_mra_with_a_reason(client_for, staff, tw_kr):
    response = client_for(staff).patch(
        f"{URL}{tw_kr.pk}/",
        {"status": "ended", "in_force_until": "2025-12-31", "reason": "Terminated by notice"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["in_force_until"]) == ("ended", "2025-12-31")
    assert [h["reason"] for h in data["history"]] == ["created", "Terminated by notice"]
    changes = data["history"][1]["changes"]
    assert (changes["before"]["status"], changes["after"]["status"]) == ("in force", "ended")
    assert audit_for(response, "mra.update").object_id == str(tw_kr.pk)


def test_staff_replaces_the_participants(client_for, staff, tw_kr, us_customs):
    participants = [
        {"authority": "tw-customs"},
        {"authority": "kr-customs", "recognised_types": ["AA", "AAA"]},
        {"authority": "us-cbp", "grants_recognition": False},
    ]
    response = client_for(staff).patch(
        f"{URL}{tw_kr.pk}/", {"participants": participants, "reason": "US joins"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [
        (p["authority"], p["recognised_types"], p["grants_recognition"]) for p in response.json()["participants"]
    ] == [
        ("kr-customs", ["AA", "AAA"], True),
        ("tw-customs", None, True),
        ("us-cbp", None, False),
    ]


def test_a_change_needs_a_reason(client_for, staff, tw_kr):
    before = _stored()
    assert_problem(
        client_for(staff).patch(f"{URL}{tw_kr.pk}/", {"status": "ended"}, format="json"), 400, field="reason"
    )
    assert_problem(
        client_for(staff).patch(f"{URL}{tw_kr.pk}/", {"status": "ended", "reason": "  "}, format="json"),
        400,
        field="reason",
    )
    assert _stored() == before


def test_change_to_fewer_than_two_authorities_is_refused(client_for, staff, tw_kr):
    before = _stored()
    response = client_for(staff).patch(
        f"{URL}{tw_kr.pk}/", {"participants": [{"authority": "tw-customs"}], "reason": "KR leaves"}, format="json"
    )
    assert_problem(response, 400, field="participants")
    assert _stored() == before


def test_change_making_until_before_from_is_refused(client_for, staff, tw_kr):
    before = _stored()
    response = client_for(staff).patch(
        f"{URL}{tw_kr.pk}/", {"in_force_until": "2016-09-30", "reason": "typo"}, format="json"
    )
    assert_problem(response, 400, field="in_force_until")
    assert _stored() == before


@pytest.mark.parametrize("who", ["alice", "tina"])
def test_only_staff_change_mras(request, client_for, tw_kr, who):
    before = _stored()
    for payload in ({"status": "ended", "reason": "We say so"}, {"status": "whatever"}):
        response = client_for(request.getfixturevalue(who)).patch(f"{URL}{tw_kr.pk}/", payload, format="json")
        assert_problem(response, 403, problem="permission-denied")
    assert _stored() == before


def test_non_staff_are_refused_before_the_body_is_read(client_for, tina, customs):
    response = client_for(tina).post(URL, {"key": "not a slug", "participants": []}, format="json")
    assert_problem(response, 403, problem="permission-denied")


def test_mras_cannot_be_deleted_or_replaced(client_for, staff, tw_kr):
    assert_problem(client_for(staff).delete(f"{URL}{tw_kr.pk}/"), 405)
    assert_problem(client_for(staff).put(f"{URL}{tw_kr.pk}/", body(), format="json"), 405)
    assert Mra.objects.filter(pk=tw_kr.pk).exists()
