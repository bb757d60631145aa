"""The one access rule (``apps.partners.access.require``/``may``), and the same answers through each path.

Another partner's object is not found (404: its existence is not revealed); a visible object, or an
action closed to the actor whatever the object, with a missing role, kind, scope or ownership is
refused (403). Platform staff are admitted wherever the rule is asked, pages included.
"""

from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.core.errors import NotFoundError, PermissionDeniedError
from apps.partners import services
from apps.partners.access import Actor, may, require
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from apps.partners.models import ApiToken, Membership
from tests.factories import PartnerFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    name: str
    who: str  # admin, operator, viewer, read-token, outsider, loner, staff, staff-for-alpha, customs
    rule: dict = field(default_factory=dict)
    refusal: type | None = None
    message: str = ""

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("viewer may read", "viewer"),
    Case("viewer may not write", "viewer", {"role": "operator"}, PermissionDeniedError,
         "This needs the operator role for alpha; you act as viewer."),
    Case("the message says what for", "operator", {"role": "admin", "to": "manage its keys"}, PermissionDeniedError,
         "This needs the admin role for alpha to manage its keys; you act as operator."),
    Case("a read token may not write", "read-token", {"write": True}, PermissionDeniedError,
         "This API token has read scope; writes need a write-scope token."),
    Case("a user of no partner", "loner", {}, PermissionDeniedError, "You are not a member of any partner."),
    Case("own partner's object", "admin", {"owner": "alpha", "role": "admin"}),
    Case("another partner's object is not found", "outsider", {"owner": "alpha", "role": "admin"}, NotFoundError,
         "Not found, or not visible to you."),
    Case("a visible object of another partner is 403", "outsider",
         {"owner": "alpha", "visible": True, "to": "change it"}, PermissionDeniedError,
         "You act for bravo; only alpha may change it."),
    Case("missing role on one's own object is 403, not 404", "viewer", {"owner": "alpha", "role": "admin"},
         PermissionDeniedError),
    Case("staff only", "admin", {"staff": True, "to": "register partners"}, PermissionDeniedError,
         "Only platform staff may register partners."),
    Case("staff", "staff", {"staff": True}),
    Case("staff have every role", "staff", {"role": "admin", "write": True}),
    Case("staff reach another partner's object", "staff", {"owner": "alpha", "role": "admin"}),
    Case("staff acting for a partner reach another's", "staff-for-bravo", {"owner": "alpha", "role": "admin"}),
    Case("kind", "customs", {"kind": PartnerKind.CUSTOMS_AUTHORITY, "role": "operator"}),
    Case("wrong kind", "admin", {"kind": PartnerKind.CUSTOMS_AUTHORITY}, PermissionDeniedError,
         "Only a customs authority may do this."),
    Case("staff act as the owner of a kind", "staff", {"kind": PartnerKind.CUSTOMS_AUTHORITY, "owner": "customs"}),
    Case("staff without a partner are admitted whatever the kind", "staff", {"kind": PartnerKind.CUSTOMS_AUTHORITY}),
    Case("unless the action needs a partner of the kind", "staff",
         {"kind": PartnerKind.CUSTOMS_AUTHORITY, "acting": True, "to": "decide"}, PermissionDeniedError,
         "Choose the partner you act for (X-Corridor-Partner) to decide."),
    Case("staff acting for a partner of another kind", "staff-for-bravo", {"kind": PartnerKind.CUSTOMS_AUTHORITY},
         PermissionDeniedError, "Only a customs authority may do this."),
    Case("acting for a partner", "admin", {"acting": True}),
    Case("staff must choose a partner to act", "staff", {"acting": True, "to": "record events"},
         PermissionDeniedError, "Choose the partner you act for (X-Corridor-Partner) to record events."),
    Case("staff who chose one act", "staff-for-bravo", {"acting": True}),
]  # fmt: skip


@pytest.fixture
def actors(alpha, bravo, alice, olga, bob, charlie, staff):
    customs = PartnerFactory(
        slug="tw-customs", country="TW", serves_country="TW", kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )
    read_token = ApiToken(partner=alpha, name="read", scope=TokenScope.READ)
    partners = {"alpha": alpha, "bravo": bravo, "customs": customs}
    people = {
        "admin": Actor(user=alice, partner=alpha, role=MemberRole.ADMIN),
        "operator": Actor(user=olga, partner=alpha, role=MemberRole.OPERATOR),
        "viewer": Actor(user=bob, partner=alpha, role=MemberRole.VIEWER),
        "read-token": Actor(partner=alpha, role=MemberRole.OPERATOR, token=read_token),
        "outsider": Actor(user=charlie, partner=bravo, role=MemberRole.ADMIN),
        "loner": Actor(user=object()),
        "staff": Actor(user=staff, is_staff=True),
        "staff-for-bravo": Actor(user=staff, partner=bravo, role=MemberRole.ADMIN, is_staff=True),
        "customs": Actor(partner=customs, role=MemberRole.OPERATOR),
    }
    return people, partners


