"""/ and /partner/: where a member's work starts, and the page of the partner a user acts for: details,
members, recent activity."""

import pytest

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_member_sees_own_partner_and_its_members_only(browser, alice, olga, bob, charlie):
    html = browser(bob).get("/partner/").content.decode()
    assert "Alpha Exports" in html
    for name in ("alice", "olga", "bob"):
        assert f"<td>{name}</td>" in html
    assert "Bravo Lines" not in html
    assert "charlie" not in html


def test_admin_sees_recent_activity_and_viewer_does_not(browser, alice, bob, alpha, token_for):
    token_for(alpha)
    assert "api_token.create" in browser(alice).get("/partner/").content.decode()
    assert "api_token.create" not in browser(bob).get("/partner/").content.decode()


def test_recent_activity_shows_only_own_partner(browser, alice, alpha, bravo, token_for):
    token_for(bravo)
    assert "api_token.create" not in browser(alice).get("/partner/").content.decode()


def test_staff_sees_all_partners(browser, staff, alpha, bravo):
    html = browser(staff).get("/").content.decode()
    assert "All partners" in html
    assert "Alpha Exports" in html
    assert "Bravo Lines" in html


def test_member_does_not_see_the_all_partners_table(browser, alice, bravo):
    assert "All partners" not in browser(alice).get("/partner/").content.decode()


def test_member_of_two_partners_switches_between_them(browser, alice, bravo):
    MembershipFactory(user=alice, partner=bravo, role="viewer")
    client = browser(alice)
    response = client.post("/switch-partner/", {"partner": "bravo", "next": "/"})
    assert response.status_code == 302
    html = client.get("/partner/").content.decode()
    assert "<h1>Bravo Lines" in html


def test_switching_to_a_partner_one_is_not_a_member_of_is_404(browser, alice, bravo):
    client = browser(alice)
    assert client.post("/switch-partner/", {"partner": "bravo"}).status_code == 404
    assert "<h1>Alpha Exports" in client.get("/partner/").content.decode()


def test_switch_does_not_redirect_offsite(browser, alice, bravo):
    MembershipFactory(user=alice, partner=bravo, role="viewer")
    response = browser(alice).post("/switch-partner/", {"partner": "bravo", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_removed_membership_falls_back_to_the_remaining_partner(browser, alice, bravo):
    membership = MembershipFactory(user=alice, partner=bravo, role="viewer")
    client = browser(alice)
    client.post("/switch-partner/", {"partner": "bravo"})
    membership.delete()
    response = client.get("/partner/")
    assert response.status_code == 200
    assert "<h1>Alpha Exports" in response.content.decode()


def test_a_member_starts_at_its_partners_work_and_staff_acting_for_none_at_all_partners(browser, alice, staff):
    assert browser(alice).get("/")["Location"] == "/consignments/"
    assert browser(staff).get("/").status_code == 200
