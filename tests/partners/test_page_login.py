"""/login/ and /logout/: session login for people, logout by POST only."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Log in to Corridor" in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_wrong_password_shows_an_error(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "not-her-password"})
    assert response.status_code == 200
    assert b"did not match" in response.content
    assert "_auth_user_id" not in client.session


def test_login_leads_home(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "pw-for-tests"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/partner/").status_code == 200


def test_login_honours_a_local_next_only(client, alice):
    local = client.post("/login/?next=/tokens/", {"username": "alice", "password": "pw-for-tests", "next": "/tokens/"})
    assert local["Location"] == "/tokens/"
    client.logout()
    offsite = client.post("/login/", {"username": "alice", "password": "pw-for-tests", "next": "https://evil.example/"})
    assert offsite["Location"] == "/"


def test_inactive_user_cannot_log_in(client):
    UserFactory(username="gone", is_active=False)
    response = client.post("/login/", {"username": "gone", "password": "pw-for-tests"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_form_needs_its_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/login/", {"username": "alice", "password": "pw-for-tests"}).status_code == 403
    browser.get("/login/")
    token = browser.cookies["csrftoken"].value
    response = browser.post("/login/", {"username": "alice", "password": "pw-for-tests", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_logout_by_post_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_logout_by_get_is_refused(client, alice):
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405
    assert client.get("/partner/").status_code == 200
