"""Decentralized identifiers: did:web for partners, did:key for verification, and a resolver that never fetches.

Pure helpers (no Django). The partners layer builds each partner's DID with :func:`did_web` and serves
:func:`did_document` at ``/partners/{slug}/did.json``; the verifier asks a :class:`DidResolver` for
the key behind a proof's ``verificationMethod``.

did:web, as its method specification (W3C CCG) fixes it:

- ``did:web:`` + a domain name, then optional path segments separated by colons; a port is allowed
  and its colon MUST be percent-encoded (``localhost%3A8000``); IP addresses MUST NOT be used.
- Read: replace ``:`` with ``/``, percent-decode the port's colon, prepend ``https://``, append
  ``/.well-known`` when there is no path, then ``/did.json``
  (``did:web:example.com%3A3000:user:alice`` -> ``https://example.com:3000/user/alice/did.json``).

Hosts are written in lower case and compared as written: DIDs are compared as strings (DID Core),
so ``Example.com`` and ``example.com`` would be two identities of one domain. :func:`did_web`
lower-cases what it is given; a did:web DID read from input with an upper-case host is refused.

Keys and their lifecycle in a partner's document (DESIGN §5):

- **current** key: listed under ``verificationMethod``, ``assertionMethod`` and ``authentication``;
- **rotated** key: still under ``verificationMethod`` and ``assertionMethod``, so the credentials it
  signed keep verifying, here and in any independent verifier; not under ``authentication``, since
  a retired key has no business proving control of the DID today;
- **revoked** (compromised) key: **omitted** from the document altogether. A verifier, ours or
  anyone's, then cannot find it and every credential it signed fails to verify, whatever date the
  credential claims (a thief can backdate). Marking it with the Multikey ``revoked`` property
  instead would leave the key dereferenceable and its meaning to each verifier's reading of a date;
  for documents of other deployments that do mark keys that way, the resolver refuses a marked key.

did:key (Ed25519 only): ``did:key:`` + the key's multibase (base58btc, multicodec ``0xed01``),
expanded to a one-key document as the did:key method does. The small multibase/multicodec decode
below is local; once ``apps.credentials.multikey`` exists it is the one to share.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import unquote

from apps.core.words import Text, gettext_noop

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DOCUMENT_CONTEXT = [DID_CONTEXT, MULTIKEY_CONTEXT]
MULTIKEY = "Multikey"
DEFAULT_DID_HOST = "localhost%3A8000"

RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")

_ED25519_PUB_HEADER = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint
_ED25519_KEY_BYTES = 32
_MAX_MULTIKEY_CHARS = 64  # an Ed25519 Multikey is 48 characters; bound hostile input before bigint work
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(_BASE58_ALPHABET)}

_DID = re.compile(r"did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]+")  # key fragments and the path segments we write
_ENCODED_COLON = re.compile("%3a", re.IGNORECASE)


class DidError(ValueError):
    """A DID or DID document cannot be used; the subclass says why."""


class InvalidDid(DidError):
    """Not a syntactically valid DID of a supported method, or breaks the did:web rules."""


class UnsupportedDidMethod(DidError):
    """A DID method Corridor does not resolve (only did:web and did:key are)."""


class DidNotFound(DidError):
    """A did:web of this deployment that names no partner."""


class DidNotAllowed(DidError):
    """A did:web of another deployment that is not on the configured allow-list."""


class InvalidDidDocument(DidError):
    """A DID document that does not describe the DID it was found for."""


class VerificationMethodRejected(DidError):
    """The key named by a proof is unknown, not the issuer's, or not allowed for the proof's purpose."""


class KeyState(StrEnum):
    """Where a partner key is in its life (``PartnerKey.state``)."""

    CURRENT = "current"
    ROTATED = "rotated"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One partner key as the DID document needs it: its fragment, public Multikey and state."""

    key_id: str
    public_key_multibase: str
    state: KeyState = KeyState.CURRENT


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """The key a proof points at, once resolved and checked: ready for Ed25519 verification."""

    id: str
    controller: str
    public_key_multibase: str
    public_key: bytes


