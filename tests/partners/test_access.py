"""Another partner is refused on every endpoint (NetBox's per-view test idea, as one table).

alice is alpha's admin: every role check passes for her, so anything she cannot reach is refused
by scoping alone. Another partner's object answers 404 (its existence is not revealed) and stays
as it was; staff reach all of it. Adding a route to the router without a row here fails
``test_every_api_route_has_outsider_cases``.

A few refusals are 403 rather than 404, where the endpoint is closed to alpha's kind of partner
whatever the object: registry writes and trust verdicts are for customs authorities, MRA writes for
staff (MRAs themselves are public). Those answer the same for any object, so nothing is revealed.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.test import TestCase

from apps.compliance.models import AeoCertificate, Mra, ReviewDecision
from apps.compliance.services.certificates import certificate_create
from apps.compliance.services.mras import ParticipantIn, mra_create
from apps.compliance.services.reviews import review_decision_create
from apps.core.models import AuditEvent
from apps.corridors.models import Corridor, CorridorConsignment
from apps.corridors.notices.models import Notice
from apps.corridors.notices.services import notice_create
from apps.corridors.services import corridor_create
from apps.credentials.models import Credential, PartnerKey
from apps.disruptions.models import Alert, WebhookDelivery, WebhookEndpoint
from apps.disruptions.services import alert_raise
from apps.disruptions.webhooks.services import webhook_endpoint_create
from apps.partners.access import Actor, system_actor
from apps.partners.choices import PartnerKind
from apps.partners.models import ApiToken, Membership, Partner
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import DOC_CONSIGNMENT, SOURCE_NATIVE, DocumentRef, EventIn
from apps.shipments.models import Consignment, Event
from apps.shipments.services import consignment_create
from corridor.urls import router
from tests.factories import PartnerFactory, UserFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    basename: str
    method: str
    path: str
    body: dict | None = None
    status: int = 404  # 403: the endpoint refuses alpha's kind of partner whatever the object

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


# Requests alice could make against bravo's objects; {partner}, {membership}, {token},
# {audit_event}, {consignment} (with its ETA), {event}, its step {credential}, signing {key}, AEO
# {certificate}, {alert}, the {review_decision} on a consignment it imports, the {corridor} it owns, a
# {webhook} endpoint and a dead {delivery} to it are bravo's; {customs} is Korea's customs authority
# and {mra} an arrangement between two customs authorities.
OUTSIDER_CASES = [
    Case("partner", "get", "/api/v1/partners/{partner}/"),
    Case("partner", "patch", "/api/v1/partners/{partner}/", {"name": "Taken over"}),
    Case("membership", "get", "/api/v1/memberships/{membership}/"),
    Case("membership", "patch", "/api/v1/memberships/{membership}/", {"role": "viewer"}),
    Case("membership", "delete", "/api/v1/memberships/{membership}/"),
    Case("membership", "post", "/api/v1/memberships/", {"username": "dora", "role": "admin", "partner": "{partner}"}),
    Case("api-token", "get", "/api/v1/api-tokens/{token}/"),
    Case("api-token", "post", "/api/v1/api-tokens/{token}/revoke/"),
    Case("api-token", "post", "/api/v1/api-tokens/", {"name": "backdoor", "scope": "write", "partner": "{partner}"}),
    Case("audit-event", "get", "/api/v1/audit-events/{audit_event}/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/"),
    Case("consignment", "patch", "/api/v1/consignments/{consignment}/", {"corridor": "Taken over"}),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/graph/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/timeline/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/custody/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/consistency/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/credentials/"),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/presentation/"),
    Case("event", "get", "/api/v1/events/{event}/"),
    Case("credential", "get", "/api/v1/credentials/{credential}/"),
    Case("credential", "post", "/api/v1/credentials/{credential}/revoke/"),
    Case("credential", "post", "/api/v1/credentials/{credential}/suspend/"),
    Case("credential", "post", "/api/v1/credentials/{credential}/unsuspend/"),
    Case("partner-key", "post", "/api/v1/keys/{key}/revoke/", {"reason": "taken over"}),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/trust/?authority={customs}", status=403),
    Case("aeo-certificate", "get", "/api/v1/aeo-certificates/{certificate}/"),
    Case("aeo-certificate", "get", "/api/v1/aeo-certificates/{certificate}/credential/"),
    Case("aeo-certificate", "post", "/api/v1/aeo-certificates/{certificate}/renew/",
         {"valid_from": "2040-01-01", "valid_until": None}),
    Case("aeo-certificate", "post", "/api/v1/aeo-certificates/{certificate}/status/",
         {"status": "revoked", "effective_on": "2026-01-01", "reason": "taken over"}),
    Case("aeo-certificate", "post", "/api/v1/aeo-certificates/",
         {"holder": "{partner}", "authority": "{customs}", "number": "X-1", "certificate_type": "full",
          "valid_from": "2026-01-01"}, status=403),
    Case("mra", "patch", "/api/v1/mras/{mra}/", {"status": "ended", "reason": "taken over"}, status=403),
    Case("mra", "post", "/api/v1/mras/",
         {"key": "x", "name": "X", "participants": [{"authority": "{customs}"}, {"authority": "us-cbp"}]}, status=403),
    Case("review-decision", "get", "/api/v1/review-decisions/{review_decision}/"),
    Case("review-decision", "post", "/api/v1/review-decisions/",
         {"consignment": "{consignment}", "decision": "hold", "reason": "taken over"}, status=403),
    Case("alert", "get", "/api/v1/alerts/{alert}/"),
    Case("alert", "post", "/api/v1/alerts/{alert}/acknowledge/"),
    Case("alert", "post", "/api/v1/alerts/{alert}/resolve/"),
    Case("corridor", "get", "/api/v1/corridors/{corridor}/"),
    Case("corridor", "patch", "/api/v1/corridors/{corridor}/", {"thresholds": {"dwell_factor": 3}}),
    Case("corridor", "get", "/api/v1/corridors/{corridor}/baselines/"),
    Case("corridor", "get", "/api/v1/corridors/{corridor}/release-times/"),
    Case("corridor", "post", "/api/v1/corridors/{corridor}/consignments/", {"consignment": "{consignment}"}),
    Case("corridor", "post", "/api/v1/corridors/",
         {"slug": "x", "name": "X", "owner": "{partner}", "nodes": ["KRPUS", "USLAX"]}, status=403),
    Case("consignment", "get", "/api/v1/consignments/{consignment}/eta/"),
    Case("notice", "get", "/api/v1/notices/{notice}/"),
    Case("notice", "patch", "/api/v1/notices/{notice}/", {"title": "Taken over"}, status=403),
    Case("notice", "post", "/api/v1/notices/{notice}/end/", status=403),
    Case("notice", "post", "/api/v1/notices/",
         {"kind": "strike", "title": "X", "place": "KRPUS", "starts_at": "2026-06-01T00:00Z", "source": "x"},
         status=403),
    Case("notice", "post", "/api/v1/notices/import/", {"notices": []}, status=403),
    Case("webhook", "get", "/api/v1/webhooks/{webhook}/"),
    Case("webhook", "patch", "/api/v1/webhooks/{webhook}/", {"is_active": False}),
    Case("webhook", "delete", "/api/v1/webhooks/{webhook}/"),
    Case("webhook", "post", "/api/v1/webhooks/{webhook}/rotate-secret/"),
    Case("webhook-delivery", "get", "/api/v1/webhooks/{webhook}/deliveries/"),
    Case("webhook-delivery", "get", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/"),
    Case("webhook-delivery", "post", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver/"),
]  # fmt: skip

LIST_PATHS = {
    "partner": "/api/v1/partners/",
    "membership": "/api/v1/memberships/",
    "api-token": "/api/v1/api-tokens/",
    "audit-event": "/api/v1/audit-events/",
    "consignment": "/api/v1/consignments/",
    "event": "/api/v1/events/",
    "credential": "/api/v1/credentials/",
    "partner-key": "/api/v1/keys/",
    "aeo-certificate": "/api/v1/aeo-certificates/",
    "mra": "/api/v1/mras/",
    "review-decision": "/api/v1/review-decisions/",
    "alert": "/api/v1/alerts/",
    "corridor": "/api/v1/corridors/",
    "notice": "/api/v1/notices/",
    "webhook": "/api/v1/webhooks/",
    "webhook-delivery": "/api/v1/webhooks/{webhook}/deliveries/",
}

# Lists under another object: another partner's list is that object's 404 (OUTSIDER_CASES).
NESTED_LISTS = {"webhook-delivery"}

# Lists every partner reads in full (the arrangements between customs authorities are public).
PUBLIC_LISTS = {"mra"}

# Which of bravo's objects each list must show to staff.
LIST_KEYS = {
    "partner": "partner",
    "membership": "membership",
    "api-token": "token",
    "audit-event": "audit_event",
    "consignment": "consignment",
    "event": "event",
    "credential": "credential",
    "partner-key": "key",
    "aeo-certificate": "certificate",
    "mra": "mra",
    "review-decision": "review_decision",
    "alert": "alert",
    "corridor": "corridor_id",
    "notice": "notice",
    "webhook": "webhook",
    "webhook-delivery": "delivery",
}


def _credential_owner(row: dict) -> str:
    """A credential belongs to its issuer; an AEO credential also to the certificate's holder, who presents it."""
    if row["kind"] == "aeo":
        return AeoCertificate.objects.select_related("holder").get(credential_id=row["id"]).holder.slug
    return row["issuer"]


