"""W3C Bitstring Status List v1.0: the bitstring, its encoding, index allocation and status checks.

Pure helpers (no Django): the service layer keeps one list per issuer and purpose in the database,
allocates an index here when it issues a credential, flips a bit on revoke/suspend, and publishes
:func:`status_list_credential` signed; the verifier calls :func:`status_of` on a list whose proof it
has already checked.

What the Recommendation (2025-05-15) fixes, and where it is honoured:

- ``encodedList`` is the GZIP-compressed bitstring, base64url without padding, multibase-encoded
  (prefix ``u``) — §2.2 and the Bitstring Generation Algorithm §3.3. :func:`encode_list`
  reproduces the spec's Example 3 ``encodedList`` (an all-zero 16 KB list) byte for byte.
- The uncompressed bitstring is at least 16 KB, i.e. 131,072 entries (§2.2, §6.1): smaller lists
  make a credential's index, and so its holder, easier to single out.
- Index 0 is the left-most (most significant) bit of the first byte; ``length - 1`` the right-most
  bit of the last byte (§2.2, §7.1).
- ``statusListIndex`` is a base-10 string, and issuers SHOULD assign indexes at random so nothing
  (issue order, group size) can be read from them (§2.1): :func:`allocate_index`.
- The Validate Algorithm (§3.2): purposes must match (STATUS_VERIFICATION_ERROR), a list shorter
  than the minimum is a STATUS_LIST_LENGTH_ERROR, an index outside the list a RANGE_ERROR, and a
  value that breaks a MUST a MALFORMED_VALUE_ERROR. Each error class below carries that ``code``
  so the verifier can name the failing check.

Only 1-bit entries (``statusSize`` absent or 1) are supported, which the spec allows ("Conforming
processors MAY choose to only support bitstring entry sizes of 1"); Corridor issues two such
entries per credential, one ``revocation`` and one ``suspension``, each in its own list.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import secrets
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from apps.core.words import Text, gettext_noop

MIN_ENTRIES = 131_072
"""The spec's minimum list length (16 KB of single bits): below it a list gives too little herd privacy."""

MAX_DECODED_BYTES = 16 * 1024 * 1024
"""Refuse lists that inflate beyond 16 MB (128 Mi entries): a few KB of GZIP can expand enormously."""

PURPOSES = ("revocation", "suspension")
"""The status purposes Corridor issues; ``revocation`` is final, ``suspension`` reversible (§2.1)."""

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

_MULTIBASE_BASE64URL = "u"
_BASE64URL_NO_PAD = re.compile(r"[A-Za-z0-9_-]*")
_DECIMAL = re.compile(r"[0-9]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+$")
# Level 6 is zlib's (and pako's) default; with the gzip wrapper (wbits 31) zlib writes mtime 0 and no
# file name, so the output depends only on the bits. This is what reproduces the spec's example.
_GZIP_LEVEL = 6
_GZIP_WBITS = 31
# Rejection sampling draws before falling back to a scan of the free slots; with a list less than
# ~90% full, 64 draws all hitting used slots has a probability below 0.9**64 ≈ 0.1%.
_RANDOM_DRAWS = 64
_SYSTEM_RANDOM = secrets.SystemRandom()


class StatusListError(ValueError):
    """A status list or entry cannot be used; ``code`` names the spec's error (§3.5, VC DM 2.0)."""

    code = "STATUS_VERIFICATION_ERROR"


class MalformedStatusList(StatusListError):
    """A value breaks one of the spec's MUSTs: bad encoding, wrong type, index not a base-10 string."""

    code = "MALFORMED_VALUE_ERROR"


class StatusListLengthError(StatusListError):
    """The list holds fewer entries than the minimum needed for herd privacy."""

    code = "STATUS_LIST_LENGTH_ERROR"


class StatusRangeError(StatusListError):
    """The entry's index points outside the list."""

    code = "RANGE_ERROR"


class StatusVerificationError(StatusListError):
    """The entry does not belong to this list: other purpose, other list URL, unsupported status size."""

    code = "STATUS_VERIFICATION_ERROR"


class StatusListFull(StatusListError):
    """Every index of the list is taken: the caller rolls over to a new list (DESIGN §10)."""

    code = "STATUS_LIST_FULL"