class DidWeb(NamedTuple):
    """A parsed did:web: lower-case host name, port (``None``: the default) and path segments."""

    hostname: str
    port: int | None
    path: tuple[str, ...]

    @property
    def authority(self) -> str:
        """The host as the DID writes it, the port's colon percent-encoded."""
        return self.hostname if self.port is None else f"{self.hostname}%3A{self.port}"


# -- did:web ------------------------------------------------------------------------------------


def did_web(host: str, *path: str) -> str:
    """The did:web DID of ``host`` (``localhost:8000`` or ``localhost%3A8000``) and path segments.

    ``did_web("corridor.example", "partners", "acme")`` -> ``did:web:corridor.example:partners:acme``.
    The host is lower-cased and checked to be a DNS host name (an IP address is refused, as the
    method requires); a port's colon is percent-encoded; segments are refused unless plain DID
    characters, so no segment can smuggle a colon, slash or dot-segment into the document URL.
    """
    hostname, port = _split_host(host.strip().lower(), source=host)
    for segment in path:
        if not isinstance(segment, str) or not _PLAIN_ID.fullmatch(segment) or segment in {".", ".."}:
            raise InvalidDid(f"did:web path segment {segment!r} must be letters, digits, '.', '-' or '_'.")
    return ":".join(["did:web", DidWeb(hostname, port, ()).authority, *path])


def parse_did_web(did: str) -> DidWeb:
    """Split a did:web DID into host, port and path, enforcing the method's rules."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise InvalidDid(f"{did!r} is not a did:web DID.")
    if not _DID.fullmatch(did):
        raise InvalidDid(f"{did!r} is not a DID (a DID URL's path, query or fragment is not allowed here).")
    authority, *segments = did[len("did:web:") :].split(":")
    hostname, port = _split_host(authority.lower(), source=did)
    if DidWeb(hostname, port, ()).authority != authority:
        raise InvalidDid(f"{did!r}: write a did:web host in lower case and a port's colon as %3A.")
    for segment in segments:
        decoded = unquote(segment)
        if not _SEGMENT.fullmatch(segment) or decoded in {".", ".."} or any(c in decoded for c in "/\\?#"):
            raise InvalidDid(f"{did!r}: path segment {segment!r} is not allowed in a did:web DID.")
    return DidWeb(hostname, port, tuple(segments))


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document, per the method's Read operation.

    For display and for serving our own documents: Corridor never fetches another deployment's
    document from this URL (see :class:`DidResolver`).
    """
    parsed = parse_did_web(did)
    host = parsed.hostname if parsed.port is None else f"{parsed.hostname}:{parsed.port}"
    path = "/".join(parsed.path) if parsed.path else ".well-known"
    return f"https://{host}/{path}/did.json"


def did_web_host_problem(host: str) -> str:
    """Why ``host`` cannot be the host part of did:web DIDs written as it is, or "".

    It must be a DNS host name (never an IP address), in lower case, a port's colon written ``%3A``
    (``localhost%3A8000``): :func:`did_web` would write it so.
    """
    if not isinstance(host, str):
        return f"{host!r} is not a host name."
    try:
        hostname, port = _split_host(host.lower(), source=host)
    except InvalidDid as exc:
        return str(exc)
    written = DidWeb(hostname, port, ()).authority
    return "" if written == host else f"{host!r}: write it as did:web does, {written!r}."


