"""Bitstring Status List v1.0 (W3C Recommendation, 2025-05-15): encoding, bit order, allocation, status checks.

The expected values marked "spec" are copied from the Recommendation's examples
(https://www.w3.org/TR/vc-bitstring-status-list/): Example 1 (entries), Example 3 and A.2 Example 5
(the status list credential, whose ``encodedList`` is an all-zero 16 KB list).
"""

from __future__ import annotations

import base64
import gzip
import random
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from apps.credentials.status_list import (
    MIN_ENTRIES,
    Bitstring,
    MalformedStatusList,
    StatusListFull,
    StatusListLengthError,
    StatusRangeError,
    StatusVerificationError,
    allocate_index,
    decode_list,
    encode_list,
    status_list_credential,
    status_list_entry,
    status_of,
)

# spec, Example 3 / Example 5
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
SPEC_LIST_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "https://example.com/credentials/status/3",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "did:example:12345",
    "validFrom": "2021-04-05T14:27:40Z",
    "credentialSubject": {
        "id": "https://example.com/status/3#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": SPEC_ENCODED_LIST,
    },
}
# spec, Example 1
SPEC_REVOCATION_ENTRY = {
    "id": "https://example.com/credentials/status/3#94567",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "94567",
    "statusListCredential": "https://example.com/credentials/status/3",
}
SPEC_SUSPENSION_ENTRY = {
    "id": "https://example.com/credentials/status/4#23452",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "suspension",
    "statusListIndex": "23452",
    "statusListCredential": "https://example.com/credentials/status/4",
}

LIST_URL = "https://corridor.example/credentials/status/0d6c5f3e"
ISSUER = "did:web:corridor.example:partners:acme"


def _seeded(seed: int) -> random.Random:
    """A reproducible generator, so a failing sequence of draws can be replayed; production uses the OS CSPRNG."""
    return random.Random(seed)  # noqa: S311


def _b64url_multibase(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def _list_credential(bits: Bitstring, purpose: str = "revocation") -> dict:
    return status_list_credential(
        list_url=LIST_URL, issuer=ISSUER, purpose=purpose, bits=bits, valid_from=datetime(2026, 1, 1, tzinfo=UTC)
    )


def _entry(index: int | str, purpose: str = "revocation") -> dict:
    """An entry of our list; a string index is written as given, to test what a verifier receives."""
    if isinstance(index, int):
        return status_list_entry(list_url=LIST_URL, index=index, purpose=purpose)
    return {**status_list_entry(list_url=LIST_URL, index=0, purpose=purpose), "statusListIndex": index}


# -- encoding: the spec's example --------------------------------------------------------------


def test_empty_list_encodes_to_the_spec_example_byte_for_byte() -> None:
    assert encode_list(Bitstring()) == SPEC_ENCODED_LIST


def test_spec_example_decodes_to_131072_unset_entries() -> None:
    bits = decode_list(SPEC_ENCODED_LIST)

    assert len(bits) == MIN_ENTRIES == 131_072
    assert bits.to_bytes() == bytes(16 * 1024)
    assert bits.count() == 0


def test_built_list_credential_is_the_spec_example() -> None:
    built = status_list_credential(
        list_url="https://example.com/credentials/status/3",
        issuer="did:example:12345",
        purpose="revocation",
        bits=Bitstring(),
        valid_from=datetime(2021, 4, 5, 14, 27, 40, tzinfo=UTC),
    )

    # The spec's example names its subject .../status/3#list; ours is always "<list url>#list".
    assert built["credentialSubject"].pop("id") == "https://example.com/credentials/status/3#list"
    expected = {**SPEC_LIST_CREDENTIAL, "credentialSubject": dict(SPEC_LIST_CREDENTIAL["credentialSubject"])}
    del expected["credentialSubject"]["id"]
    assert built == expected


def test_built_entries_are_the_spec_examples() -> None:
    revocation = status_list_entry(
        list_url="https://example.com/credentials/status/3", index=94567, purpose="revocation"
    )
    suspension = status_list_entry(
        list_url="https://example.com/credentials/status/4", index=23452, purpose="suspension"
    )

    assert revocation == SPEC_REVOCATION_ENTRY
    assert suspension == SPEC_SUSPENSION_ENTRY


def test_spec_example_entry_is_not_revoked_in_spec_example_list() -> None:
    assert status_of(SPEC_REVOCATION_ENTRY, SPEC_LIST_CREDENTIAL) is False


# -- bit order ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "byte_index", "byte_value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (13, 1, 0x04), (MIN_ENTRIES - 1, 16383, 0x01)],
)
def test_index_zero_is_the_left_most_bit_of_the_first_byte(index: int, byte_index: int, byte_value: int) -> None:
    bits = Bitstring()
    bits.set(index)

    raw = bits.to_bytes()
    assert raw[byte_index] == byte_value
    assert sum(raw) == byte_value


