"""/tokens/: a partner's admins create a token (shown once on the page) and revoke tokens."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.partners.models import ApiToken

pytestmark = pytest.mark.django_db

NEW_TOKEN = re.compile(r'<pre id="new-token">(cor_[a-z0-9]{8}_[A-Za-z0-9_-]{43})</pre>')


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_admin_creates_a_token_shown_once(browser, alice, bearer):
    client = browser(alice)
    response = client.post("/tokens/", {"name": "TMS production", "scope": "write"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = NEW_TOKEN.search(response.content.decode())
    assert match
    raw = match.group(1)
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.created_by) == ("TMS production", "write", alice)
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    again = client.get("/tokens/").content.decode()
    assert raw not in again
    assert token.prefix in again


def test_admin_revokes_a_token(browser, alice, alpha, token_for, bearer):
    raw = token_for(alpha)
    token = ApiToken.objects.get()
    client = browser(alice)
    response = client.post(f"/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/tokens/"
    token.refresh_from_db()
    assert token.state == "revoked"
    assert token.revoked_by == alice
    assert f"Token {token.prefix} revoked." in client.get("/tokens/").content.decode()
    assert bearer(raw).get("/api/v1/me/").status_code == 401


def test_expiry_in_the_past_shows_an_error_and_no_token(browser, alice):
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = browser(alice).post("/tokens/", {"name": "late", "scope": "read", "expires_at": past})
    html = response.content.decode()
    assert "The expiry must be in the future." in html
    assert not NEW_TOKEN.search(html)
    assert not ApiToken.objects.exists()


def test_missing_name_shows_an_error(browser, alice):
    response = browser(alice).post("/tokens/", {"name": "", "scope": "read"})
    assert b"This field is required." in response.content
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("member", ["olga", "bob"])
def test_operator_and_viewer_get_403(browser, request, alpha, token_for, member):
    token_for(alpha)
    client = browser(request.getfixturevalue(member))
    assert client.get("/tokens/").status_code == 403
    assert client.post("/tokens/", {"name": "sneaky", "scope": "write"}).status_code == 403
    assert ApiToken.objects.count() == 1


def test_viewer_cannot_revoke(browser, bob, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    browser(bob).post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_other_partners_admin_cannot_see_or_revoke_alpha_tokens(browser, charlie, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    client = browser(charlie)
    assert token.prefix not in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_is_sent_to_login(client):
    assert client.get("/tokens/")["Location"] == "/login/?next=/tokens/"


def test_revoke_needs_post(browser, alice, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    assert browser(alice).get(f"/tokens/{token.pk}/revoke/").status_code == 405


def test_token_form_needs_its_csrf_token(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post("/tokens/", {"name": "x", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_new_token_has_a_copy_button_and_revoking_asks_first(browser, alice):
    client = browser(alice)
    page = client.post("/tokens/", {"name": "TMS", "scope": "read"}).content.decode()
    assert 'data-copy="#new-token"' in page
    assert "data-confirm=" in page
    assert "js/corridor.js" in page
