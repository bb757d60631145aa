"""/api/v1/api-tokens/: a partner's admins create (secret shown once), list and revoke its tokens."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.partners.choices import TokenScope
from apps.partners.models import ApiToken
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

TOKEN_FORMAT = re.compile(r"^cor_([a-z0-9]{8})_[A-Za-z0-9_-]{43}$")


def _create(api, **body):
    return api.post("/api/v1/api-tokens/", {"name": "TMS production", **body}, format="json")


def test_admin_creates_a_token_and_sees_the_secret_once(client_for, alice):
    response = _create(client_for(alice), scope="write")
    assert response.status_code == 201, response.content
    body = response.json()
    match = TOKEN_FORMAT.match(body["token"])
    assert match
    assert body["prefix"] == match.group(1)
    assert body["scope"] == "write"
    assert body["state"] == "active"
    assert body["partner"] == "alpha"
    assert body["created_by"] == "alice"
    assert body["expires_at"] is None
    assert response["Cache-Control"] == "no-store"


def test_scope_defaults_to_read(client_for, alice):
    assert _create(client_for(alice)).json()["scope"] == TokenScope.READ


def test_only_a_sha256_digest_is_stored(client_for, alice):
    raw = _create(client_for(alice)).json()["token"]
    row = ApiToken.objects.values().get()
    assert row["secret_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(value) for value in row.values()]
    assert not any(raw in value or raw.split("_", 2)[2] in value for value in stored)


def test_secret_never_appears_in_list_or_detail(client_for, alice):
    api = client_for(alice)
    created = _create(api).json()
    listed = api.get("/api/v1/api-tokens/")
    detail = api.get(f"/api/v1/api-tokens/{created['id']}/")
    for response in (listed, detail):
        assert response.status_code == 200
        text = response.content.decode()
        assert created["token"] not in text
        assert "secret_hash" not in text
        assert '"token"' not in text
    assert [row["prefix"] for row in listed.json()["results"]] == [created["prefix"]]


def test_created_token_authenticates(client_for, alice, bearer):
    raw = _create(client_for(alice), scope="read").json()["token"]
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["partner"]["slug"] == "alpha"


def test_expiry_in_the_future_is_kept(client_for, alice):
    expires = timezone.now() + timedelta(days=30)
    body = _create(client_for(alice), expires_at=expires.isoformat()).json()
    assert abs(ApiToken.objects.get(pk=body["id"]).expires_at - expires) < timedelta(seconds=1)


@pytest.mark.parametrize("delta", [timedelta(minutes=-1), timedelta(days=731)])
def test_expiry_in_the_past_or_too_far_is_400_naming_expires_at(client_for, alice, delta):
    response = _create(client_for(alice), expires_at=(timezone.now() + delta).isoformat())
    assert_problem(response, 400, problem="validation-error", field="expires_at")
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "  "}, "name"), ({"scope": "admin"}, "scope"), ({"secret": "mine"}, "secret"), ({"name": ""}, "name")],
)
def test_bad_input_is_400_naming_the_field(client_for, alice, body, field):
    assert_problem(_create(client_for(alice), **body), 400, field=field)
    assert not ApiToken.objects.exists()


def test_token_creation_is_audited_with_the_request_id(client_for, alice, alpha):
    response = client_for(alice).post(
        "/api/v1/api-tokens/", {"name": "ERP"}, format="json", headers={"X-Request-ID": "req-token-create-1"}
    )
    assert response["X-Request-ID"] == "req-token-create-1"
    record = audit_for(response, "api_token.create")
    assert record.actor_label == "alice"
    assert record.actor_user == alice
    assert record.partner == alpha
    assert record.object_id == response.json()["id"]
    assert record.changes["prefix"] == response.json()["prefix"]
    assert response.json()["token"] not in str(record.changes)
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("member", ["olga", "bob"])
def test_operator_and_viewer_cannot_create_tokens(client_for, request, member):
    user = request.getfixturevalue(member)
    assert_problem(_create(client_for(user)), 403, problem="permission-denied")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("member", ["olga", "bob"])
def test_operator_and_viewer_cannot_list_tokens(client_for, request, alpha, token_for, member):
    token_for(alpha)
    assert_problem(client_for(request.getfixturevalue(member)).get("/api/v1/api-tokens/"), 403)


def test_a_token_cannot_create_tokens(alpha, token_for, bearer):
    api = bearer(token_for(alpha, scope=TokenScope.WRITE))
    assert_problem(_create(api), 403, problem="permission-denied")
    assert ApiToken.objects.count() == 1


def test_a_token_cannot_revoke_tokens(alpha, token_for, bearer):
    api = bearer(token_for(alpha, scope=TokenScope.WRITE))
    token = ApiToken.objects.get()
    assert_problem(api.post(f"/api/v1/api-tokens/{token.pk}/revoke/"), 403)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoked_token_is_401(client_for, alice, alpha, token_for, bearer):
    raw = token_for(alpha)
    token = ApiToken.objects.get()
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    response = client_for(alice).post(f"/api/v1/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert response.json()["revoked_at"]
    assert_problem(bearer(raw).get("/api/v1/me/"), 401, problem="invalid-token")


def test_revoking_twice_is_fine_and_audited_once(client_for, alice, alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get()
    api = client_for(alice)
    first = api.post(f"/api/v1/api-tokens/{token.pk}/revoke/")
    second = api.post(f"/api/v1/api-tokens/{token.pk}/revoke/")
    assert first.status_code == second.status_code == 200
    assert first.json()["revoked_at"] == second.json()["revoked_at"]
    record = audit_for(first, "api_token.revoke")
    assert record.actor_label == "alice"
    assert record.partner == alpha
    assert record.object_id == str(token.pk)
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_staff_creates_a_token_for_a_named_partner(client_for, staff, bravo):
    response = _create(client_for(staff), partner="bravo")
    assert response.status_code == 201
    assert response.json()["partner"] == "bravo"
    assert audit_for(response, "api_token.create").partner == bravo


def test_staff_without_a_partner_must_name_one(client_for, staff):
    assert_problem(_create(client_for(staff)), 400, field="partner")


def test_token_for_a_deactivated_partner_is_refused(client_for, staff, bravo):
    bravo.is_active = False
    bravo.save()
    assert_problem(_create(client_for(staff), partner="bravo"), 400, field="partner")