# Which field of a list row names the partner it belongs to (partners are themselves; a consignment
# belongs to its creator, an event to its recorder, a certificate to its holder), or how to tell. A
# consignee is told a review decision without naming itself: None, only the keys are checked.
OWNER_FIELDS = {
    "partner": "slug",
    "consignment": "created_by",
    "event": "recorder",
    "credential": _credential_owner,
    "aeo-certificate": "holder",
    "review-decision": None,
    "corridor": "owner",
    "notice": None,  # a notice names no partner: it is seen by those it reached (their alerts)
}


def _shipment_objects(partner: Partner, user) -> dict:
    """A consignment of the partner's own (no other party), an event it recorded for it, that event's
    step credential (issued once the ingest commits) and the partner's signing key."""
    actor = Actor(partner=partner, role="admin", user=user)
    consignment = consignment_create(
        actor=actor,
        data={
            "reference": f"{partner.slug}-consignment",
            "origin": "KRPUS",
            "destination": "USLAX",
            "parties": [{"partner": partner.slug, "role": "carrier"}],
        },
    )
    event = EventIn(
        source=SOURCE_NATIVE,
        event_type="TRANSPORT",
        event_id=f"{partner.slug}-departure",
        event_code="DEPA",
        location="KRPUS",
        event_time=datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
        event_time_zone_offset="+09:00",
        documents=[DocumentRef(DOC_CONSIGNMENT, str(consignment.pk))],
        payload={"event_id": f"{partner.slug}-departure", "type": "TRANSPORT", "event_code": "DEPA"},
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        (recorded,) = event_batch_record(actor=actor, events=[event], channel="native").events
    return {
        "consignment": str(consignment.pk),
        "event": str(recorded.pk),
        "credential": str(Credential.objects.get(event=recorded).pk),
        "key": str(PartnerKey.objects.get(partner=partner).pk),
    }


@pytest.fixture
def customs(db):
    """Korea's and the US's customs authorities, with an MRA between them."""
    kr, us = (
        PartnerFactory(slug=slug, country=country, serves_country=country, kinds=[PartnerKind.CUSTOMS_AUTHORITY])
        for slug, country in (("kr-customs", "KR"), ("us-cbp", "US"))
    )
    mra = mra_create(
        actor=system_actor("tests"),
        key="kr-us",
        name="Korea-US MRA",
        participants=[ParticipantIn(authority=kr), ParticipantIn(authority=us)],
        signed_on=date(2010, 6, 26),
    )
    return {"authority": kr, "mra": mra}


def _corridor_objects(partner: Partner) -> dict:
    """A corridor the partner owns, with no other member."""
    corridor = corridor_create(
        actor=system_actor("tests"),
        slug=f"{partner.slug}-lane",
        name=f"{partner.name} lane",
        owner=partner,
        nodes=["KRPUS", "USLAX"],
    )
    return {"corridor": corridor.slug, "corridor_id": str(corridor.pk)}


def _compliance_objects(partner: Partner, user, customs: dict) -> dict:
    """The partner's AEO certificate (its credential issued once the registration commits), an alert
    addressed to it, and Korean customs' decision on a consignment it imports (it is the consignee)."""
    authority = customs["authority"]
    officer = Actor(partner=authority, role="operator")
    with TestCase.captureOnCommitCallbacks(execute=True):
        certificate = certificate_create(
            actor=officer,
            authority=authority,
            holder=partner,
            number=f"{partner.slug.upper()}-AEO",
            certificate_type="security and safety",
            valid_from=date(2024, 1, 1),
            valid_until=None,
        )
    alert, _ = alert_raise(
        partner=partner, kind="aeo_expired", title="Expired", subject_type="certificate", subject_id=str(certificate.pk)
    )
    imported = consignment_create(
        actor=Actor(partner=partner, role="admin", user=user),
        data={
            "reference": f"{partner.slug}-import",
            "origin": "KRPUS",
            "destination": "USLAX",
            "parties": [{"partner": partner.slug, "role": "consignee"}],
        },
    )
    decision = review_decision_create(actor=officer, consignment_id=imported.pk, decision="release", reason="AEO")
    return {"certificate": str(certificate.pk), "alert": str(alert.pk), "review_decision": str(decision.pk)}


def _notice_objects(partner: Partner) -> dict:
    """A notice (entered by staff) that reached the partner only: it holds an alert of it."""
    notice = notice_create(
        actor=system_actor("tests"),
        values={
            "kind": "strike",
            "title": f"Strike reaching {partner.slug}",
            "place": "KRPUS",
            "starts_at": datetime(2026, 6, 1, tzinfo=UTC),
            "source": "tests",
        },
    )
    alert_raise(
        partner=partner,
        kind="notice",
        title=notice.title,
        subject_type="node",
        subject_id="KRPUS",
        rule=notice.key,
    )
    return {"notice": str(notice.pk)}


def _disruption_objects(partner: Partner) -> dict:
    """A webhook endpoint of the partner's, and a dead delivery to it."""
    endpoint, _ = webhook_endpoint_create(
        actor=system_actor("tests"),
        partner=partner,
        url=f"https://93.184.215.14/{partner.slug}",
        alert_kinds=["overdue"],
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_type="alert.raised", body="{}", state="dead")
    return {"webhook": str(endpoint.pk), "delivery": str(delivery.pk)}


@pytest.fixture
def bravo_objects(bravo, charlie, token_for, customs):
    """bravo's partner, its admin's membership, a token, that token's audit record, a consignment and an
    event, and its compliance records."""
    token_for(bravo)
    UserFactory(username="dora")
    return {
        "partner": "bravo",
        "membership": str(Membership.objects.get(user=charlie).pk),
        "token": str(ApiToken.objects.get(partner=bravo).pk),
        "audit_event": str(AuditEvent.objects.get(partner=bravo, action="api_token.create").pk),
        **_shipment_objects(bravo, charlie),
        **_compliance_objects(bravo, charlie, customs),
        **_corridor_objects(bravo),
        **_disruption_objects(bravo),
        **_notice_objects(bravo),
        "customs": "kr-customs",
        "mra": str(customs["mra"].pk),
    }


def _fill(value, objects: dict):
    if isinstance(value, str):
        return value.format(**objects)
    if isinstance(value, dict):
        return {key: _fill(item, objects) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, objects) for item in value]
    return value


