"""Writes for credentials: partners' keys, step credentials and their chains, revocation and suspension."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import uuid
from datetime import UTC, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.db import bulk_insert, bulk_insert_values
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.credentials import dataintegrity, keystore, multikey, status_list, vcdm
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2
from apps.credentials.models import (
    ChainEntry,
    Credential,
    CredentialKind,
    DidMethod,
    IssuerSettings,
    PartnerKey,
    StatusList,
    StatusPurpose,
)
from apps.credentials.subjects import step_subject
from apps.partners.access import Actor
from apps.partners.models import Partner

# An event still unlinked after this long gets its credential without chain entries (DESIGN §10).
LINK_GRACE = timedelta(hours=1)
MAX_INDEX_DRAWS = 32


# --- Identifiers and URLs -------------------------------------------------------------------


def partner_did_web(partner: Partner) -> str:
    return f"did:web:{settings.CORRIDOR_DID_HOST}:partners:{partner.slug}"


def issuer_did(partner: Partner, key: PartnerKey) -> str:
    """The DID the partner issues as: did:web by default, or the did:key of its current key."""
    method = IssuerSettings.objects.filter(partner=partner).values_list("did_method", flat=True).first()
    if method == DidMethod.KEY:
        return multikey.did_key(multikey.decode_public_key(key.public_key_multibase))
    return partner_did_web(partner)


def verification_method_id(partner: Partner, key: PartnerKey) -> str:
    did = issuer_did(partner, key)
    if did.startswith("did:key:"):
        return f"{did}#{did.removeprefix('did:key:')}"
    return f"{did}#{key.key_id}"


def credential_url(credential_id: Any) -> str:
    return f"{settings.CORRIDOR_BASE_URL}/credentials/{credential_id}"


def status_list_url(status: StatusList) -> str:
    return f"{settings.CORRIDOR_BASE_URL}/credentials/status/{status.pk}"


def digest_multibase(data: bytes) -> str:
    """Multibase (base64url, 'u') of the sha2-256 multihash, as VC 2.0 ``digestMultibase`` says."""
    multihash = b"\x12\x20" + hashlib.sha256(data).digest()
    return "u" + base64.urlsafe_b64encode(multihash).decode().rstrip("=")


def serialize(document: dict[str, Any]) -> bytes:
    """The bytes a credential is served as; digests in later credentials are over exactly these."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --- Keys -----------------------------------------------------------------------------------


def _new_key(partner: Partner) -> PartnerKey:
    private_key = Ed25519PrivateKey.generate()
    public = multikey.encode_public_key(private_key.public_key())
    key_id = f"key-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    return PartnerKey.objects.create(
        partner=partner,
        key_id=key_id,
        public_key_multibase=public,
        encrypted_private_key=keystore.wrap_private_key(private_key, partner_id=partner.pk, key_id=key_id),
    )


