"""Data Integrity proofs with the EdDSA cryptosuites: sign and verify, sets and chains.

Follows W3C Data Integrity 1.0 and Data Integrity EdDSA Cryptosuites 1.0 exactly, because the
official vectors and an independent implementation must agree with us byte for byte. For
``eddsa-rdfc-2022`` (the default):

- proof configuration = the proof options (no ``proofValue``) with the document's ``@context``;
- canonicalize the configuration and the document with RDFC-1.0, SHA-256 each;
- ``hashData`` = proofConfigHash ‖ documentHash (configuration FIRST), Ed25519-signed;
- ``proofValue`` = ``z`` + base58btc(signature).

``eddsa-jcs-2022`` differs only in the canonicalization (RFC 8785 JSON, :mod:`apps.credentials.jcs`)
and in its proof carrying the document's ``@context``, which verification then puts in place of the
document's own (the document's may only extend it). A proof set or chain may mix the two.

A document that already carries proofs gets a proof set; ``previous_proof`` makes a chain, and the
proofs it names are signed along with the document (Add Proof Set/Chain). Verification reports each
check by name (``structure``, ``contexts``, ``proof``, ``expires``, ``purpose``, ``challenge``, ``domain``,
``previousProof``, ``key``, ``canonicalization``, ``signature``) with the reason it failed, and never
raises for a bad document: a hostile one fails ``structure`` or ``canonicalization`` within the
limits of :mod:`apps.credentials.rdfc`.

The canonical hash of a proof configuration is cached (DESIGN §9: never canonicalize the same proof
configuration twice); within one verification the document is canonicalized once per distinct input
(once for a whole proof set). Signing canonicalizes through the template fast path of
:mod:`apps.credentials.canonical_templates` (pyld's bytes, from a template of the document's shape);
verification through pyld. Pure module: no Django imports.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from apps.core.words import Quoted, Text, gettext_noop
from apps.credentials import jcs
from apps.credentials.jsonld import (
    CREDENTIALS_V1,
    CREDENTIALS_V2,
    ContextRegistry,
    DataLossDetected,
    InvalidJsonLd,
    UnknownContext,
    bundled_registry,
)
from apps.credentials.multikey import MultikeyError, decode_multibase, encode_multibase
from apps.credentials.rdfc import DEFAULT_LIMITS, BoundedWorkExceeded, Limits, check_json_shape

__all__ = [
    "CRYPTOSUITE",
    "CRYPTOSUITES",
    "MAX_PROOFS",
    "PROOF_TYPE",
    "Check",
    "KeyResolver",
    "Prepared",
    "ProofGenerationError",
    "ProofResult",
    "VerificationResult",
    "hash_data",
    "prepare",
    "sign",
    "sign_prepared",
    "verify",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
CRYPTOSUITES = (CRYPTOSUITE, jcs.CRYPTOSUITE)
PROOF_TYPE = "DataIntegrityProof"
SIGNATURE_LENGTH = 64
# Each proof of a chain canonicalizes the document with the proofs it names, so the number of proofs
# multiplies the work; real proof sets have one to three.
MAX_PROOFS = 8

# xsd:dateTimeStamp: a date-time with a time zone, as Data Integrity requires for ``created``.
_DATE_TIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
# xsd:dateTime: the time zone is optional (Data Integrity's ``expires`` without one is read as UTC).
_DATE_TIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
_CANONICALIZATION_ERRORS = (UnknownContext, DataLossDetected, InvalidJsonLd, BoundedWorkExceeded, jcs.JcsError)
_VC_TYPES = frozenset({"VerifiableCredential", "VerifiablePresentation"})

KeyResolver = Callable[[str], Ed25519PublicKey | None]


class ProofGenerationError(ValueError):
    """A proof cannot be created from these inputs (Data Integrity ``PROOF_GENERATION_ERROR``)."""


@dataclass(frozen=True)
class Check:
    """One named verification check; ``proof`` is the proof's index, None for the whole document."""

    name: str
    passed: bool
    reason: str = ""
    proof: int | None = None