def _snapshot() -> dict:
    """Everything a refused request must leave as it was."""
    return {
        "partners": sorted(Partner.objects.values_list("slug", "name", "is_active")),
        "memberships": sorted(Membership.objects.values_list("user__username", "partner__slug", "role")),
        "tokens": sorted((t.prefix, t.partner.slug, t.state) for t in ApiToken.objects.select_related("partner")),
        "audit": AuditEvent.objects.count(),
        "consignments": sorted(Consignment.objects.values_list("reference", "corridor", "status", "updated_at")),
        "events": Event.objects.count(),
        "credentials": sorted(Credential.objects.values_list("id", "revoked_at", "suspended")),
        "keys": sorted((key.key_id, key.state) for key in PartnerKey.objects.all()),
        "certificates": sorted(
            (c.number, c.status, c.validity_periods.count(), c.status_changes.count())
            for c in AeoCertificate.objects.all()
        ),
        "mras": sorted(Mra.objects.values_list("key", "status", "updated_at")),
        "review_decisions": ReviewDecision.objects.count(),
        "alerts": sorted(Alert.objects.values_list("dedupe_key", "state")),
        "corridors": sorted(Corridor.objects.values_list("slug", "name", "thresholds", "is_active", "updated_at")),
        "corridor_consignments": CorridorConsignment.objects.count(),
        "notices": sorted(Notice.objects.values_list("key", "title", "ends_at", "ended_at", "updated_at")),
        "webhooks": sorted(
            (w.url, w.is_active, bytes(w.secret_sealed), w.previous_secret_until) for w in WebhookEndpoint.objects.all()
        ),
        "deliveries": sorted(WebhookDelivery.objects.values_list("state", "next_attempt_at")),
    }