def test_bits_of_a_list_made_elsewhere_read_in_spec_order() -> None:
    # Another producer's GZIP (Python's gzip module: other header bytes) of a hand-built bitstring.
    raw = bytearray(MIN_ENTRIES // 8)
    raw[0] = 0b1010_0000
    raw[-1] = 0b0000_0001
    bits = decode_list(_b64url_multibase(gzip.compress(bytes(raw))))

    assert [i for i in range(16) if bits.get(i)] == [0, 2]
    assert bits.get(MIN_ENTRIES - 1)
    assert list(bits.set_indexes()) == [0, 2, MIN_ENTRIES - 1]


def test_set_then_clear_leaves_other_bits_alone() -> None:
    bits = Bitstring()
    bits[9] = True
    bits[10] = True
    bits[10] = False

    assert bits[9]
    assert not bits[10]
    assert bits.count() == 1


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, MIN_ENTRIES + 8])
def test_index_outside_the_list_is_a_range_error(index: int) -> None:
    with pytest.raises(StatusRangeError):
        Bitstring().get(index)
    with pytest.raises(StatusRangeError):
        Bitstring().set(index)


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [MIN_ENTRIES, 2 * MIN_ENTRIES])
def test_round_trip_keeps_every_bit(length: int) -> None:
    rng = _seeded(7)
    bits = Bitstring(length)
    chosen = {rng.randrange(length) for _ in range(500)} | {0, length - 1}
    for index in chosen:
        bits.set(index)

    decoded = decode_list(encode_list(bits))

    assert decoded == bits
    assert set(decoded.set_indexes()) == chosen
    assert len(decoded) == length


def test_encoding_is_deterministic_and_compact() -> None:
    bits = Bitstring()
    bits.set(42)

    assert encode_list(bits) == encode_list(Bitstring.from_bytes(bits.to_bytes()))
    assert len(encode_list(bits)) < 200  # a few revocations compress to a few hundred bytes (spec §1.1)


# -- size and malformed input ------------------------------------------------------------------


def test_a_list_shorter_than_16kb_is_refused() -> None:
    with pytest.raises(StatusListLengthError) as exc_info:
        Bitstring(MIN_ENTRIES - 8)
    assert exc_info.value.code == "STATUS_LIST_LENGTH_ERROR"
    with pytest.raises(StatusListLengthError):
        decode_list(_b64url_multibase(gzip.compress(bytes(1024))))


def test_a_length_in_partial_bytes_is_refused() -> None:
    with pytest.raises(MalformedStatusList):
        Bitstring(MIN_ENTRIES + 1)