@dataclass(frozen=True)
class ProofResult:
    """The outcome for one proof of the document (a proof set has several)."""

    index: int
    id: str | None
    verification_method: str | None
    verified: bool
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class VerificationResult:
    """Verified only if every document check passed and every proof (and its chain) verified."""

    verified: bool
    checks: tuple[Check, ...]
    proofs: tuple[ProofResult, ...] = field(default=())

    @property
    def errors(self) -> tuple[Check, ...]:
        """The failed checks, in the order they were made."""
        return tuple(check for check in self.checks if not check.passed)

    def failed(self, name: str) -> bool:
        """True if a check of this name failed (for any proof)."""
        return any(check.name == name and not check.passed for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for an API answer or a log line."""
        return {
            "verified": self.verified,
            "checks": [
                {"check": c.name, "passed": c.passed, "reason": c.reason, "proof": c.proof} for c in self.checks
            ],
        }


def _xml_date_time(value: datetime | str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ProofGenerationError("created must be timezone-aware")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not isinstance(value, str) or not _DATE_TIME_STAMP.match(value):
        raise ProofGenerationError(f"created must be an XML Schema dateTimeStamp, got {value!r}")
    return value


def _proofs(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@functools.lru_cache(maxsize=4096)
def _proof_config_hash(registry: ContextRegistry, config_json: str, limits: Limits, fast: bool = False) -> bytes:
    """SHA-256 of a canonical proof configuration, keyed by its JSON (identical configs hash once).

    Signing passes ``fast`` (the configurations of one issuer differ only in ``created``, so they
    share a template); verification does not.
    """
    return _sha256(registry.canonicalize(json.loads(config_json), limits=limits, fast=fast))


def hash_data(
    proof_config: dict[str, Any],
    document: dict[str, Any],
    *,
    registry: ContextRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """``proofConfigHash ‖ documentHash``: the 64 bytes that eddsa-rdfc-2022 signs.

    ``proof_config`` must carry its ``@context``; ``document`` is the unsecured document (with the
    previous proofs of a chain, if any). Raises the :mod:`apps.credentials.jsonld` errors.
    """
    registry = registry or bundled_registry()
    config_json = json.dumps(proof_config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    config_hash = _proof_config_hash(registry, config_json, limits, fast=True)
    return config_hash + _sha256(registry.canonicalize(document, limits=limits, fast=True))


def sign(
    document: dict[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    cryptosuite: str = CRYPTOSUITE,
    registry: ContextRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """A copy of ``document`` with a new ``DataIntegrityProof`` of ``cryptosuite`` added.

    If the document already has proofs the result is a proof set (``proof`` becomes a list);
    ``previous_proof`` names proofs (by ``id``) the new one chains to, and they are signed with it.
    ``created`` is an aware datetime (written in UTC to the second) or an XML dateTimeStamp string.
    Raises :class:`ProofGenerationError`, a JSON-LD error if an eddsa-rdfc-2022 document would not
    sign losslessly, or :class:`apps.credentials.jcs.JcsError` if eddsa-jcs-2022 cannot write it.
    """
    if not isinstance(document, dict) or "@context" not in document:
        raise ProofGenerationError("the document must be a JSON object with an @context")
    if cryptosuite not in CRYPTOSUITES:
        raise ProofGenerationError(f"cryptosuite must be one of {', '.join(CRYPTOSUITES)}, not {cryptosuite!r}")
    existing = _proofs(document.get("proof"))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options: dict[str, Any] = {"type": PROOF_TYPE}
    if proof_id is not None:
        options["id"] = proof_id
    options.update(
        cryptosuite=cryptosuite,
        created=_xml_date_time(created),
        verificationMethod=verification_method,
        proofPurpose=proof_purpose,
    )
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    input_document = unsecured
    if previous_proof is not None:
        options["previousProof"] = previous_proof
        wanted = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
        by_id = {proof.get("id"): proof for proof in existing if isinstance(proof, dict)}
        missing = [proof_ref for proof_ref in wanted if proof_ref not in by_id]
        if missing:
            raise ProofGenerationError(f"previousProof names proofs the document does not have: {missing}")
        input_document = {**unsecured, "proof": [by_id[proof_ref] for proof_ref in wanted]}
    if cryptosuite == jcs.CRYPTOSUITE:
        # The proof itself carries the document's @context, so the configuration signed is the proof.
        options["@context"] = unsecured["@context"]
        data = jcs.hash_data(options, input_document)
    else:
        data = hash_data(
            {**options, "@context": unsecured["@context"]}, input_document, registry=registry, limits=limits
        )
    proof = {**options, "proofValue": encode_multibase(private_key.sign(data))}
    return {**unsecured, "proof": [*existing, proof] if existing else proof}


@dataclass(frozen=True)
class Prepared:
    """An unsecured document canonicalized ahead of signing (see :func:`prepare`)."""

    document: dict[str, Any]
    canonical: str


def prepare(
    document: dict[str, Any], *, registry: ContextRegistry | None = None, limits: Limits = DEFAULT_LIMITS
) -> Prepared:
    """Canonicalize a document without proofs now, to sign it later with :func:`sign_prepared`.

    Issuance does this expensive part before it takes any lock; what is only known under the lock
    (status list slots, the chain's previous credential) is added by :func:`sign_prepared`.
    """
    if not isinstance(document, dict) or "@context" not in document or "proof" in document:
        raise ProofGenerationError("only a JSON object with an @context and no proof can be prepared")
    if not isinstance(document.get("id"), str):
        raise ProofGenerationError("a prepared document needs an id, for the properties added at signing")
    return Prepared(document, (registry or bundled_registry()).canonicalize(document, limits=limits, fast=True))


def sign_prepared(
    prepared: Prepared,
    *,
    additions: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str,
    registry: ContextRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Exactly ``sign({**prepared.document, **additions}, ...)``, reusing the prepared canonical form.

    The additions are canonicalized on their own, as a document with the same ``@context``, ``id``
    and ``type`` (so their terms expand the same way), and their N-Quads are merged with the
    prepared ones. That is the canonical form of the whole as long as the additions bring no blank
    node (RDFC-1.0 labels blank nodes by the quads that mention them, and these mention none): so
    every value must be a node with an absolute IRI ``id``. If the additions have a blank node the
    whole document is canonicalized instead. A property test compares this with :func:`sign`.
    """
    registry = registry or bundled_registry()
    document = prepared.document
    if any(key.startswith("@") or key in document or key in ("id", "type", "proof") for key in additions):
        raise ProofGenerationError(f"additions must be new, plain properties: {sorted(additions)}")
    unsecured = {**document, **additions}
    canonical = _canonical_with(registry, prepared, additions, limits) if additions else prepared.canonical
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _xml_date_time(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    config = {**options, "@context": document["@context"]}
    config_json = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signature = private_key.sign(_proof_config_hash(registry, config_json, limits, fast=True) + _sha256(canonical))
    return {**unsecured, "proof": {**options, "proofValue": encode_multibase(signature)}}


def _canonical_with(registry: ContextRegistry, prepared: Prepared, additions: dict[str, Any], limits: Limits) -> str:
    """The canonical form of the prepared document with ``additions`` (see :func:`sign_prepared`)."""
    document = prepared.document
    probe = {"@context": document["@context"], "id": document["id"], **additions}
    if "type" in document:
        probe["type"] = document["type"]
    added = registry.canonicalize(probe, limits=limits, fast=True)
    if "_:" in added:
        return registry.canonicalize({**document, **additions}, limits=limits, fast=True)
    lines = _nquad_lines(prepared.canonical)
    known = set(lines)
    lines.extend(line for line in _nquad_lines(added) if line not in known)
    lines.sort()
    return "".join(lines)


def _nquad_lines(nquads: str) -> list[str]:
    """The statements of N-Quads text, each with its newline (only "\\n" ends one: a literal may hold
    other line-breaking characters, which ``str.splitlines`` would split on)."""
    return [f"{line}\n" for line in nquads.split("\n")[:-1]]


def _context_entries(document: Any) -> Iterator[Any]:
    """Every entry of every ``@context`` in the document, at any depth."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    yield from value if isinstance(value, list) else [value]
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _structure_problems(document: Any, limits: Limits, max_proofs: int) -> Iterator[str]:
    """What keeps the document from being a secured document; lazily, like :func:`_proof_problems`."""
    if not isinstance(document, dict):
        yield Text(gettext_noop("a secured document is a JSON object"))
        return
    try:
        check_json_shape(document, limits)
    except BoundedWorkExceeded as error:
        yield Text(gettext_noop("refused before processing (%(limit)s): %(error)s"), limit=error.limit, error=error)
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if context is None or not contexts:
        yield Text(gettext_noop("@context is missing"))
    declared = document.get("type", [])
    types = {item for item in (declared if isinstance(declared, list) else [declared]) if isinstance(item, str)}
    if types & _VC_TYPES and contexts[0] not in (CREDENTIALS_V2, CREDENTIALS_V1):
        yield Text(
            gettext_noop(
                "the first @context of a verifiable credential or presentation must be %(v2)s (or %(v1)s for VC 1.1)"
            ),
            v2=CREDENTIALS_V2,
            v1=CREDENTIALS_V1,
        )
    proofs = _proofs(document.get("proof"))
    if not proofs:
        yield Text(gettext_noop("no proof"))
    if len(proofs) > max_proofs:
        yield Text(
            gettext_noop("%(count)s proofs, more than the %(most)s accepted"), count=len(proofs), most=max_proofs
        )


def _check_structure(document: Any, limits: Limits, max_proofs: int) -> str:
    """Why the document cannot be a secured document, or "" if its shape is acceptable."""
    return next(_structure_problems(document, limits, max_proofs), "")


def _check_contexts(document: dict[str, Any], allowed: Collection[str]) -> str:
    """Every context URL must be allow-listed; inline context objects are processed where they stand
    (VC 2.0 allows them; the base contexts are ``@protected``, so they cannot redefine signed terms, and
    any URL they import still goes through the bundled-only loader)."""
    for entry in _context_entries(document):
        if isinstance(entry, dict):
            continue
        if not isinstance(entry, str):
            return Text(
                gettext_noop("@context entry %(entry)s is neither a URL nor a context object"), entry=repr(entry)
            )
        if entry not in allowed:
            return Text(gettext_noop("@context %(entry)s is not on the allow-list"), entry=repr(entry))
    return ""


def _proof_problems(proof: dict[str, Any], document_context: list[Any]) -> Iterator[str]:
    """What is wrong with a proof's shape, lazily: the caller takes the first, so later checks may
    rely on earlier ones having passed (``proofValue`` is only decoded once it is a string)."""
    if proof.get("type") != PROOF_TYPE:
        yield Text(
            gettext_noop("proof type must be %(expected)s, got %(found)s"),
            expected=PROOF_TYPE,
            found=repr(proof.get("type")),
        )
    if proof.get("cryptosuite") not in CRYPTOSUITES:
        yield Text(
            gettext_noop("cryptosuite must be %(expected)s, got %(found)s"),
            expected=" or ".join(CRYPTOSUITES),
            found=repr(proof.get("cryptosuite")),
        )
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            yield Text(gettext_noop("proof %(name)s is missing or not a string"), name=name)
    created = proof.get("created")
    if created is not None and (not isinstance(created, str) or not _DATE_TIME_STAMP.match(created)):
        yield Text(gettext_noop("proof created %(value)s is not an XML Schema dateTimeStamp"), value=repr(created))
    expires = proof.get("expires")
    if expires is not None and (not isinstance(expires, str) or not _DATE_TIME.match(expires)):
        yield Text(gettext_noop("proof expires %(value)s is not an XML Schema dateTime"), value=repr(expires))
    try:
        signature = decode_multibase(proof["proofValue"])
    except MultikeyError as error:
        yield Text(gettext_noop("malformed proofValue: %(error)s"), error=error)
    else:
        if len(signature) != SIGNATURE_LENGTH:
            yield Text(
                gettext_noop("malformed proofValue: an Ed25519 signature is %(expected)s bytes, got %(found)s"),
                expected=SIGNATURE_LENGTH,
                found=len(signature),
            )
    if "@context" in proof:
        proof_context = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        if document_context[: len(proof_context)] != proof_context:
            yield Text(gettext_noop("the proof's @context must be a prefix of the document's @context"))


def _check_proof_shape(proof: Any, document_context: list[Any]) -> str:
    """Why a proof is malformed (Data Integrity ``MALFORMED_PROOF_ERROR``), or ""."""
    if not isinstance(proof, dict):
        return Text(gettext_noop("a proof is a JSON object"))
    return next(_proof_problems(proof, document_context), "")


def _matches(value: Any, expected: str) -> bool:
    return value == expected or (isinstance(value, list) and expected in value)


class _Verifier:
    """State for one verification: the document, its proofs, and what was canonicalized already."""

    def __init__(self, document: dict[str, Any], registry: ContextRegistry, limits: Limits) -> None:
        self.document = document
        self.registry = registry
        self.limits = limits
        self.proofs = _proofs(document["proof"])
        self.unsecured = {key: value for key, value in document.items() if key != "proof"}
        context = document["@context"]
        self.context = context if isinstance(context, list) else [context]
        self._document_hashes: dict[tuple, bytes] = {}
        ids = [proof.get("id") for proof in self.proofs if isinstance(proof, dict) and proof.get("id")]
        self.duplicate_ids = {proof_id for proof_id in ids if ids.count(proof_id) > 1}
        self.index_by_id = {
            proof.get("id"): index
            for index, proof in enumerate(self.proofs)
            if isinstance(proof, dict) and proof.get("id") and proof.get("id") not in self.duplicate_ids
        }

    def previous_indexes(self, proof: dict[str, Any]) -> tuple[list[int], str]:
        """Indexes of the proofs ``proof`` chains to, or a reason they cannot be found."""
        previous = proof.get("previousProof")
        if previous is None:
            return [], ""
        wanted = [previous] if isinstance(previous, str) else previous
        if not isinstance(wanted, list) or not all(isinstance(item, str) for item in wanted):
            return [], Text(gettext_noop("previousProof must be a string or a list of strings"))
        ambiguous = [item for item in wanted if item in self.duplicate_ids]
        if ambiguous:
            return [], Text(gettext_noop("previousProof %(ids)s matches more than one proof"), ids=ambiguous)
        missing = [item for item in wanted if item not in self.index_by_id]
        if missing:
            return [], Text(gettext_noop("previousProof names proofs the document does not have: %(ids)s"), ids=missing)
        return [self.index_by_id[item] for item in wanted], ""

    def document_hash(self, context: Any, previous: list[int], cryptosuite: str = CRYPTOSUITE) -> bytes:
        """SHA-256 of the canonical input document for a proof (cached per distinct input)."""
        key = (cryptosuite, json.dumps(context, sort_keys=True), tuple(previous))
        if key not in self._document_hashes:
            input_document = {**self.unsecured, "@context": context}
            if previous:
                input_document["proof"] = [self.proofs[index] for index in previous]
            if cryptosuite == jcs.CRYPTOSUITE:
                canonical = jcs.canonicalize(input_document)
            else:
                canonical = self.registry.canonicalize(input_document, limits=self.limits)
            self._document_hashes[key] = _sha256(canonical)
        return self._document_hashes[key]

    def verify_proof(
        self,
        index: int,
        *,
        resolve_key: KeyResolver,
        expected_purpose: str | None,
        challenge: str | None,
        domain: str | None,
    ) -> list[Check]:
        """The checks of Verify Proof for one proof, up to and including the first that fails."""
        checks: list[Check] = []
        steps = self._steps(
            self.proofs[index],
            resolve_key=resolve_key,
            expected_purpose=expected_purpose,
            challenge=challenge,
            domain=domain,
        )
        for name, reason in steps:
            checks.append(Check(name, not reason, reason, index))
            if reason:
                break  # later checks are moot; the generator stops here
        return checks

    def _steps(
        self,
        proof: Any,
        *,
        resolve_key: KeyResolver,
        expected_purpose: str | None,
        challenge: str | None,
        domain: str | None,
    ) -> Iterator[tuple[str, str]]:
        """(check name, reason or "") in order; each step runs only if every earlier one passed."""
        yield "proof", _check_proof_shape(proof, self.context)
        if "expires" in proof:
            yield "expires", _check_expires(proof["expires"])
        if expected_purpose is not None:
            purpose = proof["proofPurpose"]
            yield (
                "purpose",
                ""
                if purpose == expected_purpose
                else Text(
                    gettext_noop("proofPurpose is %(found)s, not %(expected)s"),
                    found=repr(purpose),
                    expected=repr(expected_purpose),
                ),
            )
        if challenge is not None:
            yield (
                "challenge",
                "" if proof.get("challenge") == challenge else Text(gettext_noop("challenge does not match")),
            )
        if domain is not None:
            yield "domain", "" if _matches(proof.get("domain"), domain) else Text(gettext_noop("domain does not match"))
        previous, reason = self.previous_indexes(proof)
        if "previousProof" in proof:
            yield "previousProof", reason
        key, reason = _resolve(resolve_key, proof["verificationMethod"])
        yield "key", reason
        config = {name: value for name, value in proof.items() if name != "proofValue"}
        try:
            if proof["cryptosuite"] == jcs.CRYPTOSUITE:
                # As written: the proof's @context (if it has one) replaces the document's, which extends it.
                context = proof.get("@context", self.document["@context"])
                data = jcs.proof_config_hash(config) + self.document_hash(context, previous, jcs.CRYPTOSUITE)
            else:
                context = proof.get("@context", self.context)
                context = context if isinstance(context, list) else [context]
                config["@context"] = context
                config_json = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                data = _proof_config_hash(self.registry, config_json, self.limits) + self.document_hash(
                    context, previous
                )
        except _CANONICALIZATION_ERRORS as error:
            # The canonicalizer's own message, as it wrote it, in a frame of ours.
            yield (
                "canonicalization",
                Quoted(
                    gettext_noop("the document could not be canonicalized: %(message)s"),
                    f"{type(error).__name__}: {error}",
                ),
            )
            return
        yield "canonicalization", ""
        try:
            key.verify(decode_multibase(proof["proofValue"]), data)
        except InvalidSignature:
            yield "signature", Text(gettext_noop("the Ed25519 signature does not match the document and proof options"))
        else:
            yield "signature", ""


def _check_expires(expires: str) -> str:
    """Why a proof has expired, or "" (a value without an offset is read as UTC, as Data Integrity says)."""
    zone = "" if re.search(r"(?:Z|[+-]\d{2}:\d{2})$", expires) else "+00:00"
    try:
        moment = datetime.fromisoformat(expires.replace("Z", "+00:00") + zone)
    except ValueError:
        return Text(gettext_noop("proof expires %(value)s is not a date-time"), value=repr(expires))
    return Text(gettext_noop("the proof expired at %(moment)s"), moment=expires) if moment <= datetime.now(UTC) else ""


def _resolve(resolve_key: KeyResolver, verification_method: str) -> tuple[Any, str]:
    try:
        key = resolve_key(verification_method)
    except Exception as error:  # any resolver failure means "no key", with its reason
        return None, Text(
            gettext_noop("verification method %(method)s did not resolve: %(error)s"),
            method=repr(verification_method),
            error=str(error),
        )
    if not isinstance(key, Ed25519PublicKey):
        return None, Text(
            gettext_noop("verification method %(method)s did not resolve to an Ed25519 key"),
            method=repr(verification_method),
        )
    return key, ""


def _chain_failures(verifier: _Verifier, own_ok: list[bool]) -> dict[int, str]:
    """Proofs whose chain (every previousProof up the chain) fails or cycles, with the reason."""
    failures: dict[int, str] = {}

    def walk(index: int, seen: tuple[int, ...]) -> str:
        proof = verifier.proofs[index]
        if not isinstance(proof, dict):
            return ""
        previous, reason = verifier.previous_indexes(proof)
        if reason:
            return reason
        for before in previous:
            if before in seen or before == index:
                return Text(gettext_noop("previousProof chain has a cycle"))
            if not own_ok[before]:
                return Text(gettext_noop("previous proof %(index)s did not verify"), index=before)
            reason = walk(before, (*seen, index))
            if reason:
                return reason
        return ""

    for index, proof in enumerate(verifier.proofs):
        if own_ok[index] and isinstance(proof, dict) and "previousProof" in proof:
            reason = walk(index, ())
            if reason:
                failures[index] = reason
    return failures


def verify(
    document: Any,
    *,
    resolve_key: KeyResolver,
    expected_purpose: str | None = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    allowed_contexts: Collection[str] | None = None,
    registry: ContextRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_proofs: int = MAX_PROOFS,
) -> VerificationResult:
    """Verify every proof (eddsa-rdfc-2022 or eddsa-jcs-2022) of a secured document; never raises for a bad one.

    ``resolve_key`` maps a verification method id to its Ed25519 public key (or None); it is where
    the caller decides which keys it trusts (e.g. :func:`apps.credentials.multikey.resolve_did_key`).
    ``allowed_contexts`` defaults to every context the registry bundles. ``challenge``/``domain``
    are checked when given; ``expected_purpose=None`` accepts any purpose. A document with more
    than ``max_proofs`` proofs fails ``structure`` (each chained proof costs a canonicalization).
    """
    registry = registry or bundled_registry()
    allowed = registry.urls if allowed_contexts is None else allowed_contexts
    reason = _check_structure(document, limits, max_proofs)
    checks = [Check("structure", not reason, reason)]
    if reason:
        return VerificationResult(False, tuple(checks))
    reason = _check_contexts(document, allowed)
    checks.append(Check("contexts", not reason, reason))
    if reason:
        return VerificationResult(False, tuple(checks))
    verifier = _Verifier(document, registry, limits)
    per_proof = [
        verifier.verify_proof(
            index, resolve_key=resolve_key, expected_purpose=expected_purpose, challenge=challenge, domain=domain
        )
        for index in range(len(verifier.proofs))
    ]
    own_ok = [all(check.passed for check in proof_checks) for proof_checks in per_proof]
    for index, reason in _chain_failures(verifier, own_ok).items():
        per_proof[index].append(Check("previousProof", False, reason, index))
    results = []
    for index, proof_checks in enumerate(per_proof):
        proof = verifier.proofs[index]
        proof = proof if isinstance(proof, dict) else {}
        results.append(
            ProofResult(
                index=index,
                id=proof.get("id"),
                verification_method=proof.get("verificationMethod"),
                verified=all(check.passed for check in proof_checks),
                checks=tuple(proof_checks),
            )
        )
        checks.extend(proof_checks)
    verified = all(result.verified for result in results)
    return VerificationResult(verified, tuple(checks), tuple(results))