def _call(api, case: Case, objects: dict):
    path = _fill(case.path, objects)
    return getattr(api, case.method)(path, _fill(case.body, objects), format="json")


def test_every_api_route_has_outsider_cases():
    routed = {basename for _, _, basename in router.registry}
    assert routed <= {case.basename for case in OUTSIDER_CASES}
    assert routed <= set(LIST_PATHS)


@pytest.mark.parametrize("case", OUTSIDER_CASES, ids=str)
def test_other_partners_object_is_404_and_untouched(client_for, alice, bravo_objects, case):
    before = _snapshot()
    problem = "not-found" if case.status == 404 else "permission-denied"
    assert_problem(_call(client_for(alice), case, bravo_objects), case.status, problem=problem)
    assert _snapshot() == before


# What a partner token may read: another partner's rows of these are simply not found.
TOKEN_READABLE = {
    "partner",
    "membership",
    "consignment",
    "event",
    "credential",
    "aeo-certificate",
    "review-decision",
    "corridor",
    "notice",
}


@pytest.mark.parametrize("case", [c for c in OUTSIDER_CASES if c.method == "get"], ids=str)
def test_other_partners_write_token_gets_404_or_403_never_data(alpha, bravo_objects, token_for, bearer, case):
    response = _call(bearer(token_for(alpha)), case, bravo_objects)
    # Tokens and audit records are for people (admins) only: 403. A token may read consignments,
    # events, credentials, certificates, decisions and alerts, so another partner's are simply not found.
    expected = 403 if case.status == 403 else 404 if case.basename in TOKEN_READABLE | {"alert"} else 403
    assert_problem(response, expected)