@pytest.mark.parametrize(
    "encoded",
    [
        SPEC_ENCODED_LIST[1:],  # no multibase prefix (the older StatusList2021 form)
        "z" + SPEC_ENCODED_LIST[1:],  # another multibase
        SPEC_ENCODED_LIST + "==",  # padding
        SPEC_ENCODED_LIST.replace("-", "+"),  # base64, not base64url
        "u" + "A" * 5,  # impossible base64 length
        _b64url_multibase(b"not gzip at all"),
        _b64url_multibase(zlib.compress(bytes(MIN_ENTRIES // 8))),  # zlib wrapper, not GZIP
        _b64url_multibase(gzip.compress(bytes(MIN_ENTRIES // 8))[:-4]),  # truncated
        _b64url_multibase(gzip.compress(bytes(MIN_ENTRIES // 8)) + b"trailing"),
        _b64url_multibase(gzip.compress(bytes(MIN_ENTRIES // 8)) * 2),  # two members
        12345,
    ],
)
def test_malformed_encoded_list_is_refused(encoded: object) -> None:
    with pytest.raises(MalformedStatusList) as exc_info:
        decode_list(encoded)  # type: ignore[arg-type]
    assert exc_info.value.code == "MALFORMED_VALUE_ERROR"


def test_a_list_inflating_past_the_limit_is_refused_without_inflating_it_all() -> None:
    bomb = _b64url_multibase(gzip.compress(bytes(64 * 1024 * 1024)))  # 64 MB of zeros in ~64 KB

    assert len(bomb) < 100_000
    with pytest.raises(MalformedStatusList, match="inflates to more than"):
        decode_list(bomb)


# -- allocation --------------------------------------------------------------------------------


def test_random_allocation_never_reuses_an_index() -> None:
    rng = _seeded(2026)
    used: set[int] = set()
    for _ in range(20_000):
        index = allocate_index(used, MIN_ENTRIES, rng)
        assert 0 <= index < MIN_ENTRIES
        assert index not in used
        used.add(index)

    assert len(used) == 20_000
    # Random, not in issue order: indexes spread over the whole list.
    ordered = sorted(used)
    assert ordered[0] < MIN_ENTRIES // 100
    assert ordered[-1] > MIN_ENTRIES - MIN_ENTRIES // 100


def test_allocation_fills_a_list_completely_then_reports_it_full() -> None:
    rng = _seeded(5)
    used: set[int] = set()
    for _ in range(64):
        used.add(allocate_index(used, 64, rng))

    assert used == set(range(64))
    with pytest.raises(StatusListFull, match="all 64 indexes"):
        allocate_index(used, 64, rng)


def test_allocation_accepts_a_predicate_for_taken_indexes() -> None:
    taken = Bitstring()
    for index in range(MIN_ENTRIES):
        if index != 777:
            taken.set(index)

    assert allocate_index(taken.get, MIN_ENTRIES) == 777
    taken.set(777)
    with pytest.raises(StatusListFull):
        allocate_index(taken.get, MIN_ENTRIES)


def test_allocation_is_uniform_over_the_free_indexes() -> None:
    rng = _seeded(11)
    counts = {2: 0, 3: 0}
    for _ in range(2_000):
        counts[allocate_index({0, 1}, 4, rng)] += 1

    assert 800 < counts[2] < 1200


def test_default_allocation_uses_the_system_generator() -> None:
    assert 0 <= allocate_index(set()) < MIN_ENTRIES


@pytest.mark.parametrize("size", [0, -5, True, 1.5])
def test_allocation_needs_a_positive_size(size: object) -> None:
    with pytest.raises(ValueError, match="positive int"):
        allocate_index(set(), size)  # type: ignore[arg-type]


# -- builders ----------------------------------------------------------------------------------


def test_list_credential_times_are_utc_seconds() -> None:
    plus_two = timezone(timedelta(hours=2))
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer=ISSUER,
        purpose="suspension",
        bits=Bitstring(),
        valid_from=datetime(2026, 3, 1, 12, 0, 0, 999, tzinfo=plus_two),
        valid_until=datetime(2026, 3, 2, tzinfo=UTC),
    )

    assert credential["validFrom"] == "2026-03-01T10:00:00Z"
    assert credential["validUntil"] == "2026-03-02T00:00:00Z"
    assert credential["id"] == LIST_URL
    assert credential["credentialSubject"]["id"] == f"{LIST_URL}#list"
    assert credential["credentialSubject"]["statusPurpose"] == "suspension"


def test_list_credential_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status_list_credential(
            list_url=LIST_URL,
            issuer=ISSUER,
            purpose="revocation",
            bits=Bitstring(),
            valid_from=datetime(2026, 1, 1),  # noqa: DTZ001 — the point of the test
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"purpose": "refresh"}, "statusPurpose"),
        ({"purpose": "Revocation"}, "statusPurpose"),
        ({"list_url": "https://corridor.example/status/1#x"}, "without a fragment"),
        ({"list_url": "ftp://corridor.example/status/1"}, "http"),
        ({"index": -1}, "non-negative"),
        ({"index": "5"}, "non-negative"),
        ({"index": True}, "non-negative"),
    ],
)
def test_entry_builder_refuses_bad_values(kwargs: dict, message: str) -> None:
    arguments = {"list_url": LIST_URL, "index": 5, "purpose": "revocation", **kwargs}
    with pytest.raises(ValueError, match=message):
        status_list_entry(**arguments)


# -- status checks (the verifier's side) -------------------------------------------------------


def test_revoked_credential_reads_as_set_and_others_as_unset() -> None:
    bits = Bitstring()
    bits.set(94567)
    credential = _list_credential(bits)

    assert status_of(_entry(94567), credential) is True
    assert status_of(_entry(94566), credential) is False
    assert status_of(_entry(94568), credential) is False


def test_suspension_lifted_reads_as_unset() -> None:
    bits = Bitstring()
    bits.set(3)
    assert status_of(_entry(3, "suspension"), _list_credential(bits, "suspension")) is True
    bits.set(3, value=False)
    assert status_of(_entry(3, "suspension"), _list_credential(bits, "suspension")) is False


def test_entry_of_another_purpose_is_refused() -> None:
    with pytest.raises(StatusVerificationError, match="not a purpose of the status list") as exc_info:
        status_of(_entry(1, "suspension"), _list_credential(Bitstring(), "revocation"))
    assert exc_info.value.code == "STATUS_VERIFICATION_ERROR"


def test_list_with_several_purposes_accepts_each() -> None:
    credential = _list_credential(Bitstring())
    credential["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]

    assert status_of(_entry(1, "suspension"), credential) is False


def test_entry_pointing_at_another_list_is_refused() -> None:
    entry = _entry(1)
    entry["statusListCredential"] = "https://corridor.example/credentials/status/other"

    with pytest.raises(StatusVerificationError, match="points at status list"):
        status_of(entry, _list_credential(Bitstring()))


@pytest.mark.parametrize("index", [str(MIN_ENTRIES), "999999999", "9" * 5000])
def test_index_beyond_the_list_is_a_range_error(index: str) -> None:
    with pytest.raises(StatusRangeError) as exc_info:
        status_of(_entry(index), _list_credential(Bitstring()))
    assert exc_info.value.code == "RANGE_ERROR"


def test_index_with_leading_zeros_is_read_as_its_number() -> None:
    bits = Bitstring()
    bits.set(5)

    assert status_of(_entry("0000000000000005"), _list_credential(bits)) is True


@pytest.mark.parametrize("index", [5, "-1", "0x10", " 5", "5.0", "", None])
def test_index_that_is_not_a_base10_string_is_malformed(index: object) -> None:
    entry = _entry(0)
    entry["statusListIndex"] = index

    with pytest.raises(MalformedStatusList, match="base-10"):
        status_of(entry, _list_credential(Bitstring()))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda entry, cred: entry.update(type="StatusList2021Entry"), MalformedStatusList),
        (lambda entry, cred: entry.update(statusPurpose=""), MalformedStatusList),
        (lambda entry, cred: entry.update(statusSize=2), StatusVerificationError),
        (lambda entry, cred: entry.update(statusSize=True), MalformedStatusList),
        (lambda entry, cred: entry.pop("statusListCredential"), MalformedStatusList),
        (lambda entry, cred: cred.update(type=["VerifiableCredential"]), MalformedStatusList),
        (lambda entry, cred: cred["credentialSubject"].update(type="StatusList2021"), MalformedStatusList),
        (lambda entry, cred: cred["credentialSubject"].update(encodedList="H4sI"), MalformedStatusList),
        (lambda entry, cred: cred.pop("credentialSubject"), MalformedStatusList),
    ],
)
def test_malformed_entry_or_list_is_refused(change, error: type[Exception]) -> None:
    entry, credential = _entry(1), _list_credential(Bitstring())
    change(entry, credential)

    with pytest.raises(error):
        status_of(entry, credential)


def test_explicit_status_size_one_is_accepted() -> None:
    entry = _entry(1)
    entry["statusSize"] = 1

    assert status_of(entry, _list_credential(Bitstring())) is False


def test_a_stricter_ecosystem_minimum_is_applied() -> None:
    with pytest.raises(StatusListLengthError):
        status_of(_entry(1), _list_credential(Bitstring()), min_entries=2 * MIN_ENTRIES)