def _rule(case: Case, partners: dict) -> dict:
    return {key: partners[value] if key == "owner" else value for key, value in case.rule.items()}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_require_admits_or_refuses_with_404_or_403(actors, case):
    people, partners = actors
    actor, rule = people[case.who], _rule(case, partners)
    if case.refusal is None:
        require(actor, **rule)
        return
    with pytest.raises(case.refusal) as refused:
        require(actor, **rule)
    assert refused.value.status == (404 if case.refusal is NotFoundError else 403)
    if case.message:
        assert refused.value.detail == case.message


@pytest.mark.parametrize("case", CASES, ids=str)
def test_may_is_the_boolean_twin_of_require(actors, case):
    people, partners = actors
    assert may(people[case.who], **_rule(case, partners)) is (case.refusal is None)


def test_require_returns_the_partner_acted_for_and_staff_act_as_the_owner(actors):
    people, partners = actors
    assert require(people["operator"], role="operator") == partners["alpha"]
    assert require(people["staff"], owner=partners["bravo"]) == partners["bravo"]
    assert require(people["staff"]) is None


def test_refusals_are_also_djangos_so_pages_answer_with_the_error_pages():
    assert isinstance(NotFoundError("x"), Http404)
    assert isinstance(PermissionDeniedError("x"), PermissionDenied)


# --- The same rule through each path: service, API, page -------------------------------------------


def test_service_outsider_is_404_and_missing_role_403(alpha, bob, charlie):
    membership = Membership.objects.get(user=bob)
    with pytest.raises(NotFoundError):
        services.membership_update(
            actor=Actor(user=charlie, partner=charlie.memberships.get().partner, role="admin"),
            membership=membership,
            role="operator",
        )
    with pytest.raises(PermissionDeniedError) as refused:
        services.membership_update(
            actor=Actor(user=bob, partner=alpha, role="viewer"), membership=membership, role="admin"
        )
    assert (
        refused.value.detail
        == "This needs the admin role for alpha to manage its members and tokens; you act as viewer."
    )


def test_api_outsider_is_404_and_missing_role_403(client_for, bob, charlie, staff):
    url = f"/api/v1/memberships/{Membership.objects.get(user=bob).pk}/"
    assert_problem(client_for(charlie).patch(url, {"role": "operator"}, format="json"), 404, problem="not-found")
    refused = assert_problem(
        client_for(bob).patch(url, {"role": "admin"}, format="json"), 403, problem="permission-denied"
    )
    assert refused["detail"] == "This needs the admin role for alpha; you act as viewer."
    assert client_for(staff).patch(url, {"role": "operator"}, format="json").status_code == 200


def test_page_outsider_is_404_and_missing_role_403(client, alpha, alice, bob, charlie, token_for):
    token_for(alpha)
    revoke = f"/tokens/{ApiToken.objects.get().pk}/revoke/"
    client.force_login(charlie)
    assert client.post(revoke).status_code == 404
    client.force_login(bob)
    refused = client.get("/tokens/")
    assert refused.status_code == 403
    assert (
        "This needs the admin role for alpha to manage its API tokens; you act as viewer." in refused.content.decode()
    )


def test_staff_must_choose_a_partner_on_the_token_page(client, staff, alpha):
    client.force_login(staff)
    refused = client.get("/tokens/")
    assert refused.status_code == 403
    assert "Choose the partner you act for" in refused.content.decode()
    assert client.get("/tokens/", headers={"X-Corridor-Partner": "alpha"}).status_code == 200


def test_the_refusal_names_the_input_at_fault(actors):
    people, partners = actors
    with pytest.raises(PermissionDeniedError) as refused:
        require(people["outsider"], owner=partners["alpha"], visible=True, field="authority")
    assert refused.value.field == "authority"
    with pytest.raises(NotFoundError) as missing:
        require(people["outsider"], owner=partners["alpha"], field="partner")
    assert missing.value.field == "partner"
