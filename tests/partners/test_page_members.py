"""/members/: a partner's admins invite (a new user gets a one-time set-password link), change roles
and remove members, through the membership services; others only read."""

import re

import pytest

from apps.core.models import AuditEvent
from apps.partners.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<pre id="set-password-link">https?://[^/]+(/password/[^<]+)</pre>')


@pytest.fixture
def page(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_admin_invites_a_new_user_who_sets_a_password_through_the_link(page, alice, alpha, client):
    response = page(alice).post("/members/", {"username": "dora", "email": "dora@example.com", "role": "operator"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    membership = Membership.objects.get(user__username="dora")
    assert (membership.partner, membership.role) == (alpha, "operator")
    assert not membership.user.has_usable_password()
    assert AuditEvent.objects.filter(action="membership.create", partner=alpha).exists()
    link = LINK.search(response.content.decode()).group(1)

    client.logout()
    form = client.get(link, follow=True)
    assert b"Choose a password" in form.content
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-long-fresh-secret-9", "new_password2": "a-long-fresh-secret-9"})
    assert done.status_code == 302
    assert client.login(username="dora", password="a-long-fresh-secret-9")


def test_an_existing_user_joins_without_a_link(page, alice, alpha):
    UserFactory(username="erin")
    response = page(alice).post("/members/", {"username": "erin", "role": "viewer"})
    assert Membership.objects.filter(user__username="erin", partner=alpha, role="viewer").exists()
    assert b"set-password-link" not in response.content


def test_inviting_a_member_twice_is_an_error_at_the_field(page, alice, bob):
    response = page(alice).post("/members/", {"username": "bob", "role": "viewer"})
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_admin_changes_a_role_and_removes_a_member(page, alice, bob):
    client = page(alice)
    membership = Membership.objects.get(user=bob)
    client.post(f"/members/{membership.id}/role/", {"role": "operator"})
    membership.refresh_from_db()
    assert membership.role == "operator"
    response = client.post(f"/members/{membership.id}/remove/", follow=True)
    assert not Membership.objects.filter(user=bob).exists()
    assert "bob was removed" in response.content.decode()


def test_the_last_admin_cannot_be_removed(page, alice):
    membership = Membership.objects.get(user=alice)
    response = page(alice).post(f"/members/{membership.id}/remove/", follow=True)
    assert Membership.objects.filter(user=alice).exists()
    assert "last admin" in response.content.decode()


def test_a_viewer_sees_members_but_cannot_change_them(page, bob, alice):
    client = page(bob)
    listing = client.get("/members/").content.decode()
    assert "alice" in listing
    assert "Invite" not in listing
    assert client.post("/members/", {"username": "x", "role": "admin"}).status_code == 403
    membership = Membership.objects.get(user=alice)
    assert client.post(f"/members/{membership.id}/remove/").status_code == 403


def test_another_partners_member_is_not_found(page, alice, charlie):
    membership = Membership.objects.get(user=charlie)
    assert page(alice).post(f"/members/{membership.id}/remove/").status_code == 404
