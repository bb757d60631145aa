"""Issuing credentials: the step credential of each event, linked into its consignments' chains, and
other kinds (AEO certificates) signed the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.core.db import bulk_insert, bulk_insert_values
from apps.credentials import dataintegrity
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from apps.credentials.models import ChainEntry, Credential, CredentialKind, StatusList, StatusPurpose
from apps.credentials.services.identifiers import (
    credential_url,
    digest_multibase,
    issuer_did,
    serialize,
    verification_method_id,
)
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.credentials.services.status import (
    StatusSlots,
    issuing_key,
    status_bit_set,
    status_entries,
    status_slots_take,
)
from apps.credentials.subjects import step_subject
from apps.partners.models import Partner
from apps.shipments.models import Consignment, Event, EventLink


def _link_grace() -> timedelta:
    """How long an unlinked event waits for its links before it is issued without chain entries (DESIGN §10)."""
    return timedelta(seconds=settings.CORRIDOR_LINK_GRACE_SECONDS)


# --- Step credentials -----------------------------------------------------------------------


def _chain_head_values(consignment_ids: list[Any]) -> dict[Any, tuple[int, Any, str] | None]:
    """Each chain's last entry as (position, credential id, digest), with the consignments locked.

    NO KEY UPDATE: ingest's foreign-key checks (KEY SHARE) on these rows need not wait for us; both
    sides take consignment locks in primary-key order, so they cannot deadlock; two workers cannot
    fork a chain. The heads are read by a second statement, so they include whatever the worker that
    held the locks before us committed.
    """
    list(
        Consignment.objects.select_for_update(no_key=True)
        .filter(pk__in=consignment_ids)
        .order_by("pk")
        .values_list("pk")
    )
    heads: dict[Any, tuple[int, Any, str] | None] = dict.fromkeys(consignment_ids)
    # One index probe per chain (its highest position), however long the chains have grown.
    last = ChainEntry.objects.filter(consignment_id=OuterRef("pk")).order_by("-position").values("pk")[:1]
    head_ids = Consignment.objects.filter(pk__in=consignment_ids).annotate(head=Subquery(last)).values("head")
    for consignment_id, position, credential_id, digest in ChainEntry.objects.filter(pk__in=head_ids).values_list(
        "consignment_id", "position", "credential_id", "credential__digest_multibase"
    ):
        heads[consignment_id] = (position, credential_id, digest)
    return heads


def step_credential_issue(*, event_pk: Any) -> Credential | None:
    """Issue the step credential of one event, signed by its recorder; None if not due yet.

    Idempotent: an event has at most one credential (a unique key), so a second run returns it.
    """
    existing = Credential.objects.filter(event_id=event_pk).first()
    if existing is not None:
        return existing
    step_credentials_issue_batch(event_pks=[event_pk])
    return Credential.objects.filter(event_id=event_pk).first()


def _revoke_superseded(event: Any) -> None:
    """A corrected, updated or retracted event's earlier credentials are revoked (DESIGN §10).

    Every version but the latest is revoked, whichever credential is issued first: an older version
    issued after its update (both were waiting for the grace period) is revoked as it is issued.
    """
    older = Credential.objects.filter(
        event__in=Event.objects.filter(recorder=event.recorder, event_id=event.event_id, is_latest=False),
        revoked_at__isnull=True,
    )
    for credential in older:
        status_bit_set(credential, StatusPurpose.REVOCATION, True)


def step_credentials_pending(*, limit: int = 5000, waited: timedelta | None = None) -> list[str]:
    """Events that should have a credential by now and have none: for the beat sweep to re-enqueue.

    An event waits one sweep interval (or ``waited``) for its own message, and an unlinked one the link grace.
    """
    now = timezone.now()
    if waited is None:
        waited = timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS)
    missing = Event.objects.filter(credential__isnull=True, record_time__lt=now - waited)
    linked_or_late = missing.filter(links__isnull=False) | missing.filter(record_time__lt=now - _link_grace())
    return [str(pk) for pk in linked_or_late.values_list("pk", flat=True).distinct()[:limit]]


# --- Batched issuance (the worker's hot path) -----------------------------------------------


def step_credentials_issue_batch(*, event_pks: list[Any]) -> int:
    """Issue the step credentials of many events at once: one lock round, one key unwrap per issuer.

    Events are issued in record order (within a batch, the order they were sent); events still
    unlinked within the grace period wait for the sweep; an event with a credential is skipped.
    Status slots are reserved first, in a short transaction of their own; each credential, status
    entries included, is then canonicalized before any chain lock is taken, and under the chain
    locks only the links to the previous credentials are added and signed, so workers that share
    consignments hold each other up as briefly as possible.
    """
    # A batch shares one record time: within it, the order the events were sent (the ingest enqueues
    # them in that order) is the record order the chain must follow, not the random primary keys.
    sent = {str(pk): index for index, pk in enumerate(event_pks)}
    events = sorted(
        Event.objects.filter(pk__in=event_pks, credential__isnull=True).select_related("recorder"),
        key=lambda event: (event.record_time, sent[str(event.pk)]),
    )
    if not events:
        return 0
    links: dict[Any, list[Any]] = {}
    for link in EventLink.objects.filter(event__in=events).select_related("consignment").order_by("consignment_id"):
        links.setdefault(link.event_id, []).append(link)
    now = timezone.now()
    grace = _link_grace()
    due = [e for e in events if links.get(e.pk) or now - e.record_time >= grace]
    if not due:
        return 0
    drafts = _step_drafts(due, links)
    try:
        with transaction.atomic():
            return _issue_batch(drafts)
    except IntegrityError:
        # Another worker issued some of these first: go one by one, skipping theirs (whose reserved
        # slots stay allocated and unused: an unused index says nothing and costs one bit).
        issued = 0
        for draft in drafts:
            if Credential.objects.filter(event=draft.event).exists():
                continue
            try:
                with transaction.atomic():
                    issued += _issue_batch([draft])
            except IntegrityError:
                continue
        return issued


class _Signer:
    """An issuer's signing material for one batch: its key (unwrapped once), DID and method."""

    def __init__(self, issuer: Partner) -> None:
        self.key = partner_key_ensure(partner=issuer)
        self.private_key = private_key_of(self.key)
        self.did = issuer_did(issuer, self.key)
        self.method = verification_method_id(issuer, self.key)
        self.did_key = issuing_key(self.did, self.key)