class Bitstring:
    """A mutable list of status bits in the spec's order: index 0 is the first byte's left-most bit."""

    __slots__ = ("_data",)

    def __init__(self, length: int = MIN_ENTRIES) -> None:
        """An all-zero list of ``length`` bits: a multiple of 8, at least :data:`MIN_ENTRIES`."""
        _check_length(length)
        self._data = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstring:
        """The list stored as raw bytes (as the database keeps it), checked for the minimum size."""
        _check_length(len(data) * 8)
        bits = cls.__new__(cls)
        bits._data = bytearray(data)
        return bits

    def to_bytes(self) -> bytes:
        """The raw bitstring, the exact bytes GZIP compresses."""
        return bytes(self._data)

    def __len__(self) -> int:
        return len(self._data) * 8

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # mutable, like bytearray

    def __repr__(self) -> str:
        return f"<Bitstring {len(self)} bits, {self.count()} set>"

    def get(self, index: int) -> bool:
        """The status at ``index`` (``True``: set, i.e. revoked or suspended)."""
        byte, mask = self._locate(index)
        return bool(self._data[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) the status at ``index``."""
        byte, mask = self._locate(index)
        if value:
            self._data[byte] |= mask
        else:
            self._data[byte] &= ~mask & 0xFF

    __getitem__ = get
    __setitem__ = set

    def count(self) -> int:
        """How many statuses are set."""
        return sum(b.bit_count() for b in self._data)

    def set_indexes(self) -> Iterator[int]:
        """The indexes whose status is set, ascending."""
        for byte_index, byte in enumerate(self._data):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"a status list index is an int, not {type(index).__name__}")
        if not 0 <= index < len(self):
            raise StatusRangeError(f"index {index} is outside the status list (0..{len(self) - 1}).")
        return index >> 3, 0x80 >> (index & 7)


def _check_length(length: int) -> None:
    if length % 8:
        raise MalformedStatusList(f"a bitstring holds whole bytes; {length} bits is not a multiple of 8.")
    if length < MIN_ENTRIES:
        raise StatusListLengthError(
            f"a status list needs at least {MIN_ENTRIES} entries (16 KB) for herd privacy; got {length}."
        )


def encode_list(bits: Bitstring) -> str:
    """``encodedList``: GZIP, then base64url without padding, with the multibase prefix ``u`` (§3.3).

    Deterministic (mtime 0, zlib's default level), so the same bits always give the same string and
    a re-signed list only changes when a status does.
    """
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    compressed = compressor.compress(bits.to_bytes()) + compressor.flush()
    return _MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> Bitstring:
    """The Bitstring Expansion Algorithm (§3.4): multibase-decode, then GZIP-decompress.

    Strict on the way in, since the value comes from someone else's credential: only the ``u``
    multibase prefix, only the base64url alphabet without padding, exactly one complete GZIP member,
    at most ``max_bytes`` once inflated, and at least the spec's minimum length.
    """
    if not isinstance(encoded, str) or not encoded.startswith(_MULTIBASE_BASE64URL):
        raise MalformedStatusList("encodedList must be a multibase base64url string, starting with 'u'.")
    body = encoded[1:]
    if not _BASE64URL_NO_PAD.fullmatch(body) or len(body) % 4 == 1:
        raise MalformedStatusList("encodedList is not base64url without padding.")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error as exc:
        raise MalformedStatusList(f"encodedList is not base64url: {exc}") from exc
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    try:
        raw = decompressor.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise MalformedStatusList(f"encodedList is not GZIP data: {exc}") from exc
    if len(raw) > max_bytes:
        raise MalformedStatusList(f"encodedList inflates to more than {max_bytes} bytes.")
    if not decompressor.eof or decompressor.unused_data:
        raise MalformedStatusList("encodedList must hold exactly one complete GZIP member.")
    return Bitstring.from_bytes(raw)


def allocate_index(
    used: Collection[int] | Callable[[int], bool],
    size: int = MIN_ENTRIES,
    rng: random.Random = _SYSTEM_RANDOM,
) -> int:
    """A random free index of a list of ``size`` entries, never one in ``used``; :class:`StatusListFull` if none.

    ``used`` is the set of taken indexes, or a predicate ``index -> taken?`` when the caller would
    rather not materialise them. Draws are uniform over all indexes and rejected when taken, so the
    result is uniform over the free ones and says nothing about issue order (§2.1). A list so full
    that the draws keep colliding is finished with one scan of the free indexes, still uniform.
    The default generator is the OS's CSPRNG, so indexes cannot be predicted from earlier ones.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"a status list size is a positive int, not {size!r}.")
    is_used: Callable[[int], bool] = used.__contains__ if isinstance(used, Collection) else used
    for _ in range(_RANDOM_DRAWS):
        index = rng.randrange(size)
        if not is_used(index):
            return index
    free = [index for index in range(size) if not is_used(index)]
    if not free:
        raise StatusListFull(f"all {size} indexes of this status list are allocated; start a new list.")
    return rng.choice(free)


def status_list_entry(*, list_url: str, index: int, purpose: str) -> dict[str, str]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus`` (§2.1, Example 1).

    The entry's ``id`` is ``<list url>#<index>`` as in the spec's examples: unique per slot and,
    as required, not the list URL itself.
    """
    _check_purpose(purpose)
    _check_list_url(list_url)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"statusListIndex is a non-negative int, not {index!r}.")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str,
    purpose: str,
    bits: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` served at ``list_url`` (§2.2, Example 3).

    Its ``id`` is ``list_url`` (what entries name in ``statusListCredential``), its subject
    ``<list url>#list``. The VC 2.0 context alone suffices: it defines the status list terms.
    """
    _check_purpose(purpose)
    _check_list_url(list_url)
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": _xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = _xsd_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": encode_list(bits),
    }
    return credential


def entry_check(entry: Mapping[str, Any]) -> None:
    """Raise ``MalformedStatusList`` unless ``entry`` is a well-formed ``BitstringStatusListEntry`` (§2.1).

    Needs no list, so a verifier applies it to every entry, also one whose list it cannot read.
    """
    if entry.get("type") != ENTRY_TYPE:
        raise MalformedStatusList(
            Text(
                gettext_noop("credentialStatus type must be %(expected)s, not %(found)s."),
                expected=ENTRY_TYPE,
                found=repr(entry.get("type")),
            )
        )
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise MalformedStatusList(Text(gettext_noop("credentialStatus.statusPurpose must be a non-empty string.")))
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not _DECIMAL.fullmatch(raw_index):
        raise MalformedStatusList(
            Text(
                gettext_noop("credentialStatus.statusListIndex must be a base-10 integer string, not %(found)s."),
                found=repr(raw_index),
            )
        )
    status_size = entry.get("statusSize", 1)
    if type(status_size) is not int or status_size < 1:
        raise MalformedStatusList(
            Text(
                gettext_noop("credentialStatus.statusSize must be an integer above zero, not %(found)s."),
                found=repr(status_size),
            )
        )
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or not _URL.match(list_url):
        raise MalformedStatusList(
            Text(
                gettext_noop("credentialStatus.statusListCredential must be a URL, not %(found)s."),
                found=repr(list_url),
            )
        )


def status_of(
    entry: Mapping[str, Any],
    status_list_credential: Mapping[str, Any],
    *,
    min_entries: int = MIN_ENTRIES,
    max_bytes: int = MAX_DECODED_BYTES,
) -> bool:
    """Whether ``entry``'s status is set in the list (``True``: revoked / suspended), per §3.2.

    The caller has dereferenced ``entry["statusListCredential"]`` and verified the list credential's
    proof and validity period; this checks that the two belong together and reads the bit. When the
    list credential states an ``id`` it must be the entry's ``statusListCredential``, so a list of
    the same issuer for another purpose or range cannot be passed off for this one.
    """
    entry_check(entry)
    purpose, raw_index, list_url = entry["statusPurpose"], entry["statusListIndex"], entry["statusListCredential"]
    _status_size_check(entry)

    types = status_list_credential.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or LIST_CREDENTIAL_TYPE not in types:
        raise MalformedStatusList(f"the status list credential's type must include {LIST_CREDENTIAL_TYPE}.")
    list_id = status_list_credential.get("id")
    if list_id is not None and list_id != list_url:
        raise StatusVerificationError(
            f"the entry points at status list {list_url!r} but the credential given is {list_id!r}."
        )
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != LIST_TYPE:
        raise MalformedStatusList(f"the status list credential's subject must be a {LIST_TYPE}.")
    list_purposes = subject.get("statusPurpose")
    list_purposes = [list_purposes] if isinstance(list_purposes, str) else list_purposes
    if not isinstance(list_purposes, list) or purpose not in list_purposes:
        raise StatusVerificationError(
            f"the entry's statusPurpose {purpose!r} is not a purpose of the status list ({list_purposes!r})."
        )

    bits = _decode_for_verifier(subject.get("encodedList"), min_entries=min_entries, max_bytes=max_bytes)
    return _bit_at(raw_index, bits)


def _status_size_check(entry: Mapping[str, Any]) -> None:
    status_size = entry.get("statusSize", 1)
    if status_size != 1:
        raise StatusVerificationError(
            Text(
                gettext_noop("only statusSize 1 is supported; the entry has statusSize %(found)s."),
                found=repr(status_size),
            )
        )


def held_status_of(
    entry: Mapping[str, Any], *, list_url: str, purpose: str, bits: Bitstring, min_entries: int = MIN_ENTRIES
) -> bool:
    """:func:`status_of` for a list this deployment holds: the same checks and the same answer as
    ``status_of(entry, status_list_credential(list_url=..., purpose=..., bits=...))``, read from the
    stored bits instead of compressing them into a credential only to decompress them again."""
    _check_purpose(purpose)
    _check_list_url(list_url)
    entry_check(entry)
    entry_purpose, raw_index = entry["statusPurpose"], entry["statusListIndex"]
    _status_size_check(entry)
    if entry["statusListCredential"] != list_url:
        raise StatusVerificationError(
            Text(
                gettext_noop("the entry points at status list %(entry)s but the credential given is %(given)s."),
                entry=repr(entry["statusListCredential"]),
                given=repr(list_url),
            )
        )
    if entry_purpose != purpose:
        raise StatusVerificationError(
            Text(
                gettext_noop("the entry's statusPurpose %(found)s is not a purpose of the status list (%(purposes)s)."),
                found=repr(entry_purpose),
                purposes=repr([purpose]),
            )
        )
    if len(bits) < min_entries:
        raise StatusListLengthError(
            Text(
                gettext_noop("the status list has %(size)s entries; at least %(least)s are required."),
                size=len(bits),
                least=min_entries,
            )
        )
    return _bit_at(raw_index, bits)


def _bit_at(raw_index: str, bits: Bitstring) -> bool:
    # Compare digit counts first: Python refuses int() of a string of thousands of digits.
    digits = raw_index.lstrip("0") or "0"
    if len(digits) > len(str(len(bits))) or int(digits) >= len(bits):
        raise StatusRangeError(
            Text(
                gettext_noop("statusListIndex %(index)s is outside the status list of %(size)s entries."),
                index=raw_index,
                size=len(bits),
            )
        )
    return bits.get(int(digits))


def _decode_for_verifier(encoded: Any, *, min_entries: int, max_bytes: int) -> Bitstring:
    """Decode, applying the ecosystem's minimum when it is stricter than the spec's."""
    bits = decode_list(encoded, max_bytes=max_bytes)
    if len(bits) < min_entries:
        raise StatusListLengthError(
            Text(
                gettext_noop("the status list has %(size)s entries; at least %(least)s are required."),
                size=len(bits),
                least=min_entries,
            )
        )
    return bits


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"statusPurpose must be one of {', '.join(PURPOSES)}; got {purpose!r}.")


def _check_list_url(list_url: str) -> None:
    if not isinstance(list_url, str) or not list_url.startswith(("https://", "http://")) or "#" in list_url:
        raise ValueError(f"a status list URL is an http(s) URL without a fragment; got {list_url!r}.")


def _xsd_datetime(value: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC to the second, as the VC data model's examples write it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("validFrom/validUntil need a timezone-aware datetime.")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
