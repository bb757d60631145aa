"""GET /api/v1/audit-events/: a partner's admins read their own partner's records; staff read all."""

import pytest

from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.core.words import Text
from apps.partners.access import Actor, system_actor
from apps.partners.choices import TokenScope
from apps.partners.models import ApiToken
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(alpha, bravo, token_for):
    """One api_token.create record for each partner."""
    token_for(alpha)
    token_for(bravo)
    return {
        "alpha": AuditEvent.objects.get(partner=alpha),
        "bravo": AuditEvent.objects.get(partner=bravo),
    }


def _listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["partner"] for row in response.json()["results"]]


def test_admin_sees_only_own_partner_records(client_for, alice, records):
    assert _listed(client_for(alice).get("/api/v1/audit-events/")) == ["alpha"]


def test_other_partner_admin_never_sees_alpha_records(client_for, charlie, records):
    assert _listed(client_for(charlie).get("/api/v1/audit-events/")) == ["bravo"]
    response = client_for(charlie).get(f"/api/v1/audit-events/{records['alpha'].pk}/")
    assert_problem(response, 404, problem="not-found")


def test_staff_sees_every_partner_records(client_for, staff, records):
    assert sorted(_listed(client_for(staff).get("/api/v1/audit-events/"))) == ["alpha", "bravo"]


@pytest.mark.parametrize("member", ["bob", "olga"])
def test_viewer_and_operator_are_403(client_for, request, records, member):
    user = request.getfixturevalue(member)
    assert_problem(client_for(user).get("/api/v1/audit-events/"), 403, problem="permission-denied")
    assert_problem(client_for(user).get(f"/api/v1/audit-events/{records['alpha'].pk}/"), 403)


@pytest.mark.parametrize("scope", [TokenScope.READ, TokenScope.WRITE])
def test_api_token_cannot_read_the_audit_log(bearer, token_for, alpha, records, scope):
    assert_problem(bearer(token_for(alpha, scope=scope)).get("/api/v1/audit-events/"), 403)


def test_record_detail_shows_who_did_what(client_for, alice, records):
    body = client_for(alice).get(f"/api/v1/audit-events/{records['alpha'].pk}/").json()
    assert body["action"] == "api_token.create"
    assert body["actor"] == "tests"
    assert body["partner"] == "alpha"
    assert body["object_type"] == "partners.apitoken"
    assert body["changes"]["scope"] == TokenScope.WRITE


def test_filter_by_action_prefix(client_for, alice, alpha, records):
    AuditEvent.objects.create(
        occurred_at=records["alpha"].occurred_at,
        actor_label="x",
        partner=alpha,
        action="partner.update",
        object_type="partners.partner",
        object_id=str(alpha.pk),
        object_repr="Alpha",
    )
    api = client_for(alice)
    actions = [row["action"] for row in api.get("/api/v1/audit-events/?action_prefix=api_token.").json()["results"]]
    assert actions == ["api_token.create"]
    actions = [row["action"] for row in api.get("/api/v1/audit-events/?action=partner.update").json()["results"]]
    assert actions == ["partner.update"]


def test_audit_log_is_read_only(client_for, alice, records):
    api = client_for(alice)
    assert_problem(api.post("/api/v1/audit-events/", {}, format="json"), 405)
    assert_problem(api.delete(f"/api/v1/audit-events/{records['alpha'].pk}/"), 405)
    assert AuditEvent.objects.filter(pk=records["alpha"].pk).exists()


def test_filter_by_time_window(client_for, alice, records):
    api = client_for(alice)
    assert len(api.get("/api/v1/audit-events/?since=2000-01-01T00:00:00Z").json()["results"]) == 1
    assert api.get("/api/v1/audit-events/?since=2999-01-01T00:00:00Z").json()["results"] == []
    assert api.get("/api/v1/audit-events/?until=2000-01-01T00:00:00").json()["results"] == []


def test_bad_time_filter_is_400_naming_it(client_for, alice, records):
    assert_problem(client_for(alice).get("/api/v1/audit-events/?since=yesterday"), 400, field="since")


def test_worded_records_keep_their_english_for_the_api(client_for, alice, alpha):
    """The audit record keeps the wording of a Text (for pages in the reader's language), and the English as
    written; the API answers the English, whatever the reader's language."""
    record = audit_record(
        actor=system_actor(Text("alerts sync")),
        action="alert.sync",
        partner=alpha,
        object_type="disruptions.alert",
        object_id="a-1",
        object_repr=Text("1 alert raised, %(resolved)s resolved", resolved=0),
    )
    plain = audit_record(actor=system_actor("tests"), action="x.y", partner=alpha, object_repr="Alpha")
    assert (record.actor_label, record.object_repr) == ("alerts sync", "1 alert raised, 0 resolved")
    assert record.wording == {
        "actor": {"template": "alerts sync", "args": {}},
        "object": {"template": "1 alert raised, %(resolved)s resolved", "args": {"resolved": 0}},
    }
    assert plain.wording == {}
    body = client_for(alice).get(f"/api/v1/audit-events/{record.pk}/", HTTP_ACCEPT_LANGUAGE="zh-TW").json()
    assert (body["actor"], body["object_repr"]) == ("alerts sync", "1 alert raised, 0 resolved")


def test_a_tokens_label_is_worded(alpha, token_for):
    token_for(alpha)
    token = ApiToken.objects.get(partner=alpha)
    record = audit_record(actor=Actor(partner=alpha, token=token), action="x.y", partner=alpha, object_repr="Alpha")
    assert record.actor_label == f"token {token.prefix} (test token)"
    assert record.wording == {
        "actor": {"template": "token %(prefix)s (%(name)s)", "args": {"prefix": token.prefix, "name": "test token"}}
    }