def _split_host(host: str, *, source: str) -> tuple[str, int | None]:
    """Host name and port of ``host`` (already lower case), refusing IP addresses and non-host names."""
    decoded = _ENCODED_COLON.sub(":", host)
    if decoded.startswith("[") or decoded.count(":") > 1:
        raise InvalidDid(f"{source!r}: an IP address is not allowed in did:web, use a domain name.")
    hostname, _, port_text = decoded.partition(":")
    port = None
    if ":" in decoded:
        if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
            raise InvalidDid(f"{source!r}: {port_text!r} is not a port number (1-65535).")
        port = int(port_text)
    _check_hostname(hostname, source=source)
    return hostname, port


def _check_hostname(hostname: str, *, source: str) -> None:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        pass
    else:
        raise InvalidDid(f"{source!r}: an IP address is not allowed in did:web, use a domain name.")
    labels = hostname.split(".")
    if not hostname.isascii():
        raise InvalidDid(f"{source!r}: write an internationalised host name in its IDNA (xn--) form.")
    if len(hostname) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidDid(
            f"{source!r}: {hostname!r} is not a host name (dot-separated labels of letters, digits and inner hyphens)."
        )
    if labels[-1].isdigit():
        # URL parsers read a host ending in a number as IPv4 (127.1, 2130706433): refuse the disguise too.
        raise InvalidDid(f"{source!r}: {hostname!r} reads as an IP address, which did:web does not allow.")


# -- documents ----------------------------------------------------------------------------------


def did_document(did: str, keys: Iterable[KeyInfo]) -> dict[str, Any]:
    """The DID document of ``did`` listing its keys as Multikey verification methods.

    Current and rotated keys are listed (rotated ones only for ``assertionMethod``), revoked keys
    are left out: see the module docstring for why. Keys keep the order given (oldest first).
    """
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise InvalidDid(f"{did!r} is not a DID.")
    methods: list[dict[str, str]] = []
    assertion: list[str] = []
    authentication: list[str] = []
    seen: set[str] = set()
    for key in keys:
        state = KeyState(key.state)
        if not _PLAIN_ID.fullmatch(key.key_id) or key.key_id in seen:
            raise ValueError(f"key id {key.key_id!r} must be unique and made of letters, digits, '.', '-' or '_'.")
        seen.add(key.key_id)
        ed25519_public_key(key.public_key_multibase)
        if state is KeyState.REVOKED:
            continue
        method_id = f"{did}#{key.key_id}"
        methods.append(_multikey(method_id, did, key.public_key_multibase))
        assertion.append(method_id)
        if state is KeyState.CURRENT:
            authentication.append(method_id)
    return {
        "@context": list(DOCUMENT_CONTEXT),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
        "authentication": authentication,
    }


def did_key(public_key_multibase: str) -> str:
    """The did:key of an Ed25519 public key given as a Multikey (``z6Mk...``)."""
    ed25519_public_key(public_key_multibase)
    return f"did:key:{public_key_multibase}"


def did_key_document(did: str) -> dict[str, Any]:
    """The document a did:key expands to: its one key, for every verification relationship."""
    if not isinstance(did, str) or not did.startswith("did:key:"):
        raise InvalidDid(f"{did!r} is not a did:key DID.")
    multibase = did[len("did:key:") :]
    ed25519_public_key(multibase)
    method_id = f"{did}#{multibase}"
    document: dict[str, Any] = {
        "@context": list(DOCUMENT_CONTEXT),
        "id": did,
        "verificationMethod": [_multikey(method_id, did, multibase)],
    }
    for relationship in RELATIONSHIPS:
        document[relationship] = [method_id]
    return document


def ed25519_public_key(public_key_multibase: str) -> bytes:
    """The 32 raw bytes of an Ed25519 Multikey: base58btc (``z``), multicodec header ``0xed01``."""
    if (
        not isinstance(public_key_multibase, str)
        or not public_key_multibase.startswith("z")
        or len(public_key_multibase) > _MAX_MULTIKEY_CHARS
    ):
        raise InvalidDid(f"{public_key_multibase!r} is not a base58btc Multikey.")
    decoded = _base58_decode(public_key_multibase[1:], source=public_key_multibase)
    if not decoded.startswith(_ED25519_PUB_HEADER) or len(decoded) != len(_ED25519_PUB_HEADER) + _ED25519_KEY_BYTES:
        raise InvalidDid(f"{public_key_multibase!r} is not an Ed25519 public key (multicodec 0xed01, 32 bytes).")
    return decoded[len(_ED25519_PUB_HEADER) :]


