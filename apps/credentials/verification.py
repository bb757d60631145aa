"""Verifying credentials and presentations, naming every check (DESIGN §5).

Checks, in order: structure, contexts (allow-list), proof (canonicalize, hash, Ed25519), issuer key
(the proof's key belongs to the issuer's DID and is authorised for assertions), validity period,
status (each status list entry, against the issuer's signed list), chain digests (each
``relatedResource`` this deployment holds matches its digest). Nothing is fetched from the network:
status lists and chain links of other deployments are reported as warnings, not guessed at.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from apps.credentials import dataintegrity, dids, digests, multikey, status_list, vcdm
from apps.credentials.models import Credential, PartnerKey, StatusList
from apps.credentials.selectors import did_resolver
from apps.credentials.services.identifiers import digest_multibase, partner_did_web, serialize


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
            problems.append(str(exc))
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
    return f"no proof is by {controller}; the proofs are by {', '.join(sorted(s or '?' for s in signers))}"


def _check_proof(
    document: Any,
    outcome: Outcome,
    *,
    purpose: str | None,
    challenge: str | None = None,
    domain: str | None = None,
    controller: str | None = None,
) -> None:
    """Structure, contexts, issuer key and proof, named as :mod:`dataintegrity` names them.

    Every proof must verify, each with its own signer's key; at least one must be ``controller``'s
    (the credential's issuer, the presentation's holder).
    """
    key_problems: list[str] = []
    resolve = _key_resolver(did_resolver(), purpose or "assertionMethod", key_problems)
    result = dataintegrity.verify(
        document, resolve_key=resolve, expected_purpose=purpose, challenge=challenge, domain=domain
    )
    names = {check.name for check in result.checks}
    for name in ("structure", "contexts"):
        if name in names:
            failed = [check for check in result.checks if check.name == name and not check.passed]
            outcome.add(name, not failed, failed[0].reason if failed else "")
    proof_checks = [check for check in result.checks if check.name not in ("structure", "contexts")]
    if not proof_checks:
        if result.verified is False and not outcome.errors:
            outcome.add("proof", False, "no verifiable proof")
        return
    # The key is resolved while the proof is verified; its check is reported before the proof's.
    key_failed = any(not check.passed for check in proof_checks if check.name == "key")
    reason = "; ".join(key_problems) or (
        "the proof's verification method could not be resolved" if key_failed else _signer_problem(result, controller)
    )
    outcome.add("issuer key", not reason, reason)
    failed = [check for check in proof_checks if not check.passed and check.name != "key"]
    outcome.add("proof", not failed and result.verified, "; ".join(f"{c.name}: {c.reason}" for c in failed))


def _check_validity(document: Mapping[str, Any], outcome: Outcome, now: datetime) -> None:
    """VC 2.0's validFrom/validUntil, or VC 1.1's issuanceDate/expirationDate, as each model says."""
    problems = vcdm.validity_problems(document, now)
    outcome.add("validity period", not problems, "; ".join(problems))


def _local_pk(url: str, prefix: str) -> uuid.UUID | None:
    """The id in one of this deployment's URLs, or None if what follows the prefix is not one."""
    try:
        return uuid.UUID(url.removeprefix(prefix))
    except ValueError:
        return None


def _check_status(document: Mapping[str, Any], outcome: Outcome) -> None:
    entries = document.get("credentialStatus")
    if entries is None:
        return
    entries = entries if isinstance(entries, list) else [entries]
    problems = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            problems.append("a status entry is not an object")
            continue
        if entry.get("type") != "BitstringStatusListEntry":
            # A status scheme this verifier does not implement is reported, like a list held elsewhere.
            outcome.warnings.append(
                {"check": "status", "detail": f"status entry of type {entry.get('type')!r} is not checked here"}
            )
            continue
        try:
            # A malformed entry fails wherever its list is held (MALFORMED_VALUE_ERROR, §3.5).
            status_list.entry_check(entry)
        except status_list.MalformedStatusList as exc:
            problems.append(str(exc))
            continue
        url = str(entry.get("statusListCredential", ""))
        prefix = f"{settings.CORRIDOR_BASE_URL}/credentials/status/"
        if url.startswith(prefix):
            pk = _local_pk(url, prefix)
            lst = StatusList.objects.select_related("issuer").filter(pk=pk).first() if pk else None
            if lst is None:
                # This deployment would hold it: a list it does not have cannot vouch for the credential.
                problems.append(f"status list {url} does not exist")
                continue
        else:
            outcome.warnings.append(
                {
                    "check": "status",
                    "detail": f"status list {entry.get('statusListCredential')} "
                    "is not held here; not checked (nothing is fetched)",
                }
            )
            continue
        if not _issued_by(lst.issuer, document):
            problems.append(f"status list {url} belongs to another issuer than the credential's")
            continue
        try:
            # Our own list: read its bits from the database (signing it again would only cost time).
            held = status_list.status_list_credential(
                list_url=url,
                issuer=str(document.get("issuer")),
                purpose=lst.purpose,
                bits=status_list.Bitstring.from_bytes(bytes(lst.bits)),
                valid_from=lst.updated_at,
            )
            if status_list.status_of(entry, held):
                problems.append(
                    f"{entry.get('statusPurpose')} bit is set: the credential is {entry.get('statusPurpose')}".replace(
                        "revocation bit is set: the credential is revocation", "revoked"
                    ).replace("suspension bit is set: the credential is suspension", "suspended")
                )
        except status_list.StatusListError as exc:
            problems.append(str(exc))
    outcome.add("status", not problems, "; ".join(problems))


