"""GET /api/v1/me/: who the caller acts as, and for which partner."""

import pytest

from tests.factories import MembershipFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_member_sees_own_partner_role_and_memberships(client_for, alice, charlie):
    body = client_for(alice).get("/api/v1/me/").json()
    assert body["username"] == "alice"
    assert body["is_staff"] is False
    assert body["partner"]["slug"] == "alpha"
    assert body["role"] == "admin"
    assert body["scope"] == "write"
    assert body["token_prefix"] == ""
    assert [m["partner"] for m in body["memberships"]] == ["alpha"]


def test_member_of_two_partners_picks_one_with_the_partner_header(client_for, alice, bravo):
    MembershipFactory(user=alice, partner=bravo, role="viewer")
    api = client_for(alice)
    body = api.get("/api/v1/me/", headers={"X-Corridor-Partner": "bravo"}).json()
    assert (body["partner"]["slug"], body["role"]) == ("bravo", "viewer")
    assert sorted(m["partner"] for m in body["memberships"]) == ["alpha", "bravo"]


def test_partner_header_naming_another_partner_is_403(client_for, alice, charlie):
    response = client_for(alice).get("/api/v1/me/", headers={"X-Corridor-Partner": "bravo"})
    body = assert_problem(response, 403, problem="permission-denied")
    assert "bravo" in body["detail"]


def test_staff_without_membership_acts_for_no_partner(client_for, staff):
    body = client_for(staff).get("/api/v1/me/").json()
    assert body["is_staff"] is True
    assert body["partner"] is None
    assert body["memberships"] == []


def test_staff_may_act_for_any_partner_with_the_header(client_for, staff, bravo):
    body = client_for(staff).get("/api/v1/me/", headers={"X-Corridor-Partner": "bravo"}).json()
    assert body["partner"]["slug"] == "bravo"


def test_token_shows_its_prefix(alpha, token_for, bearer):
    raw = token_for(alpha)
    body = bearer(raw).get("/api/v1/me/").json()
    assert body["token_prefix"] == raw.split("_")[1]
    assert body["username"].startswith(f"token {body['token_prefix']}")
    assert body["memberships"] == []


def test_anonymous_is_401(client):
    assert_problem(client.get("/api/v1/me/"), 401)