def partner_key_ensure(*, partner: Partner) -> PartnerKey:
    """The partner's current key, created if it has none (every partner gets one on creation)."""
    with transaction.atomic():
        current = (
            PartnerKey.objects.select_for_update()
            .filter(partner=partner, rotated_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        return current or _new_key(partner)


@transaction.atomic
def partner_key_rotate(*, actor: Actor, partner: Partner) -> PartnerKey:
    """A new key signs from now on; the old one stays in the DID document so old credentials verify."""
    _require_partner_admin(actor, partner)
    PartnerKey.objects.select_for_update().filter(
        partner=partner, rotated_at__isnull=True, revoked_at__isnull=True
    ).update(rotated_at=timezone.now())
    key = _new_key(partner)
    audit_record(
        actor=actor,
        action="partner_key.rotate",
        target=key,
        partner=partner,
        changes={"key_id": key.key_id, "public_key_multibase": key.public_key_multibase},
    )
    return key


@transaction.atomic
def partner_key_revoke(*, actor: Actor, key: PartnerKey, reason: str) -> PartnerKey:
    """Withdraw a compromised key: it leaves the DID document, so what it signed no longer verifies."""
    locked = PartnerKey.objects.select_for_update().select_related("partner").get(pk=key.pk)
    _require_partner_admin(actor, locked.partner)
    if not reason.strip():
        raise ApplicationError("Say why the key is revoked.", field="reason")
    if locked.revoked_at is None:
        was_current = locked.rotated_at is None
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason.strip()[:200]
        locked.save(update_fields=["revoked_at", "revocation_reason"])
        if was_current:
            _new_key(locked.partner)
        audit_record(
            actor=actor,
            action="partner_key.revoke",
            target=locked,
            partner=locked.partner,
            changes={"key_id": locked.key_id, "reason": locked.revocation_reason},
        )
    return locked


def _require_partner_admin(actor: Actor, partner: Partner) -> None:
    if actor.is_staff:
        return
    if actor.partner is None or actor.partner.pk != partner.pk:
        raise ApplicationError("Not found, or not visible to you.", status=404, code="not-found")
    if not actor.has_role("admin") or actor.token is not None:
        raise ApplicationError("Only the partner's admins manage its keys.", status=403, code="permission-denied")


def private_key_of(key: PartnerKey) -> Ed25519PrivateKey:
    return keystore.unwrap_private_key(key.encrypted_private_key, partner_id=key.partner_id, key_id=key.key_id)


# --- Status lists ---------------------------------------------------------------------------


_RANDOM = random.SystemRandom()


def _current_list(issuer: Partner, purpose: str) -> StatusList:
    current = StatusList.objects.filter(issuer=issuer, purpose=purpose, is_full=False).order_by("sequence").first()
    if current is not None:
        return current
    last = StatusList.objects.filter(issuer=issuer, purpose=purpose).order_by("-sequence").first()
    try:
        with transaction.atomic():
            return StatusList.objects.create(
                issuer=issuer,
                purpose=purpose,
                sequence=(last.sequence + 1) if last else 1,
                bits=status_list.Bitstring().to_bytes(),
            )
    except IntegrityError:
        return StatusList.objects.filter(issuer=issuer, purpose=purpose, is_full=False).order_by("sequence").first()


def _status_entries(revocation: tuple[StatusList, int], suspension: tuple[StatusList, int]) -> list[dict[str, Any]]:
    return [
        status_list.status_list_entry(list_url=status_list_url(lst), index=index, purpose=lst.purpose)
        for lst, index in (revocation, suspension)
    ]


# --- Step credentials -----------------------------------------------------------------------


def _chain_head_values(consignment_ids: list[Any]) -> dict[Any, tuple[int, Any, str] | None]:
    """Each chain's last entry as (position, credential id, digest), with the consignments locked.

    NO KEY UPDATE: ingest's foreign-key checks (KEY SHARE) on these rows need not wait for us; both
    sides take consignment locks in primary-key order, so they cannot deadlock; two workers cannot
    fork a chain.
    """
    from django.db.models import Max, Q

    from apps.shipments.models import Consignment

    list(
        Consignment.objects.select_for_update(no_key=True)
        .filter(pk__in=consignment_ids)
        .order_by("pk")
        .values_list("pk")
    )
    heads: dict[Any, tuple[int, Any, str] | None] = dict.fromkeys(consignment_ids)
    tops = (
        ChainEntry.objects.filter(consignment_id__in=consignment_ids)
        .values("consignment_id")
        .annotate(top=Max("position"))
    )
    last = Q()
    for row in tops:
        last |= Q(consignment_id=row["consignment_id"], position=row["top"])
    if last:
        for consignment_id, position, credential_id, digest in ChainEntry.objects.filter(last).values_list(
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
    from apps.shipments.models import Event

    older = Credential.objects.filter(
        event__in=Event.objects.filter(recorder=event.recorder, event_id=event.event_id, is_latest=False),
        revoked_at__isnull=True,
    )
    for credential in older:
        _set_status(credential, StatusPurpose.REVOCATION, True)


def step_credentials_pending(*, older_than: timedelta = timedelta(minutes=5), limit: int = 5000) -> list[str]:
    """Events that should have a credential by now and have none: for the beat sweep to re-enqueue."""
    from apps.shipments.models import Event

    now = timezone.now()
    missing = Event.objects.filter(credential__isnull=True, record_time__lt=now - older_than)
    linked_or_late = missing.filter(links__isnull=False) | missing.filter(record_time__lt=now - LINK_GRACE)
    return [str(pk) for pk in linked_or_late.values_list("pk", flat=True).distinct()[:limit]]


# --- Revocation and suspension --------------------------------------------------------------


def _set_status(credential: Credential, purpose: str, value: bool) -> None:
    status = credential.revocation_list if purpose == StatusPurpose.REVOCATION else credential.suspension_list
    index = credential.revocation_index if purpose == StatusPurpose.REVOCATION else credential.suspension_index
    locked = StatusList.objects.select_for_update().get(pk=status.pk)
    bits = status_list.Bitstring.from_bytes(bytes(locked.bits))
    bits.set(index, value)
    locked.bits = bits.to_bytes()
    locked.save(update_fields=["bits", "updated_at"])
    if purpose == StatusPurpose.REVOCATION:
        # Revocation is final and dated once: revoking again keeps the first time.
        Credential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now() if value else None
        )
    else:
        Credential.objects.filter(pk=credential.pk).update(suspended=value)


@transaction.atomic
def credential_status_set(*, actor: Actor, credential: Credential, purpose: str, value: bool) -> Credential:
    """Revoke, suspend or unsuspend a credential; only its issuer may. Revocation is final."""
    if purpose not in StatusPurpose.values:
        raise ApplicationError("statusPurpose must be revocation or suspension.", field="statusPurpose")
    if not actor.is_staff and (actor.partner is None or actor.partner.pk != credential.issuer_id):
        raise ApplicationError(
            "Only the credential's issuer may change its status.", status=403, code="permission-denied"
        )
    if not actor.has_role("operator") or actor.scope != "write":
        raise ApplicationError("This needs the operator role and a write scope.", status=403, code="permission-denied")
    if purpose == StatusPurpose.REVOCATION and not value and credential.revoked_at:
        raise ApplicationError("A revoked credential stays revoked.", field="status", status=409, code="conflict")
    _set_status(credential, purpose, value)
    audit_record(
        actor=actor,
        action=f"credential.{purpose}.{'set' if value else 'clear'}",
        target=credential,
        partner=credential.issuer,
        changes={"purpose": purpose, "status": value},
    )
    credential.refresh_from_db()
    return credential


# --- Presentations and the VC API -----------------------------------------------------------


def presentation_build(
    *, actor: Actor, consignment: Any, challenge: str | None = None, domain: str | None = None
) -> dict[str, Any]:
    """The consignment's chain as a Verifiable Presentation; signed by the caller's partner for a challenge."""
    chain = ChainEntry.objects.filter(consignment=consignment).select_related("credential").order_by("position")
    presentation: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [json.loads(bytes(entry.credential.document)) for entry in chain],
    }
    if challenge is None and domain is None:
        return presentation
    if actor.partner is None:
        raise ApplicationError("A signed presentation needs a partner to sign it.", field="challenge")
    key = partner_key_ensure(partner=actor.partner)
    presentation["holder"] = partner_did_web(actor.partner)
    return dataintegrity.sign(
        presentation,
        private_key=private_key_of(key),
        verification_method=f"{partner_did_web(actor.partner)}#{key.key_id}",
        created=timezone.now(),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


_SAFE_INTEGER = 2**53 - 1


def _inexact_integer(document: Any) -> str | None:
    """The path of the first integer in ``document`` that an IEEE 754 double cannot hold exactly, if any."""
    stack: list[tuple[Any, str]] = [(document, "credential")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
            return path
    return None


def partner_identifiers(partner: Partner, key: PartnerKey) -> dict[str, str]:
    """The DIDs the partner may issue as right now, each with the verification method that signs for it."""
    did_key = multikey.did_key(multikey.decode_public_key(key.public_key_multibase))
    return {
        partner_did_web(partner): f"{partner_did_web(partner)}#{key.key_id}",
        did_key: f"{did_key}#{did_key.removeprefix('did:key:')}",
    }


def _issuer_for(credential: dict[str, Any], partner: Partner, key: PartnerKey) -> tuple[Any, str]:
    """The ``issuer`` the credential will carry and the method that signs, or a 400 if it is not the caller.

    Absent, the partner's chosen DID is filled in; named (a URL, or an object whose ``id`` is one), it
    must be one of the partner's identifiers, and an object keeps its other properties (name, ...).
    """
    identifiers = partner_identifiers(partner, key)
    if "issuer" not in credential:
        did = issuer_did(partner, key)
        return did, identifiers[did]
    given = credential["issuer"]
    given_id = given.get("id") if isinstance(given, dict) else given
    if not isinstance(given_id, str) or not given_id:
        raise ApplicationError(
            "issuer must be a URL, or an object whose id is a URL.",
            field="credential.issuer.id" if isinstance(given, dict) else "credential.issuer",
        )
    if given_id not in identifiers:
        raise ApplicationError(
            f"issuer must be one of your identifiers: {', '.join(identifiers)}.", field="credential.issuer"
        )
    return given, identifiers[given_id]


_MAX_ID_LENGTH = 1000


def credential_issue_api(*, actor: Actor, credential: Any) -> Credential:
    """Sign a caller-supplied credential (VC 2.0 or 1.1) as the caller's partner, with status entries.

    The caller's own ``credentialStatus`` entries are kept; Corridor adds a revocation and a suspension
    ``BitstringStatusListEntry`` of its own lists, which ``/credentials/status`` then sets and clears.
    """
    if actor.partner is None:
        raise ApplicationError("Say which partner issues (X-Corridor-Partner).", field="credential.issuer")
    problems = vcdm.issue_problems(credential)
    if problems:
        field, detail = problems[0]
        raise ApplicationError(detail, field=field)
    inexact = _inexact_integer(credential)
    if inexact is not None:
        raise ApplicationError(
            f"{inexact} is an integer beyond ±(2^53 - 1), which other implementations (JavaScript's among them) "
            "read inexactly, so they could not verify the signature (I-JSON, RFC 7493): send it as a string.",
            field=inexact,
        )
    if len(str(credential.get("id", ""))) > _MAX_ID_LENGTH:
        raise ApplicationError(f"id is longer than {_MAX_ID_LENGTH} characters.", field="credential.id")
    issuer = actor.partner
    key = partner_key_ensure(partner=issuer)
    issuer_value, method = _issuer_for(credential, issuer, key)
    model = vcdm.data_model(credential)
    now = timezone.now()
    with transaction.atomic():
        revocation, suspension = _take_status_slots(issuer)
        row = Credential(
            kind=CredentialKind.ISSUED,
            issuer=issuer,
            signed_by=key,
            issued_at=now,
            revocation_list=revocation[0],
            revocation_index=revocation[1],
            suspension_list=suspension[0],
            suspension_index=suspension[1],
        )
        given_status = credential.get("credentialStatus", [])
        unsigned = {
            **credential,
            "id": credential.get("id") or credential_url(row.pk),
            "issuer": issuer_value,
            "credentialStatus": [
                *(given_status if isinstance(given_status, list) else [given_status]),
                *_status_entries(revocation, suspension),
            ],
        }
        if model == vcdm.V1:
            unsigned["@context"] = vcdm.contexts_for_v1(credential["@context"], status=True)
            unsigned.setdefault("issuanceDate", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        else:
            unsigned.setdefault("validFrom", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        try:
            signed = dataintegrity.sign(
                unsigned, private_key=private_key_of(key), verification_method=method, created=now
            )
        except (dataintegrity.ProofGenerationError, ValueError) as exc:
            raise ApplicationError(f"The credential cannot be signed: {exc}", field="credential") from exc
        row.document = serialize(signed)
        row.document_id = signed["id"]
        row.digest_multibase = digest_multibase(row.document)
        row.save(force_insert=True)
        audit_record(
            actor=actor,
            action="credential.issue",
            target=row,
            partner=issuer,
            changes={"type": credential.get("type"), "id": signed["id"], "data_model": model},
        )
    return row


@transaction.atomic
def issuer_did_method_set(*, actor: Actor, partner: Partner, did_method: str) -> IssuerSettings:
    """Choose whether the partner issues as its did:web or as the did:key of its current key."""
    _require_partner_admin(actor, partner)
    if did_method not in DidMethod.values:
        raise ApplicationError(f"did_method must be one of {', '.join(DidMethod.values)}.", field="did_method")
    settings_row, _ = IssuerSettings.objects.update_or_create(partner=partner, defaults={"did_method": did_method})
    audit_record(
        actor=actor,
        action="issuer_settings.update",
        target=settings_row,
        partner=partner,
        changes={"did_method": did_method},
    )
    return settings_row


# --- Batched issuance (the worker's hot path) -----------------------------------------------


class _Slots:
    """Random free indexes (DESIGN §10) of an issuer's current list for one purpose, for a whole batch.

    The list's row is locked (until the batch commits) before any index is chosen, so two workers
    never draw the same slot, and its allocation bitmap says which indexes are taken: drawing costs
    no query however many credentials the list already has. ``save`` writes the bitmap back in the
    same transaction. A full list rolls over to the next sequence.
    """

    def __init__(self, issuer: Partner, purpose: str) -> None:
        self.issuer, self.purpose = issuer, purpose
        self.field = "revocation" if purpose == StatusPurpose.REVOCATION else "suspension"
        self._load(_current_list(issuer, purpose))

    def _load(self, current: StatusList) -> None:
        self.current = StatusList.objects.select_for_update().defer("bits").get(pk=current.pk)
        bits = bytearray(bytes(self.current.allocation or b""))
        self.dirty = len(bits) * 8 != self.current.size
        if self.dirty:
            # A list from before allocation bitmaps: build its bitmap once from the credentials on it.
            bits = bytearray(self.current.size // 8)
            used = Credential.objects.filter(**{f"{self.field}_list": self.current})
            for index in used.values_list(f"{self.field}_index", flat=True).iterator(chunk_size=10_000):
                bits[index >> 3] |= 0x80 >> (index & 7)
        self.bits = bits

    def _taken(self, index: int) -> bool:
        return bool(self.bits[index >> 3] & (0x80 >> (index & 7)))

    def take(self) -> tuple[StatusList, int]:
        try:
            index = status_list.allocate_index(self._taken, size=self.current.size, rng=_RANDOM)
        except status_list.StatusListFull:
            self.save()
            StatusList.objects.filter(pk=self.current.pk).update(is_full=True)
            self._load(_current_list(self.issuer, self.purpose))
            return self.take()
        self.bits[index >> 3] |= 0x80 >> (index & 7)
        self.dirty = True
        return self.current, index

    def save(self) -> None:
        if self.dirty:
            StatusList.objects.filter(pk=self.current.pk).update(allocation=bytes(self.bits))
            self.dirty = False


def _take_status_slots(issuer: Partner) -> tuple[tuple[StatusList, int], tuple[StatusList, int]]:
    """One revocation and one suspension slot for a single credential (inside the caller's transaction)."""
    taken = []
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        slots = _Slots(issuer, purpose)
        taken.append(slots.take())
        slots.save()
    return taken[0], taken[1]


def step_credentials_issue_batch(*, event_pks: list[Any]) -> int:
    """Issue the step credentials of many events at once: one lock round, one key unwrap per issuer.

    Events are issued in record order (within a batch, the order they were sent); events still
    unlinked within the grace period wait for the sweep; an event with a credential is skipped.
    Each credential is canonicalized before any lock is taken; under the locks only the status
    slots and the chain's previous credentials are added and signed, so workers issue in parallel.
    """
    from apps.shipments.models import Event, EventLink

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
    due = [e for e in events if links.get(e.pk) or now - e.record_time >= LINK_GRACE]
    if not due:
        return 0
    drafts = _step_drafts(due, links)
    try:
        with transaction.atomic():
            return _issue_batch(drafts)
    except IntegrityError:
        # Another worker issued some of these (or took a status slot) first: go one by one, skipping theirs.
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


class _Draft:
    """A step credential canonicalized, waiting for its status slots and chain links (under the locks)."""

    def __init__(self, event: Any, links: list[Any], signer: _Signer) -> None:
        self.event, self.links, self.signer = event, links, signer
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
        }
        self.prepared = dataintegrity.prepare(unsigned)


def _step_drafts(events: list[Any], links: dict[Any, list[Any]]) -> list[_Draft]:
    """The batch's credentials without status or chain: the expensive part, done before any lock."""
    signers: dict[Any, _Signer] = {}
    drafts = []
    for event in events:
        if event.recorder_id not in signers:
            signers[event.recorder_id] = _Signer(event.recorder)
        drafts.append(_Draft(event, links.get(event.pk, []), signers[event.recorder_id]))
    return drafts


def _issue_batch(drafts: list[_Draft]) -> int:
    consignment_ids = sorted({link.consignment_id for draft in drafts for link in draft.links}, key=str)
    heads = _chain_head_values(consignment_ids)
    slots: dict[Any, tuple[_Slots, _Slots]] = {}
    credentials: list[Credential] = []
    entries: list[ChainEntry] = []
    for draft in drafts:
        issuer = draft.event.recorder
        if issuer.pk not in slots:
            slots[issuer.pk] = (_Slots(issuer, StatusPurpose.REVOCATION), _Slots(issuer, StatusPurpose.SUSPENSION))
        revocations, suspensions = slots[issuer.pk]
        revocation, suspension = revocations.take(), suspensions.take()
        credential = Credential(
            pk=draft.credential_id,
            kind=CredentialKind.STEP,
            issuer=issuer,
            event=draft.event,
            signed_by=draft.signer.key,
            issued_at=timezone.now(),
            revocation_list=revocation[0],
            revocation_index=revocation[1],
            suspension_list=suspension[0],
            suspension_index=suspension[1],
        )
        additions: dict[str, Any] = {"credentialStatus": _status_entries(revocation, suspension)}
        related = [
            {"id": credential_url(heads[link.consignment_id][1]), "digestMultibase": heads[link.consignment_id][2]}
            for link in draft.links
            if heads.get(link.consignment_id)
        ]
        if related:
            additions["relatedResource"] = related
        signed = dataintegrity.sign_prepared(
            draft.prepared,
            additions=additions,
            private_key=draft.signer.private_key,
            verification_method=draft.signer.method,
            created=credential.issued_at,
        )
        credential.document = serialize(signed)
        credential.digest_multibase = digest_multibase(credential.document)
        credentials.append(credential)
        for link in draft.links:
            head = heads.get(link.consignment_id)
            entries.append(
                ChainEntry(
                    consignment_id=link.consignment_id,
                    credential=credential,
                    position=head[0] + 1 if head else 1,
                    previous_id=head[1] if head else None,
                )
            )
            heads[link.consignment_id] = (head[0] + 1 if head else 1, credential.pk, credential.digest_multibase)
    for pair in slots.values():
        for list_slots in pair:
            list_slots.save()
    bulk_insert(Credential, credentials)
    bulk_insert_values(
        ChainEntry,
        ("consignment_id", "credential_id", "position", "previous_id"),
        [(e.consignment_id, e.credential.pk, e.position, e.previous_id) for e in entries],
    )
    for draft in drafts:
        if draft.event.version > 1 or not draft.event.is_latest:
            _revoke_superseded(draft.event)
    for draft, credential in zip(drafts, credentials, strict=True):
        if draft.event.is_erroneous or draft.event.is_retracted:
            # Declared erroneous (or retracted) before its credential existed: issue it, revoked.
            _set_status(credential, StatusPurpose.REVOCATION, True)
    return len(credentials)


def credential_revoke_for_event(*, event: Any) -> None:
    """Revoke the step credential of an event declared erroneous (if it has one yet)."""
    credential = Credential.objects.filter(event=event, revoked_at__isnull=True).first()
    if credential is not None:
        _set_status(credential, StatusPurpose.REVOCATION, True)


# --- Other kinds of credential (AEO certificates, ...) --------------------------------------


def credential_sign_new(*, issuer: Partner, kind: str, unsigned: dict[str, Any]) -> Credential:
    """Sign and store one credential of ``issuer``: its id, issuer DID and two status entries are added here.

    ``unsigned`` carries the rest (``@context``, ``type``, validity, ``credentialSubject``); the caller
    audits the write and runs this inside its own transaction, so the slots and the row agree.
    """
    key = partner_key_ensure(partner=issuer)
    with transaction.atomic():
        revocation, suspension = _take_status_slots(issuer)
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
            issuer=issuer_did(issuer, key),
            credentialStatus=_status_entries(revocation, suspension),
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
