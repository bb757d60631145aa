"""What credentials does when a lower layer announces something (subscribed in ``CredentialsConfig.ready``)."""

from __future__ import annotations

from apps.core.domain_events import EventsDeclaredErroneous, EventsLinked, EventsRecorded, PartnerCreated
from apps.credentials.services.issuance import credentials_revoke_for_events
from apps.credentials.services.keys import partner_key_ensure
from apps.credentials.tasks import step_credentials_issue
from apps.partners.models import Partner
from apps.shipments.models import Event


def partner_key_create(event: PartnerCreated) -> None:
    """In the partner's own transaction: a partner never exists without its key."""
    partner_key_ensure(partner=Partner.objects.get(pk=event.partner_id))


def step_credentials_enqueue(event: EventsRecorded) -> None:
    """After commit: one issuance task for the whole batch, in record order (DESIGN §9: not one per event)."""
    step_credentials_issue.delay(list(event.event_ids))


def waiting_step_credentials_enqueue(event: EventsLinked) -> None:
    """After commit: events that were waiting for their consignment get their credential now, in its chain."""
    waiting = Event.objects.filter(pk__in=event.event_ids, credential__isnull=True).values_list("pk", flat=True)
    if waiting:
        step_credentials_issue.delay([str(pk) for pk in waiting])


def step_credentials_revoke(event: EventsDeclaredErroneous) -> None:
    """In the declaring transaction: an erroneous event's credential is revoked as the declaration commits."""
    credentials_revoke_for_events(event_ids=event.event_ids)