class _Draft:
    """A step credential with its status slots, canonicalized, waiting for its chain links (under the locks)."""

    def __init__(
        self,
        event: Any,
        links: list[Any],
        signer: _Signer,
        slots: tuple[tuple[StatusList, int], tuple[StatusList, int]],
    ) -> None:
        self.event, self.links, self.signer = event, links, signer
        self.revocation, self.suspension = slots
        self.credential_id = uuid.uuid4()
        unsigned: dict[str, Any] = {
            "@context": [CREDENTIALS_V2, CORRIDOR_V1],
            "id": credential_url(self.credential_id),
            "type": ["VerifiableCredential", "StepCredential"],
            "issuer": signer.did,
            "validFrom": event.record_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": step_subject(
                event,
                consignments=[link.consignment for link in links],
                recorder_did=signer.did,
                base_url=settings.CORRIDOR_BASE_URL,
            ),
            "credentialStatus": status_entries(self.revocation, self.suspension),
        }
        self.prepared = dataintegrity.prepare(unsigned)


def _step_drafts(events: list[Any], links: dict[Any, list[Any]]) -> list[_Draft]:
    """The batch's credentials without chain links: the expensive part, done before any chain lock."""
    signers: dict[Any, _Signer] = {}
    for event in events:
        if event.recorder_id not in signers:
            signers[event.recorder_id] = _Signer(event.recorder)
    slots = _status_slots_reserve(events, signers)
    return [
        _Draft(event, links.get(event.pk, []), signers[event.recorder_id], pair)
        for event, pair in zip(events, slots, strict=True)
    ]


def _status_slots_reserve(
    events: list[Any], signers: dict[Any, _Signer]
) -> list[tuple[tuple[StatusList, int], tuple[StatusList, int]]]:
    """A revocation and a suspension slot for each event's credential, on its issuing DID's lists, reserved
    in one short transaction.

    The status list rows are locked only for the drawing, not while the batch signs and writes, and
    in issuer order, so two workers with several issuers each cannot deadlock on them.
    """
    issuers = {event.recorder_id: event.recorder for event in events}
    reserved = []
    with transaction.atomic():
        slots = {
            pk: tuple(
                StatusSlots(issuers[pk], purpose, signers[pk].did_key)
                for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
            )
            for pk in sorted(issuers, key=str)
        }
        for event in events:
            revocations, suspensions = slots[event.recorder_id]
            reserved.append((revocations.take(), suspensions.take()))
        for pair in slots.values():
            for list_slots in pair:
                list_slots.save()
    return reserved