@pytest.mark.parametrize("case", [c for c in OUTSIDER_CASES if c.method == "get"], ids=str)
def test_staff_reaches_every_partners_object(client_for, staff, bravo_objects, case):
    assert _call(client_for(staff), case, bravo_objects).status_code == 200


def _keys(basename: str, rows: list[dict]) -> set[str]:
    return {row["slug"] if basename == "partner" else str(row["id"]) for row in rows}


@pytest.fixture
def both_partners_objects(alpha, alice, bravo_objects, token_for, customs):
    """bravo's objects, and alpha's token, consignment, event and compliance records, so that every list
    has an alpha row too."""
    token_for(alpha)
    _shipment_objects(alpha, alice)
    _compliance_objects(alpha, alice, customs)
    _corridor_objects(alpha)
    _disruption_objects(alpha)
    _notice_objects(alpha)
    return bravo_objects


@pytest.mark.parametrize("basename", sorted(set(LIST_PATHS) - PUBLIC_LISTS - NESTED_LISTS))
def test_lists_never_show_another_partners_rows(client_for, alice, both_partners_objects, basename):
    response = client_for(alice).get(LIST_PATHS[basename])
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows
    owner = OWNER_FIELDS.get(basename, "partner")
    if callable(owner):
        assert {owner(row) for row in rows} == {"alpha"}
    elif owner is not None:
        assert {row[owner] for row in rows} == {"alpha"}
    assert not _keys(basename, rows) & set(both_partners_objects.values())


@pytest.mark.parametrize("basename", sorted(PUBLIC_LISTS))
def test_public_lists_are_the_same_for_every_partner(client_for, alice, charlie, staff, bravo_objects, basename):
    rows = [client_for(user).get(LIST_PATHS[basename]).json()["results"] for user in (alice, charlie, staff)]
    assert rows[0] == rows[1] == rows[2]
    assert bravo_objects[LIST_KEYS[basename]] in _keys(basename, rows[0])


@pytest.mark.parametrize("basename", sorted(LIST_PATHS))
def test_staff_lists_every_partners_rows(client_for, staff, bravo_objects, basename):
    response = client_for(staff).get(_fill(LIST_PATHS[basename], bravo_objects))
    assert response.status_code == 200
    assert bravo_objects[LIST_KEYS[basename]] in _keys(basename, response.json()["results"])


@pytest.mark.parametrize("path", [*LIST_PATHS.values(), "/api/v1/me/", "/api/v1/partners/alpha/"])
def test_acting_for_a_partner_one_is_not_a_member_of_is_403(client_for, alice, bravo_objects, path):
    response = client_for(alice).get(_fill(path, bravo_objects), headers={"X-Corridor-Partner": "bravo"})
    assert_problem(response, 403, problem="permission-denied")


def test_user_without_membership_sees_nothing(client_for, bravo_objects):
    loner = UserFactory(username="loner")
    assert_problem(client_for(loner).get("/api/v1/partners/"), 403)
    assert_problem(client_for(loner).get("/api/v1/partners/bravo/"), 403)
