"""/api/v1/memberships/: a partner's admins add, re-role and remove its members."""

import pytest

from apps.core.models import AuditEvent
from apps.partners.models import Membership
from tests.factories import UserFactory
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db


def _membership(user):
    return Membership.objects.get(user=user)


def test_list_shows_own_partner_members_only(client_for, alice, olga, bob, charlie):
    response = client_for(bob).get("/api/v1/memberships/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["username"] for row in rows) == ["alice", "bob", "olga"]
    assert {row["partner"] for row in rows} == {"alpha"}


def test_filter_by_role(client_for, alice, olga, bob):
    rows = client_for(alice).get("/api/v1/memberships/?role=operator").json()["results"]
    assert [row["username"] for row in rows] == ["olga"]


def test_admin_adds_a_member_and_it_is_audited(client_for, alice, alpha):
    UserFactory(username="dora")
    response = client_for(alice).post(
        "/api/v1/memberships/",
        {"username": "dora", "role": "operator"},
        format="json",
        headers={"X-Request-ID": "add-dora-0001"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["username"], body["role"], body["partner"]) == ("dora", "operator", "alpha")
    assert response["X-Request-ID"] == "add-dora-0001"
    record = audit_for(response, "membership.create")
    assert record.actor_label == "alice"
    assert record.partner == alpha
    assert record.object_id == str(body["id"])
    assert record.changes == {"user": "dora", "role": "operator"}


def test_unknown_username_is_400_and_writes_nothing(client_for, alice):
    response = client_for(alice).post("/api/v1/memberships/", {"username": "ghost", "role": "viewer"}, format="json")
    assert_problem(response, 400, field="username")
    assert Membership.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_unknown_role_is_400_naming_role(client_for, alice):
    UserFactory(username="dora")
    response = client_for(alice).post("/api/v1/memberships/", {"username": "dora", "role": "owner"}, format="json")
    assert_problem(response, 400, field="role")


def test_existing_member_is_409(client_for, alice, bob):
    response = client_for(alice).post("/api/v1/memberships/", {"username": "bob", "role": "admin"}, format="json")
    assert_problem(response, 409, problem="conflict", field="username")
    assert _membership(bob).role == "viewer"


@pytest.mark.parametrize("member", ["olga", "bob"])
def test_operator_and_viewer_cannot_manage_members(client_for, request, alice, member):
    user = request.getfixturevalue(member)
    UserFactory(username="dora")
    api = client_for(user)
    target = _membership(alice).pk
    assert_problem(api.post("/api/v1/memberships/", {"username": "dora", "role": "viewer"}, format="json"), 403)
    assert_problem(api.patch(f"/api/v1/memberships/{target}/", {"role": "viewer"}, format="json"), 403)
    assert_problem(api.delete(f"/api/v1/memberships/{target}/"), 403)
    assert _membership(alice).role == "admin"


def test_admin_changes_a_role_and_it_is_audited(client_for, alice, alpha, bob):
    response = client_for(alice).patch(
        f"/api/v1/memberships/{_membership(bob).pk}/", {"role": "operator"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "operator"
    record = audit_for(response, "membership.update")
    assert (record.actor_label, record.partner, record.object_id) == ("alice", alpha, str(_membership(bob).pk))
    assert record.changes == {"role": ["viewer", "operator"]}


def test_setting_the_same_role_writes_no_audit(client_for, alice, bob):
    response = client_for(alice).patch(f"/api/v1/memberships/{_membership(bob).pk}/", {"role": "viewer"}, format="json")
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_last_admin_cannot_be_demoted_or_removed(client_for, alice):
    api = client_for(alice)
    pk = _membership(alice).pk
    assert_problem(api.patch(f"/api/v1/memberships/{pk}/", {"role": "viewer"}, format="json"), 409, field="role")
    assert_problem(api.delete(f"/api/v1/memberships/{pk}/"), 409)
    assert _membership(alice).role == "admin"
    assert not AuditEvent.objects.exists()


def test_admin_removes_a_member_and_it_is_audited(client_for, alice, alpha, bob):
    pk = _membership(bob).pk
    response = client_for(alice).delete(f"/api/v1/memberships/{pk}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=pk).exists()
    record = audit_for(response, "membership.delete")
    assert (record.actor_label, record.partner, record.object_id) == ("alice", alpha, str(pk))
    assert record.changes == {"user": "bob", "role": "viewer"}


def test_unknown_field_in_update_is_400(client_for, alice, bob):
    response = client_for(alice).patch(
        f"/api/v1/memberships/{_membership(bob).pk}/", {"role": "operator", "partner": "bravo"}, format="json"
    )
    assert_problem(response, 400, field="partner")
    assert _membership(bob).role == "viewer"


def test_staff_adds_a_member_to_a_named_partner(client_for, staff, bravo):
    UserFactory(username="dora")
    response = client_for(staff).post(
        "/api/v1/memberships/", {"username": "dora", "role": "admin", "partner": "bravo"}, format="json"
    )
    assert response.status_code == 201
    record = audit_for(response, "membership.create")
    assert (record.actor_label, record.partner) == ("staff", bravo)


def test_write_token_cannot_manage_members(alpha, alice, bob, token_for, bearer):
    api = bearer(token_for(alpha))
    assert_problem(api.patch(f"/api/v1/memberships/{_membership(bob).pk}/", {"role": "admin"}, format="json"), 403)
    assert _membership(bob).role == "viewer"