def _issued_by(partner: Any, document: Mapping[str, Any]) -> bool:
    """Whether the credential's issuer DID is this partner's (its did:web, or a did:key of its keys)."""
    issuer = _issuer_id(document) or ""
    if issuer == partner_did_web(partner):
        return True
    if issuer.startswith("did:key:"):
        return PartnerKey.objects.filter(partner=partner, public_key_multibase=issuer.removeprefix("did:key:")).exists()
    return False


def held_resource_problems(document: Mapping[str, Any]) -> tuple[list[vcdm.Problem], list[str]]:
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
        held = Credential.objects.filter(pk=pk).only("document").first() if pk else None
        if held is None:
            problems.append((f"{field}.id", f"{url}: no such credential here (a step was removed?)"))
            continue
        try:
            found = digests.matches(
                bytes(held.document), digest_sri=item.get("digestSRI"), digest_multibase=item.get("digestMultibase")
            )
        except digests.DigestError as exc:
            problems.append((f"{field}.digestMultibase", f"{url}: {exc}"))
            continue
        problems.extend(
            (f"{field}.{name}", f"{url}: its {name} differs from the credential held here (it was altered?)")
            for name, matched in found.items()
            if not matched
        )
    return problems, elsewhere


def _check_chain(document: Mapping[str, Any], outcome: Outcome) -> None:
    """Each ``relatedResource`` well formed, and the digest of each this deployment holds matching it."""
    if "relatedResource" not in document:
        return
    problems = vcdm.related_resource_problems(document)
    if not problems:
        problems, elsewhere = held_resource_problems(document)
        outcome.warnings.extend({"check": "chain digests", "detail": f"{url} is not held here"} for url in elsewhere)
    outcome.add("chain digests", not problems, "; ".join(detail for _, detail in problems))


def credential_verify(
    document: Any,
    *,
    now: datetime | None = None,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> Outcome:
    """Verify one credential; never raises for bad input.

    ``expected_purpose``, ``challenge`` and ``domain`` are the VC API's verify options: a proof made for
    another purpose, challenge or domain fails.
    """
    outcome = Outcome()
    if not isinstance(document, Mapping):
        outcome.add("structure", False, "a credential is a JSON object")
        return outcome
    _check_proof(
        document,
        outcome,
        purpose=expected_purpose,
        challenge=challenge,
        domain=domain,
        controller=_issuer_id(document),
    )
    if outcome.errors:
        return outcome
    _check_claims(document, outcome, now or datetime.now(UTC))
    return outcome


def _check_claims(document: Mapping[str, Any], outcome: Outcome, now: datetime) -> None:
    """What follows a verified proof: validity period, status, chain digests."""
    _check_validity(document, outcome, now)
    _check_status(document, outcome)
    _check_chain(document, outcome)


def _self_asserted_verify(document: Mapping[str, Any], holder: str | None) -> Outcome:
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
            f"the credential has no proof of its own, so only the presentation's proof secures it: its issuer "
            f"{issuer} must be the presentation's holder" + (f", not {holder}" if holder else ", and it has none"),
        )
        return outcome
    outcome.add("holder", True)
    _check_claims(document, outcome, datetime.now(UTC))
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
        outcome.add("structure", False, "a presentation is a JSON object")
        return outcome
    holder = _issuer_id({"issuer": document.get("holder")})
    if "holder" in document and not vcdm.is_url_like(holder):
        outcome.add("structure", False, "holder must be a URL or an object whose id is a URL (VC DM 2.0 §4.13)")
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
        outcome.add("proof", False, "a challenge or domain was given but the presentation is not signed")
    elif not allow_unsigned:
        outcome.add("proof", False, "the presentation is not signed (options.unsignedPresentation would allow it)")
    credentials = document.get("verifiableCredential") or []
    credentials = credentials if isinstance(credentials, list) else [credentials]
    for index, credential in enumerate(credentials):
        if document.get("proof") is not None and isinstance(credential, Mapping) and credential.get("proof") is None:
            inner = _self_asserted_verify(credential, holder)
        else:
            inner = credential_verify(credential)
        for check in inner.checks:
            outcome.add(f"credential {index}: {check['check']}", check["passed"], check.get("detail", ""))
        outcome.warnings.extend({**w, "credential": index} for w in inner.warnings)
    _check_presented_chain(credentials, outcome)
    if not credentials and document.get("proof") is None:
        outcome.add("structure", False, "the presentation holds no credential and no proof")
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
    problems: dict[tuple[int, int], str] = {}
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
                    problems[(before_index, index)] = (
                        f"credential {index} does not name credential {before_index} as its previous step "
                        "(a step was removed, reordered or altered)"
                    )
            last[consignment] = (index, credential)
    if compared:
        outcome.add("chain digests", not problems, "; ".join(problems.values()))


def parse_json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