def _base58_decode(text: str, *, source: str) -> bytes:
    number = 0
    for char in text:
        value = _BASE58_INDEX.get(char)
        if value is None:
            raise InvalidDid(f"{source!r} is not base58btc ({char!r} is outside its alphabet).")
        number = number * 58 + value
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * leading_zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _multikey(method_id: str, controller: str, public_key_multibase: str) -> dict[str, str]:
    return {
        "id": method_id,
        "type": MULTIKEY,
        "controller": controller,
        "publicKeyMultibase": public_key_multibase,
    }


# -- resolution ---------------------------------------------------------------------------------


LocalDocuments = Callable[[str], Mapping[str, Any] | None]
"""Returns the document of a did:web of this deployment (built from the database), ``None`` if unknown."""


class DidResolver:
    """Resolves DIDs to documents and proof keys without ever touching the network.

    - did:key: expanded locally (Ed25519).
    - did:web of this deployment (host ``local_host``): ``local_documents(did)``, which the Django
      layer backs with the partners' keys. ``local_host=None`` says the deployment has no usable
      did:web host (see :func:`did_web_host_problem`): its partners' did:web DIDs then resolve nowhere.
    - did:web of other deployments: only ``allowed_documents`` (DID -> document), an allow-list the
      operator configures. Fetching the URL a DID names would let anyone who sends a credential make
      the server issue requests of their choosing and vouch for keys of their choosing, so an unknown
      did:web is refused, never fetched.
    """

    def __init__(
        self,
        *,
        local_documents: LocalDocuments,
        local_host: str | None = DEFAULT_DID_HOST,
        allowed_documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._local_authority = None
        if local_host is not None:
            hostname, port = _split_host(local_host.strip().lower(), source=local_host)
            self._local_authority = DidWeb(hostname, port, ()).authority
        self._local_documents = local_documents
        self._allowed = dict(allowed_documents or {})
        for did, document in self._allowed.items():
            parse_did_web(did)
            _check_document(did, document)

    def resolve(self, did: str) -> Mapping[str, Any]:
        """The DID document of ``did``; raises a :class:`DidError` subclass saying why not.

        The document is shared with the resolver's sources: read it, do not change it.
        """
        if isinstance(did, str) and did.startswith("did:key:"):
            return did_key_document(did)
        if not isinstance(did, str) or not did.startswith("did:web:"):
            raise UnsupportedDidMethod(
                Text(gettext_noop("%(did)s: only did:web and did:key issuers can be verified."), did=repr(did))
            )
        parsed = parse_did_web(did)
        if parsed.authority == self._local_authority:
            document = self._local_documents(did)
            if document is None:
                raise DidNotFound(Text(gettext_noop("%(did)s names no partner of this deployment."), did=did))
        else:
            document = self._allowed.get(did)
            if document is None:
                raise DidNotAllowed(
                    Text(
                        gettext_noop(
                            "%(did)s is not on the allow-list of other deployments' DIDs; documents of other "
                            "deployments are taken only from that list, never fetched from the address a DID names."
                        ),
                        did=did,
                    )
                )
        _check_document(did, document)
        return document

    def verification_method(
        self,
        method_id: str,
        *,
        relationship: str = "assertionMethod",
        controller: str | None = None,
    ) -> VerificationMethod:
        """The Ed25519 key behind ``method_id`` (``<did>#<fragment>``), checked for use in a proof.

        Checks, each failing with :class:`VerificationMethodRejected` (or the resolution error):
        the id is a DID URL with a fragment; its DID is ``controller`` when given (the credential's
        issuer); the DID resolves; its document lists the method, controlled by that DID, of type
        Multikey with an Ed25519 key and no ``revoked`` mark; and the method is authorised for
        ``relationship`` (``assertionMethod`` for credentials).
        """
        if relationship not in RELATIONSHIPS:
            raise ValueError(f"relationship must be one of {', '.join(RELATIONSHIPS)}; got {relationship!r}.")
        did, hash_sign, fragment = method_id.partition("#") if isinstance(method_id, str) else ("", "", "")
        if not hash_sign or not fragment or not _DID.fullmatch(did):
            raise VerificationMethodRejected(
                Text(gettext_noop("%(method)s is not a verification method id (<did>#<key>)."), method=repr(method_id))
            )
        if controller is not None and did != controller:
            raise VerificationMethodRejected(
                Text(
                    gettext_noop("%(method)s is a key of %(did)s, not of the issuer %(controller)s."),
                    method=method_id,
                    did=did,
                    controller=controller,
                )
            )
        document = self.resolve(did)
        method = _find_method(document, did, method_id)
        if method is None:
            raise VerificationMethodRejected(
                Text(
                    gettext_noop(
                        "%(method)s is not a key of %(did)s (a revoked key is no longer listed in its DID document)."
                    ),
                    method=method_id,
                    did=did,
                )
            )
        if not any(_reference_id(item, did) == method_id for item in _as_list(document.get(relationship))):
            raise VerificationMethodRejected(
                Text(
                    gettext_noop("%(method)s is not authorised for %(relationship)s by %(did)s."),
                    method=method_id,
                    relationship=relationship,
                    did=did,
                )
            )
        if method.get("controller") != did:
            raise VerificationMethodRejected(
                Text(
                    gettext_noop("%(method)s is controlled by %(found)s, not %(did)s."),
                    method=method_id,
                    found=repr(method.get("controller")),
                    did=did,
                )
            )
        if method.get("type") != MULTIKEY:
            raise VerificationMethodRejected(
                Text(
                    gettext_noop("%(method)s is of type %(found)s, not %(expected)s."),
                    method=method_id,
                    found=repr(method.get("type")),
                    expected=MULTIKEY,
                )
            )
        if "revoked" in method:
            raise VerificationMethodRejected(
                Text(gettext_noop("%(method)s is marked revoked by %(did)s."), method=method_id, did=did)
            )
        multibase = method.get("publicKeyMultibase")
        try:
            public_key = ed25519_public_key(multibase)
        except InvalidDid as exc:
            raise VerificationMethodRejected(f"{method_id}: {exc}") from exc
        return VerificationMethod(id=method_id, controller=did, public_key_multibase=multibase, public_key=public_key)


def _check_document(did: str, document: Any) -> None:
    if not isinstance(document, Mapping) or document.get("id") != did:
        found = document.get("id") if isinstance(document, Mapping) else type(document).__name__
        raise InvalidDidDocument(
            Text(gettext_noop("the DID document found for %(did)s describes %(found)s."), did=did, found=repr(found))
        )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _reference_id(item: Any, did: str) -> str | None:
    """The absolute id of a relationship entry: a reference (maybe relative, ``#key``) or an embedded method."""
    reference = item.get("id") if isinstance(item, Mapping) else item
    if not isinstance(reference, str):
        return None
    return did + reference if reference.startswith("#") else reference


def _find_method(document: Mapping[str, Any], did: str, method_id: str) -> Mapping[str, Any] | None:
    """The method ``method_id`` from ``verificationMethod`` or embedded in a relationship."""
    candidates = list(_as_list(document.get("verificationMethod")))
    for relationship in RELATIONSHIPS:
        candidates += [item for item in _as_list(document.get(relationship)) if isinstance(item, Mapping)]
    for method in candidates:
        if isinstance(method, Mapping) and _reference_id(method, did) == method_id:
            return method
    return None
