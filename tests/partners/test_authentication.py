"""`Authorization: Bearer <token>`: what a partner system's token may and may not do."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.partners.choices import TokenScope
from apps.partners.models import ApiToken, Partner
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_valid_token_acts_for_its_partner(alpha, token_for, bearer):
    body = bearer(token_for(alpha, scope=TokenScope.READ)).get("/api/v1/me/").json()
    assert body["partner"]["slug"] == "alpha"
    assert body["scope"] == "read"
    assert body["role"] == "viewer"


def test_write_token_acts_as_operator(alpha, token_for, bearer):
    body = bearer(token_for(alpha, scope=TokenScope.WRITE)).get("/api/v1/me/").json()
    assert (body["scope"], body["role"]) == ("write", "operator")


@pytest.mark.parametrize(
    "raw",
    [
        "not-a-token",
        "cor_ABCDEFGH_" + "a" * 43,  # upper-case prefix
        "cor_abcdefgh_" + "a" * 42,  # secret one short
        "cor_abcdefgh_" + "a" * 43,  # well-formed, unknown
    ],
)
def test_malformed_or_unknown_token_is_401_invalid_token(bearer, alpha, raw):
    response = bearer(raw).get("/api/v1/partners/")
    assert_problem(response, 401, problem="invalid-token")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_known_prefix_with_wrong_secret_is_401(alpha, token_for, bearer):
    raw = token_for(alpha)
    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    assert_problem(bearer(forged).get("/api/v1/partners/"), 401, problem="invalid-token")


def test_bearer_without_a_token_is_401(client):
    response = client.get("/api/v1/partners/", HTTP_AUTHORIZATION="Bearer")
    assert_problem(response, 401, problem="invalid-token")


def test_bearer_with_extra_words_is_401(alpha, token_for, client):
    response = client.get("/api/v1/partners/", HTTP_AUTHORIZATION=f"Bearer {token_for(alpha)} extra")
    assert_problem(response, 401, problem="invalid-token")


def test_other_authorization_schemes_are_not_authenticated(client):
    response = client.get("/api/v1/partners/", HTTP_AUTHORIZATION="Basic YWxpY2U6cHc=")
    assert_problem(response, 401, problem="not-authenticated")


def test_expired_token_is_401(alpha, token_for, bearer):
    raw = token_for(alpha, expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_problem(bearer(raw).get("/api/v1/partners/"), 401, problem="invalid-token")
    assert "expired" in body["detail"]


def test_token_of_a_deactivated_partner_is_401(alpha, token_for, bearer):
    raw = token_for(alpha)
    Partner.objects.filter(pk=alpha.pk).update(is_active=False)
    assert_problem(bearer(raw).get("/api/v1/partners/"), 401, problem="invalid-token")


def test_use_sets_last_used_at(alpha, token_for, bearer):
    raw = token_for(alpha)
    assert ApiToken.objects.get().last_used_at is None
    before = timezone.now()
    bearer(raw).get("/api/v1/partners/")
    assert ApiToken.objects.get().last_used_at >= before


def test_last_used_at_is_written_at_most_once_a_minute(alpha, token_for, bearer):
    raw = token_for(alpha)
    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.update(last_used_at=recent)
    bearer(raw).get("/api/v1/partners/")
    assert ApiToken.objects.get().last_used_at == recent
    stale = timezone.now() - timedelta(minutes=5)
    ApiToken.objects.update(last_used_at=stale)
    bearer(raw).get("/api/v1/partners/")
    assert ApiToken.objects.get().last_used_at > stale


def test_read_scope_token_doing_a_write_is_403(alpha, token_for, bearer):
    response = bearer(token_for(alpha, scope=TokenScope.READ)).patch(
        "/api/v1/partners/alpha/", {"name": "Renamed"}, format="json"
    )
    body = assert_problem(response, 403, problem="permission-denied")
    assert "read scope" in body["detail"]
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Exports"


def test_write_scope_token_cannot_do_admin_work(alpha, token_for, bearer):
    response = bearer(token_for(alpha, scope=TokenScope.WRITE)).patch(
        "/api/v1/partners/alpha/", {"name": "Renamed"}, format="json"
    )
    assert_problem(response, 403)


def test_read_scope_token_reads(alpha, token_for, bearer):
    response = bearer(token_for(alpha, scope=TokenScope.READ)).get("/api/v1/partners/alpha/")
    assert response.status_code == 200
    assert response.json()["slug"] == "alpha"


def test_token_ignores_the_partner_header(alpha, bravo, token_for, bearer):
    api = bearer(token_for(alpha))
    body = api.get("/api/v1/me/", headers={"X-Corridor-Partner": "bravo"}).json()
    assert body["partner"]["slug"] == "alpha"
    assert_problem(api.get("/api/v1/partners/bravo/", headers={"X-Corridor-Partner": "bravo"}), 404)
