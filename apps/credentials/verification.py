"""Verifying credentials and presentations, naming every check (DESIGN §5).

Checks, in order: structure, contexts (allow-list), proof (canonicalize, hash, Ed25519), issuer key
(the proof's key belongs to the issuer's DID and is authorised for assertions), validity period,
status (each status list entry, against the issuer's signed list), chain digests (each
``relatedResource`` this deployment holds matches its digest). Nothing is fetched from the network:
status lists and chain links of other deployments are reported as warnings, not guessed at.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core import words
from apps.core.json_input import JsonInputError, json_loads
from apps.core.words import Text, gettext_noop, joined
from apps.credentials import dataintegrity, dids, digests, multikey, status_list, vcdm
from apps.credentials.models import Credential, PartnerKey, StatusList
from apps.credentials.selectors import did_resolver
from apps.credentials.services.identifiers import digest_multibase, partner_did_web, serialize

# Each check's name in people's words, for pages; the names themselves are what the API answers.
CHECK_LABELS = {
    "structure": _("Structure"),
    "contexts": _("JSON-LD contexts"),
    "proof": _("Proof (signature)"),
    "issuer key": _("Issuer's key"),
    "validity period": _("Validity period"),
    "status": _("Status (not revoked or suspended)"),
    "chain digests": _("Links to previous steps"),
    "holder": _("Holder"),
}
_OF_CREDENTIAL = re.compile(r"credential (\d+): (.+)")


class CredentialIndex(int):
    """A credential's place in a presentation as a detail names it: from 0 in the API, from 1 on a page."""