def _issue_batch(drafts: list[_Draft]) -> int:
    consignment_ids = sorted({link.consignment_id for draft in drafts for link in draft.links}, key=str)
    heads = _chain_head_values(consignment_ids)
    credentials: list[Credential] = []
    entries: list[tuple[Any, Any, int, Any]] = []
    for draft in drafts:
        credential = Credential(
            pk=draft.credential_id,
            kind=CredentialKind.STEP,
            issuer=draft.event.recorder,
            event=draft.event,
            signed_by=draft.signer.key,
            issued_at=timezone.now(),
            revocation_list=draft.revocation[0],
            revocation_index=draft.revocation[1],
            suspension_list=draft.suspension[0],
            suspension_index=draft.suspension[1],
        )
        related = [
            {"id": credential_url(heads[link.consignment_id][1]), "digestMultibase": heads[link.consignment_id][2]}
            for link in draft.links
            if heads.get(link.consignment_id)
        ]
        signed = dataintegrity.sign_prepared(
            draft.prepared,
            additions={"relatedResource": related} if related else {},
            private_key=draft.signer.private_key,
            verification_method=draft.signer.method,
            created=credential.issued_at,
        )
        credential.document = serialize(signed)
        credential.digest_multibase = digest_multibase(credential.document)
        credentials.append(credential)
        for link in draft.links:
            head = heads.get(link.consignment_id)
            position = head[0] + 1 if head else 1
            entries.append((link.consignment_id, credential.pk, position, head[1] if head else None))
            heads[link.consignment_id] = (position, credential.pk, credential.digest_multibase)
    bulk_insert(Credential, credentials)
    bulk_insert_values(ChainEntry, ("consignment_id", "credential_id", "position", "previous_id"), entries)
    for draft in drafts:
        if draft.event.version > 1 or not draft.event.is_latest:
            _revoke_superseded(draft.event)
    for draft, credential in zip(drafts, credentials, strict=True):
        if draft.event.is_erroneous or draft.event.is_retracted:
            # Declared erroneous (or retracted) before its credential existed: issue it, revoked.
            status_bit_set(credential, StatusPurpose.REVOCATION, True)
    return len(credentials)


def credentials_revoke_for_events(*, event_ids: Iterable[Any]) -> None:
    """Revoke the step credentials of events declared erroneous (those issued yet; the others are issued revoked)."""
    # In list order, as issuance locks them: two revocations never hold each other's list.
    revocable = Credential.objects.filter(event_id__in=list(event_ids), revoked_at__isnull=True)
    for credential in revocable.order_by("revocation_list_id", "pk"):
        status_bit_set(credential, StatusPurpose.REVOCATION, True)


# --- Other kinds of credential (AEO certificates, ...) --------------------------------------


def credential_sign_new(*, issuer: Partner, kind: str, unsigned: dict[str, Any]) -> Credential:
    """Sign and store one credential of ``issuer``: its id, issuer DID and two status entries are added here.

    ``unsigned`` carries the rest (``@context``, ``type``, validity, ``credentialSubject``); the caller
    audits the write and runs this inside its own transaction, so the slots and the row agree.
    """
    key = partner_key_ensure(partner=issuer)
    did = issuer_did(issuer, key)
    with transaction.atomic():
        revocation, suspension = status_slots_take(issuer, issuing_key(did, key))
        row = Credential(
            kind=kind,
            issuer=issuer,
            signed_by=key,
            issued_at=timezone.now(),
            revocation_list=revocation[0],
            revocation_index=revocation[1],
            suspension_list=suspension[0],
            suspension_index=suspension[1],
        )
        # id, type and issuer first, as a reader expects them; ours win over anything the caller put there.
        document = {"@context": unsigned["@context"], "id": None, "type": unsigned["type"], "issuer": None, **unsigned}
        document.update(
            id=credential_url(row.pk),
            issuer=did,
            credentialStatus=status_entries(revocation, suspension),
        )
        signed = dataintegrity.sign(
            document,
            private_key=private_key_of(key),
            verification_method=verification_method_id(issuer, key),
            created=row.issued_at,
        )
        row.document = serialize(signed)
        row.digest_multibase = digest_multibase(row.document)
        row.save(force_insert=True)
    return row
