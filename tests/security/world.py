"""The world the security matrix runs in: the demo corridor, plus what the demo does not make (a webhook
with a delivery, an API token, a capture job), and an outsider partner related to none of it.

``ROUTE_OBJECTS`` says, for every route of the OpenAPI schema that takes a path parameter, how to find a
real object behind it that the outsider may not see. A route missing here fails the matrix
(``test_every_route_has_a_world_fixture``): a new route is covered, or the test says so.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.core.management import call_command
from django.db.models import Model

from apps.compliance.models import AeoCertificate, Mra, ReviewDecision
from apps.compliance.services.reviews import review_decision_create
from apps.core.models import AuditEvent
from apps.corridors.models import Corridor
from apps.corridors.notices.models import Notice
from apps.credentials.models import Credential, PartnerKey, StatusList
from apps.disruptions.models import Alert, WebhookDelivery
from apps.disruptions.webhooks import services as webhooks
from apps.partners import services as partner_services
from apps.partners.access import Actor, system_actor
from apps.partners.choices import MemberRole, PartnerKind
from apps.partners.models import ApiToken, Membership, Partner
from apps.shipments.epcis.jobs import capture_job_create
from apps.shipments.models import CaptureJob, Consignment, Event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.security.hostile import hostile_document

OWNER = "demo-formosa-precision"


@dataclass(frozen=True)
class Target:
    """Where a route's path parameters come from: ``model``'s rows, the URL taking ``field`` of one."""

    model: type[Model]
    field: str = "pk"
    # For nested routes: the other parameters, from the same row.
    extra: tuple[tuple[str, str], ...] = ()


ROUTE_OBJECTS: dict[str, dict[str, Target]] = {
    "/api/v1/aeo-certificates/{id}/": {"id": Target(AeoCertificate)},
    "/api/v1/aeo-certificates/{id}/credential/": {"id": Target(AeoCertificate)},
    "/api/v1/aeo-certificates/{id}/renew/": {"id": Target(AeoCertificate)},
    "/api/v1/aeo-certificates/{id}/status/": {"id": Target(AeoCertificate)},
    "/api/v1/alerts/{id}/": {"id": Target(Alert)},
    "/api/v1/alerts/{id}/acknowledge/": {"id": Target(Alert)},
    "/api/v1/alerts/{id}/resolve/": {"id": Target(Alert)},
    "/api/v1/api-tokens/{id}/": {"id": Target(ApiToken)},
    "/api/v1/api-tokens/{id}/revoke/": {"id": Target(ApiToken)},
    "/api/v1/audit-events/{id}/": {"id": Target(AuditEvent)},
    "/api/v1/consignments/{id}/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/consistency/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/credentials/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/custody/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/eta/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/graph/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/presentation/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/timeline/": {"id": Target(Consignment)},
    "/api/v1/consignments/{id}/trust/": {"id": Target(Consignment)},
    "/api/v1/corridors/{slug}/": {"slug": Target(Corridor, "slug")},
    "/api/v1/corridors/{slug}/baselines/": {"slug": Target(Corridor, "slug")},
    "/api/v1/corridors/{slug}/consignments/": {"slug": Target(Corridor, "slug")},
    "/api/v1/corridors/{slug}/release-times/": {"slug": Target(Corridor, "slug")},
    "/api/v1/credentials/{id}/": {"id": Target(Credential)},
    "/api/v1/credentials/{id}/revoke/": {"id": Target(Credential)},
    "/api/v1/credentials/{id}/suspend/": {"id": Target(Credential)},
    "/api/v1/credentials/{id}/unsuspend/": {"id": Target(Credential)},
    "/api/v1/events/{id}/": {"id": Target(Event)},
    "/api/v1/keys/{id}/revoke/": {"id": Target(PartnerKey)},
    "/api/v1/memberships/{id}/": {"id": Target(Membership)},
    "/api/v1/mras/{id}/": {"id": Target(Mra)},
    "/api/v1/notices/{id}/": {"id": Target(Notice)},
    "/api/v1/notices/{id}/end/": {"id": Target(Notice)},
    "/api/v1/partners/{slug}/": {"slug": Target(Partner, "slug")},
    "/api/v1/review-decisions/{id}/": {"id": Target(ReviewDecision)},
    "/api/v1/webhooks/{id}/": {"id": Target(WebhookDelivery, "endpoint_id")},
    "/api/v1/webhooks/{id}/rotate-secret/": {"id": Target(WebhookDelivery, "endpoint_id")},
    "/api/v1/webhooks/{webhook_pk}/deliveries/": {"webhook_pk": Target(WebhookDelivery, "endpoint_id")},
    "/api/v1/webhooks/{webhook_pk}/deliveries/{id}/": {
        "id": Target(WebhookDelivery, extra=(("webhook_pk", "endpoint_id"),))
    },
    "/api/v1/webhooks/{webhook_pk}/deliveries/{id}/redeliver/": {
        "id": Target(WebhookDelivery, extra=(("webhook_pk", "endpoint_id"),))
    },
    "/credentials/{credential_id}": {"credential_id": Target(Credential)},
    "/credentials/status/{list_id}/publish": {"list_id": Target(StatusList)},
    "/epcis/capture/{capture_id}": {"capture_id": Target(CaptureJob)},
}

# Owners of the rows of models without a partner scope: the outsider owns none of them.
_OWNER_FIELDS = {PartnerKey: "partner", StatusList: "issuer"}


def invisible(model: type[Model], outsider: Partner) -> Any:
    """A row of ``model`` the outsider may not see (scoped models), or owned by another partner."""
    if model in _OWNER_FIELDS:
        return model.objects.exclude(**{_OWNER_FIELDS[model]: outsider}).order_by("pk").first()
    visible = model.objects.for_partner(outsider).values("pk")
    return model.objects.exclude(pk__in=visible).order_by("pk").first()


def route_kwargs(template: str, outsider: Partner) -> tuple[dict[str, str], dict[str, str], bool]:
    """(real, random) path parameters for ``template``, and whether its rows are public: every partner may
    read every row of the model (MRAs, reference data), so the outsider's reads of them are no leak."""
    real: dict[str, str] = {}
    random: dict[str, str] = {}
    public = False
    for name, target in ROUTE_OBJECTS[template].items():
        row = invisible(target.model, outsider)
        if row is None:
            row = target.model.objects.order_by("pk").first()
            public = True
        assert row is not None, f"the world has no {target.model.__name__} for {template}"
        real[name] = str(getattr(row, target.field))
        random[name] = "no-such-slug" if target.field == "slug" else str(uuid.uuid4())
        for other, field in target.extra:
            real[other] = str(getattr(row, field))
            random[other] = real[other]
    return real, random, public


def fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def world_build() -> Partner:
    """The demo corridor, the rows it lacks, and the outsider (a carrier with one admin); returns it."""
    call_command("demo_corridor", stdout=io.StringIO())
    owner = Partner.objects.get(slug=OWNER)
    tests = system_actor("tests")
    endpoint, _ = webhooks.webhook_endpoint_create(
        actor=tests, partner=owner, url="https://93.184.215.14/hook", alert_kinds=["overdue"]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, message_type="alert.raised", body="{}", state="dead")
    partner_services.api_token_create(actor=tests, partner=owner, name="owner token", scope="write")
    capture_job_create(
        actor=Actor(partner=owner, role=MemberRole.ADMIN, system_label="tests"),
        document=File(io.BytesIO(hostile_document(levels=1, padding_events=1)), name="doc.jsonld"),
    )
    us_customs = Partner.objects.get(slug="demo-us-customs")
    officer = Actor(partner=us_customs, role=MemberRole.OPERATOR, system_label="tests")
    review_decision_create(
        actor=officer,
        consignment_id=Consignment.objects.visible_to(officer).order_by("pk").values_list("pk", flat=True).first(),
        decision="release",
        reason="matrix",
    )
    outsider = PartnerFactory(slug="outsider", name="Outsider Lines", country="JP", kinds=[PartnerKind.CARRIER])
    MembershipFactory(user=UserFactory(username="outsider-admin"), partner=outsider, role=MemberRole.ADMIN)
    return outsider


Check = Callable[..., None]