@dataclass
class Outcome:
    """What a verification found: every check by name, the failures, and warnings."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks.append({"check": name, "passed": passed, **({"detail": detail} if detail else {})})

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check["passed"] for check in self.checks)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if not check["passed"]]

    def as_vc_api(self) -> dict[str, Any]:
        """The W3C VC API answer: verified, the checks made, warnings, and a problem per failure."""
        body: dict[str, Any] = {
            "verified": self.verified,
            "checks": [check["check"] for check in self.checks if check["passed"]],
            "warnings": self.warnings,
            "errors": self.errors,
        }
        if not self.verified:
            body["problemDetails"] = [
                {
                    "type": f"https://w3id.org/corridor/problems#{check['check']}",
                    "title": f"{check['check']} failed",
                    "detail": check.get("detail", ""),
                }
                for check in self.errors
            ]
        return body


@dataclass
class Lookups:
    """What verifying credentials reads from the database, read once for a whole batch of them.

    A consignment's chain names the same few issuers, status lists and previous credentials again and
    again: :meth:`for_documents` reads the issuers' DID documents (two queries), the status lists (one) and
    the related credentials held here (one) for every document at once. Anything a document names that
    was not prefetched is read when first asked for and remembered, so one credential alone costs what
    it always did. A ``Lookups`` lives for one verification request: key revocations and status bits
    read a moment later are read afresh.
    """

    resolver: dids.DidResolver = field(default_factory=did_resolver)
    status_lists: dict[uuid.UUID, StatusList | None] = field(default_factory=dict)
    held: dict[uuid.UUID, bytes | None] = field(default_factory=dict)

    @classmethod
    def for_documents(cls, documents: Iterable[Any], *, held: Mapping[uuid.UUID, bytes] | None = None) -> Lookups:
        """``held``: documents of credentials held here that the caller has just read (a chain's own)."""
        documents = [d for d in documents if isinstance(d, Mapping)]
        lookups = cls(resolver=did_resolver(prefetch=[i for d in documents if (i := _issuer_id(d))]))
        status_prefix = f"{settings.CORRIDOR_BASE_URL}/credentials/status/"
        held_prefix = f"{settings.CORRIDOR_BASE_URL}/credentials/"
        list_pks: set[uuid.UUID] = set()
        held_pks: set[uuid.UUID] = set()
        for document in documents:
            for entry in _as_list(document.get("credentialStatus")):
                url = str(entry.get("statusListCredential", "")) if isinstance(entry, Mapping) else ""
                if url.startswith(status_prefix) and (pk := _local_pk(url, status_prefix)):
                    list_pks.add(pk)
            for item in _as_list(document.get("relatedResource")):
                url = item.get("id") if isinstance(item, Mapping) else None
                if isinstance(url, str) and url.startswith(held_prefix) and (pk := _local_pk(url, held_prefix)):
                    held_pks.add(pk)
        if list_pks:
            lookups.status_lists = dict.fromkeys(list_pks)
            lookups.status_lists.update(
                {lst.pk: lst for lst in StatusList.objects.select_related("issuer").filter(pk__in=list_pks)}
            )
        if held_pks:
            lookups.held = dict.fromkeys(held_pks)
            lookups.held.update({pk: held[pk] for pk in held_pks if held and pk in held})
            if missing := [pk for pk in held_pks if lookups.held[pk] is None]:
                rows = Credential.objects.filter(pk__in=missing).values_list("pk", "document")
                lookups.held.update({pk: bytes(doc) for pk, doc in rows})
        return lookups

    def status_list(self, pk: uuid.UUID) -> StatusList | None:
        if pk not in self.status_lists:
            self.status_lists[pk] = StatusList.objects.select_related("issuer").filter(pk=pk).first()
        return self.status_lists[pk]

    def held_document(self, pk: uuid.UUID) -> bytes | None:
        if pk not in self.held:
            found = Credential.objects.filter(pk=pk).values_list("document", flat=True).first()
            self.held[pk] = bytes(found) if found is not None else None
        return self.held[pk]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _ProofResults:
    """Outcomes of proof checks already made in this process, by document, options and the keys used.

    Checking a proof (canonicalization, hash, Ed25519) is the costly part of a verification and depends
    on nothing but the document's content, the options and the public keys its proofs name, so the
    same chain verified on every view of a consignment page need not be canonicalized again. The keys
    are resolved for every verification before this is asked (a rotated or revoked key changes or
    withdraws them, so a stale outcome is never found), and status and chain digests are always checked
    afresh. Bounded, least recently used first out.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._results: OrderedDict[bytes, dataintegrity.VerificationResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> dataintegrity.VerificationResult | None:
        with self._lock:
            result = self._results.get(key)
            if result is not None:
                self._results.move_to_end(key)
            return result

    def put(self, key: bytes, result: dataintegrity.VerificationResult) -> None:
        with self._lock:
            self._results[key] = result
            self._results.move_to_end(key)
            while len(self._results) > self._size:
                self._results.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


proof_results = _ProofResults()


def _proof_result_key(document: Mapping[str, Any], resolve: dataintegrity.KeyResolver, options: tuple) -> bytes | None:
    """The cache key of a proof check: the document, the options and every proof's resolved public key.

    None (nothing cached) when a proof names no verification method or its key does not resolve: the
    full check then reports why.
    """
    keys = []
    for proof in _as_list(document.get("proof")):
        method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        key = resolve(method) if isinstance(method, str) else None
        if key is None:
            return None
        keys.append(key.public_bytes_raw())
    if not keys:
        return None
    try:
        content = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError):
        return None
    digest = hashlib.sha256(content)
    digest.update(repr(options).encode())
    for key in keys:
        digest.update(b"|" + key)
    return digest.digest()


def said(exc: Exception) -> str:
    """An exception's message: the :class:`Text` it was raised with, when it was one, to be said in words."""
    message = exc.args[0] if len(exc.args) == 1 else None
    return message if isinstance(message, Text) else str(exc)


def _key_resolver(resolver: dids.DidResolver, relationship: str, problems: list[str]) -> dataintegrity.KeyResolver:
    """Each proof's key, resolved for its own DID (the controller its verification method names).

    Data Integrity lets several parties sign one document (a proof set, or a chain through
    ``previousProof``): each proof is checked against its own signer's DID document, and
    :func:`_signer_problem` then requires one of them to be the issuer (or the holder).
    """

    def resolve(method_id: str) -> Any:
        try:
            method = resolver.verification_method(method_id, relationship=relationship)
        except dids.DidError as exc:
            problems.append(said(exc))
            return None
        return multikey.decode_public_key(method.public_key_multibase)

    return resolve


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _controller_of(verification_method: str | None) -> str | None:
    return verification_method.split("#", 1)[0] if isinstance(verification_method, str) else None


def _signer_problem(result: dataintegrity.VerificationResult, controller: str | None) -> str:
    """Why no proof is the controller's own, or "" (any signer will do without a controller).

    Whether that proof verifies is the proof check's concern: every proof must.
    """
    signers = {_controller_of(proof.verification_method) for proof in result.proofs}
    if controller is None or controller in signers:
        return ""
    return Text(
        gettext_noop("no proof is by %(controller)s; the proofs are by %(signers)s"),
        controller=controller,
        signers=", ".join(sorted(s or "?" for s in signers)),
    )


def _check_proof(
    document: Any,
    outcome: Outcome,
    *,
    purpose: str | None,
    challenge: str | None = None,
    domain: str | None = None,
    controller: str | None = None,
    lookups: Lookups | None = None,
) -> None:
    """Structure, contexts, issuer key and proof, named as :mod:`dataintegrity` names them.

    Every proof must verify, each with its own signer's key; at least one must be ``controller``'s
    (the credential's issuer, the presentation's holder).
    """
    key_problems: list[str] = []
    resolver = lookups.resolver if lookups is not None else did_resolver()
    resolve = _key_resolver(resolver, purpose or "assertionMethod", key_problems)
    cache_key = _proof_result_key(document, resolve, (purpose, challenge, domain))
    result = proof_results.get(cache_key) if cache_key is not None else None
    if result is None:
        key_problems.clear()
        result = dataintegrity.verify(
            document, resolve_key=resolve, expected_purpose=purpose, challenge=challenge, domain=domain
        )
        if cache_key is not None and not key_problems:
            proof_results.put(cache_key, result)
    names = {check.name for check in result.checks}
    for name in ("structure", "contexts"):
        if name in names:
            failed = [check for check in result.checks if check.name == name and not check.passed]
            outcome.add(name, not failed, failed[0].reason if failed else "")
    proof_checks = [check for check in result.checks if check.name not in ("structure", "contexts")]
    if not proof_checks:
        if result.verified is False and not outcome.errors:
            outcome.add("proof", False, Text(gettext_noop("no verifiable proof")))
        return
    # The key is resolved while the proof is verified; its check is reported before the proof's.
    key_failed = any(not check.passed for check in proof_checks if check.name == "key")
    reason = joined(key_problems, "; ") or (
        Text(gettext_noop("the proof's verification method could not be resolved"))
        if key_failed
        else _signer_problem(result, controller)
    )
    outcome.add("issuer key", not reason, reason)
    failed = [check for check in proof_checks if not check.passed and check.name != "key"]
    outcome.add(
        "proof",
        not failed and result.verified,
        joined([Text("%(check)s: %(reason)s", check=c.name, reason=c.reason) for c in failed], "; "),
    )


def _check_validity(document: Mapping[str, Any], outcome: Outcome, now: datetime) -> None:
    """VC 2.0's validFrom/validUntil, or VC 1.1's issuanceDate/expirationDate, as each model says."""
    problems = vcdm.validity_problems(document, now)
    outcome.add("validity period", not problems, joined(problems, "; "))


def _local_pk(url: str, prefix: str) -> uuid.UUID | None:
    """The id in one of this deployment's URLs, or None if what follows the prefix is not one."""
    try:
        return uuid.UUID(url.removeprefix(prefix))
    except ValueError:
        return None


def _check_status(document: Mapping[str, Any], outcome: Outcome, lookups: Lookups | None = None) -> None:
    entries = document.get("credentialStatus")
    if entries is None:
        return
    entries = entries if isinstance(entries, list) else [entries]
    problems = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            problems.append(Text(gettext_noop("a status entry is not an object")))
            continue
        if entry.get("type") != "BitstringStatusListEntry":
            # A status scheme this verifier does not implement is reported, like a list held elsewhere.
            outcome.warnings.append(
                {
                    "check": "status",
                    "detail": Text(
                        gettext_noop("status entry of type %(type)s is not checked here"), type=repr(entry.get("type"))
                    ),
                }
            )
            continue
        try:
            # A malformed entry fails wherever its list is held (MALFORMED_VALUE_ERROR, §3.5).
            status_list.entry_check(entry)
        except status_list.MalformedStatusList as exc:
            problems.append(said(exc))
            continue
        url = str(entry.get("statusListCredential", ""))
        prefix = f"{settings.CORRIDOR_BASE_URL}/credentials/status/"
        if url.startswith(prefix):
            pk = _local_pk(url, prefix)
            lst = (lookups or Lookups()).status_list(pk) if pk else None
            if lst is None:
                # This deployment would hold it: a list it does not have cannot vouch for the credential.
                problems.append(Text(gettext_noop("status list %(url)s does not exist"), url=url))
                continue
        else:
            outcome.warnings.append(
                {
                    "check": "status",
                    "detail": Text(
                        gettext_noop("status list %(url)s is not held here; not checked (nothing is fetched)"),
                        url=entry.get("statusListCredential"),
                    ),
                }
            )
            continue
        if not _issued_by(lst.issuer, document):
            problems.append(
                Text(gettext_noop("status list %(url)s belongs to another issuer than the credential's"), url=url)
            )
            continue
        try:
            # Our own list: read its bits from the database (signing it again would only cost time).
            bits = status_list.Bitstring.from_bytes(bytes(lst.bits))
            if status_list.held_status_of(entry, list_url=url, purpose=lst.purpose, bits=bits):
                purpose = entry.get("statusPurpose")
                problems.append(
                    Text(gettext_noop("revoked"))
                    if purpose == "revocation"
                    else Text(gettext_noop("suspended"))
                    if purpose == "suspension"
                    else Text(gettext_noop("%(purpose)s bit is set: the credential is %(purpose)s"), purpose=purpose)
                )
        except status_list.StatusListError as exc:
            problems.append(said(exc))
    outcome.add("status", not problems, joined(problems, "; "))


def _issued_by(partner: Any, document: Mapping[str, Any]) -> bool:
    """Whether the credential's issuer DID is this partner's (its did:web, or a did:key of its keys)."""
    issuer = _issuer_id(document) or ""
    if issuer == partner_did_web(partner):
        return True
    if issuer.startswith("did:key:"):
        return PartnerKey.objects.filter(partner=partner, public_key_multibase=issuer.removeprefix("did:key:")).exists()
    return False


def held_resource_problems(
    document: Mapping[str, Any], lookups: Lookups | None = None
) -> tuple[list[vcdm.Problem], list[str]]:
    """The ``relatedResource`` digests that differ from the credentials this deployment holds, and the
    ids of related resources it does not hold (nothing is fetched, so those are not checked).

    ``document``'s ``relatedResource`` must be well formed (:func:`vcdm.related_resource_problems`).
    A URL of this deployment's credentials that names none is a problem: a step may have been removed.
    """
    related = document.get("relatedResource")
    prefix = f"{settings.CORRIDOR_BASE_URL}/credentials/"
    problems: list[vcdm.Problem] = []
    elsewhere: list[str] = []
    for index, item in enumerate(related if isinstance(related, list) else [related]):
        field, url = f"credential.relatedResource[{index}]", item["id"]
        if not url.startswith(prefix):
            elsewhere.append(url)
            continue
        pk = _local_pk(url, prefix)
        held = (lookups or Lookups()).held_document(pk) if pk else None
        if held is None:
            problems.append(
                (f"{field}.id", Text(gettext_noop("%(url)s: no such credential here (a step was removed?)"), url=url))
            )
            continue
        try:
            found = digests.matches(
                held, digest_sri=item.get("digestSRI"), digest_multibase=item.get("digestMultibase")
            )
        except digests.DigestError as exc:
            problems.append((f"{field}.digestMultibase", Text("%(url)s: %(error)s", url=url, error=said(exc))))
            continue
        problems.extend(
            (
                f"{field}.{name}",
                Text(
                    gettext_noop("%(url)s: its %(name)s differs from the credential held here (it was altered?)"),
                    url=url,
                    name=name,
                ),
            )
            for name, matched in found.items()
            if not matched
        )
    return problems, elsewhere


def _check_chain(document: Mapping[str, Any], outcome: Outcome, lookups: Lookups | None = None) -> None:
    """Each ``relatedResource`` well formed, and the digest of each this deployment holds matching it."""
    if "relatedResource" not in document:
        return
    problems = vcdm.related_resource_problems(document)
    if not problems:
        problems, elsewhere = held_resource_problems(document, lookups)
        outcome.warnings.extend(
            {"check": "chain digests", "detail": Text(gettext_noop("%(url)s is not held here"), url=url)}
            for url in elsewhere
        )
    outcome.add("chain digests", not problems, joined([detail for _, detail in problems], "; "))


def credential_verify(
    document: Any,
    *,
    now: datetime | None = None,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    lookups: Lookups | None = None,
) -> Outcome:
    """Verify one credential; never raises for bad input.

    ``expected_purpose``, ``challenge`` and ``domain`` are the VC API's verify options: a proof made for
    another purpose, challenge or domain fails. ``lookups`` shares database reads between the
    credentials of one batch (:func:`credentials_verify`).
    """
    outcome = Outcome()
    if not isinstance(document, Mapping):
        outcome.add("structure", False, Text(gettext_noop("a credential is a JSON object")))
        return outcome
    _check_proof(
        document,
        outcome,
        purpose=expected_purpose,
        challenge=challenge,
        domain=domain,
        controller=_issuer_id(document),
        lookups=lookups,
    )
    if outcome.errors:
        return outcome
    _check_claims(document, outcome, now or datetime.now(UTC), lookups)
    return outcome


def credentials_verify(
    documents: Sequence[Any], *, now: datetime | None = None, held: Mapping[uuid.UUID, bytes] | None = None
) -> list[Outcome]:
    """Verify many credentials (a consignment's chain) as :func:`credential_verify` does each, with a
    fixed number of queries whatever their number: issuers' keys, status lists and related credentials
    are read once for all of them (:class:`Lookups`); ``held`` as :meth:`Lookups.for_documents` takes it."""
    lookups = Lookups.for_documents(documents, held=held)
    return [credential_verify(document, now=now, lookups=lookups) for document in documents]


def chain_entries_verify(entries: Sequence[Any], *, now: datetime | None = None) -> list[Outcome]:
    """:func:`credentials_verify` of a consignment's chain entries, their credentials loaded with them: the
    previous steps each names are the chain's own, so their held documents are the ones just read."""
    held = {entry.credential_id: bytes(entry.credential.document) for entry in entries}
    documents = [json.loads(held[entry.credential_id]) for entry in entries]
    return credentials_verify(documents, now=now, held=held)


def _check_claims(document: Mapping[str, Any], outcome: Outcome, now: datetime, lookups: Lookups | None = None) -> None:
    """What follows a verified proof: validity period, status, chain digests."""
    _check_validity(document, outcome, now)
    _check_status(document, outcome, lookups)
    _check_chain(document, outcome, lookups)


def _self_asserted_verify(document: Mapping[str, Any], holder: str | None, lookups: Lookups | None = None) -> Outcome:
    """A credential with no proof of its own, secured by the signed presentation that carries it.

    VC DM 2.0 §4.13 (self-asserted claims): the presentation's proof, which is the holder's, secures
    it only when the holder is its issuer.
    """
    outcome = Outcome()
    issuer = _issuer_id(document)
    if holder is None or issuer != holder:
        outcome.add(
            "holder",
            False,
            Text(
                gettext_noop(
                    "the credential has no proof of its own, so only the presentation's proof secures it: its issuer "
                    "%(issuer)s must be the presentation's holder, not %(holder)s"
                ),
                issuer=issuer,
                holder=holder,
            )
            if holder
            else Text(
                gettext_noop(
                    "the credential has no proof of its own, so only the presentation's proof secures it: its issuer "
                    "%(issuer)s must be the presentation's holder, and it has none"
                ),
                issuer=issuer,
            ),
        )
        return outcome
    outcome.add("holder", True)
    _check_claims(document, outcome, datetime.now(UTC), lookups)
    return outcome


def presentation_verify(
    document: Any, *, challenge: str | None = None, domain: str | None = None, allow_unsigned: bool = False
) -> Outcome:
    """Verify a presentation: its holder's proof and every credential in it.

    An unsigned presentation passes only with ``allow_unsigned`` (the VC API option
    ``unsignedPresentation``, as Digital Bazaar's verifier names it) and never when a challenge or
    domain is asked for: without a proof nothing binds the credentials to the one presenting them.
    A credential with a proof of its own is verified on its own, whoever presents it; one without is
    secured by the signed presentation's proof alone, and then its issuer must be the holder.
    """
    outcome = Outcome()
    if not isinstance(document, Mapping):
        outcome.add("structure", False, Text(gettext_noop("a presentation is a JSON object")))
        return outcome
    holder = _issuer_id({"issuer": document.get("holder")})
    if "holder" in document and not vcdm.is_url_like(holder):
        outcome.add(
            "structure",
            False,
            Text(gettext_noop("holder must be a URL or an object whose id is a URL (VC DM 2.0 §4.13)")),
        )
    if document.get("proof") is not None:
        _check_proof(
            document,
            outcome,
            purpose="authentication",
            challenge=challenge,
            domain=domain,
            controller=holder,
        )
    elif challenge or domain:
        outcome.add(
            "proof", False, Text(gettext_noop("a challenge or domain was given but the presentation is not signed"))
        )
    elif not allow_unsigned:
        outcome.add(
            "proof",
            False,
            Text(gettext_noop("the presentation is not signed (options.unsignedPresentation would allow it)")),
        )
    credentials = document.get("verifiableCredential") or []
    credentials = credentials if isinstance(credentials, list) else [credentials]
    lookups = Lookups.for_documents(credentials)
    for index, credential in enumerate(credentials):
        if document.get("proof") is not None and isinstance(credential, Mapping) and credential.get("proof") is None:
            inner = _self_asserted_verify(credential, holder, lookups)
        else:
            inner = credential_verify(credential, lookups=lookups)
        for check in inner.checks:
            outcome.add(f"credential {index}: {check['check']}", check["passed"], check.get("detail", ""))
        outcome.warnings.extend({**w, "credential": index} for w in inner.warnings)
    _check_presented_chain(credentials, outcome)
    if not credentials and document.get("proof") is None:
        outcome.add("structure", False, Text(gettext_noop("the presentation holds no credential and no proof")))
    return outcome


def _step_consignments(credential: Any) -> set[str]:
    """The consignments a step credential belongs to (empty for any other credential)."""
    types = credential.get("type") if isinstance(credential, Mapping) else None
    if not isinstance(types, list | str) or "StepCredential" not in ([types] if isinstance(types, str) else types):
        return set()
    subject = credential.get("credentialSubject")
    consignments = subject.get("consignment") if isinstance(subject, Mapping) else None
    return {c["id"] for c in consignments or [] if isinstance(c, Mapping) and isinstance(c.get("id"), str)}


def _check_presented_chain(credentials: list[Any], outcome: Outcome) -> None:
    """The step credentials of each consignment, in the order presented, must be consecutive in its chain.

    Each names the one before it in ``relatedResource`` with the digest of that credential as served
    (compact JSON), so a step removed from between two others, or steps put in another order, show.
    """
    problems: dict[tuple[int, int], Text] = {}
    last: dict[str, tuple[int, Mapping[str, Any]]] = {}
    compared = False
    for index, credential in enumerate(credentials):
        for consignment in sorted(_step_consignments(credential)):
            if consignment in last:
                compared = True
                before_index, before = last[consignment]
                expected = {"id": before.get("id"), "digestMultibase": digest_multibase(serialize(dict(before)))}
                related = credential.get("relatedResource")
                related = related if isinstance(related, list) else [related]
                if not any(
                    isinstance(item, Mapping) and {k: item.get(k) for k in expected} == expected for item in related
                ):
                    problems[(before_index, index)] = Text(
                        gettext_noop(
                            "credential %(index)s does not name credential %(before)s as its previous step "
                            "(a step was removed, reordered or altered)"
                        ),
                        index=CredentialIndex(index),
                        before=CredentialIndex(before_index),
                    )
            last[consignment] = (index, credential)
    if compared:
        outcome.add("chain digests", not problems, joined(list(problems.values()), "; "))


def check_label(check: Mapping[str, Any] | str) -> str:
    """A check (or a warning) by name in the reader's language: "credential 1: proof" is "Credential 2: Proof
    (signature)", counting credentials from 1 as a page lists them; a name not known here stays as it is."""
    name = str(check.get("check", "")) if isinstance(check, Mapping) else check
    index: int | None = check.get("credential") if isinstance(check, Mapping) else None
    if match := _OF_CREDENTIAL.fullmatch(name):
        index, name = int(match[1]), match[2]
    label = str(CHECK_LABELS.get(name, name))
    if index is None:
        return label
    return gettext("Credential %(number)s: %(check)s") % {"number": index + 1, "check": label}


def check_detail(check: Mapping[str, Any]) -> str:
    """A check's (or a warning's) detail in the reader's language; credentials it names count from 1, as
    :func:`check_label` counts them (the API's English counts from 0)."""
    detail = check.get("detail", "") if isinstance(check, Mapping) else ""
    if isinstance(detail, Text):
        detail = detail.mapped(lambda value: value + 1 if isinstance(value, CredentialIndex) else value)
    return words.render(detail, gettext)


def parse_json(raw: bytes | str) -> Any:
    """The document in ``raw``, or None when it is not JSON (or nests deeper than any credential does)."""
    try:
        return json_loads(raw)
    except JsonInputError:
        return None
