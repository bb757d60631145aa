"""did:web and did:key: identifiers, documents, key lifecycle, and a resolver that never fetches.

Expected values marked "spec" come from the did:web method specification (W3C CCG,
https://w3c-ccg.github.io/did-method-web/) and the did:key test vectors
(w3c-ccg/did-method-key, ``test-vectors/ed25519-x25519.json``: seed -> DID and raw public key).
"""

from __future__ import annotations

import json
import socket

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from apps.credentials.dids import (
    DidNotAllowed,
    DidNotFound,
    DidResolver,
    InvalidDid,
    InvalidDidDocument,
    KeyInfo,
    KeyState,
    UnsupportedDidMethod,
    VerificationMethodRejected,
    did_document,
    did_key,
    did_key_document,
    did_web,
    did_web_to_url,
    ed25519_public_key,
    parse_did_web,
)

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
HOST = "localhost%3A8000"
ACME = "did:web:localhost%3A8000:partners:acme"
FOREIGN = "did:web:corridor.other.example:partners:harbour"

# spec: did:key test vectors (Ed25519): seed, DID, publicKeyBase58 (the raw 32-byte key)
DID_KEY_VECTORS = [
    (
        "00" * 32,
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
    ),
    (
        "00" * 31 + "01",
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
    ),
    (
        "00" * 31 + "02",
        "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
        "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH",
    ),
]
# The W3C Data Integrity EdDSA test key pair (public test data: tests/vectors/w3c-vc-di-eddsa/keyPair.json)
DI_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
DI_PRIVATE_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def b58encode(data: bytes) -> str:
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + BASE58.index(char)
    return b"\0" * (len(text) - len(text.lstrip("1"))) + number.to_bytes((number.bit_length() + 7) // 8, "big")


def multikey(private_key: Ed25519PrivateKey) -> str:
    return "z" + b58encode(b"\xed\x01" + private_key.public_key().public_bytes_raw())


def resolver_for(documents: dict[str, dict], allowed: dict[str, dict] | None = None) -> DidResolver:
    return DidResolver(local_host=HOST, local_documents=documents.get, allowed_documents=allowed)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to open a connection or look up a name."""

    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail("the resolver tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


# -- did:web identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("w3c-ccg.github.io", (), "did:web:w3c-ccg.github.io"),  # spec
        ("w3c-ccg.github.io", ("user", "alice"), "did:web:w3c-ccg.github.io:user:alice"),  # spec
        ("example.com:3000", (), "did:web:example.com%3A3000"),  # spec
        ("example.com%3A3000", ("user", "alice"), "did:web:example.com%3A3000:user:alice"),  # spec
        (HOST, ("partners", "acme"), ACME),  # CORRIDOR_DID_HOST's default
        ("localhost:8000", ("partners", "acme"), ACME),
        ("localhost%3a8000", ("partners", "acme"), ACME),
        ("Corridor.Example.COM", ("partners", "acme"), "did:web:corridor.example.com:partners:acme"),
        (" corridor.example ", ("partners", "Acme_2"), "did:web:corridor.example:partners:Acme_2"),
    ],
)
def test_did_web_is_built_as_the_method_says(host: str, path: tuple[str, ...], expected: str) -> None:
    assert did_web(host, *path) == expected


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),  # spec
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),  # spec
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),  # spec
        ("did:web:example.com:u:bob", "https://example.com/u/bob/did.json"),  # spec
        (ACME, "https://localhost:8000/partners/acme/did.json"),
    ],
)
def test_did_web_document_url_follows_the_read_operation(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_parsed_did_web_has_host_port_and_path() -> None:
    parsed = parse_did_web(ACME)

    assert (parsed.hostname, parsed.port, parsed.path) == ("localhost", 8000, ("partners", "acme"))
    assert parsed.authority == HOST


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.1.2.3:8000", "10.1.2.3%3A8000", "::1", "[::1]", "[2001:db8::1]:443", "2001:db8::1", "127.1"],
)
def test_ip_address_is_refused(host: str) -> None:
    with pytest.raises(InvalidDid, match="IP address"):
        did_web(host, "partners", "acme")


@pytest.mark.parametrize("did", ["did:web:127.0.0.1", "did:web:192.168.0.1%3A8000:partners:acme", "did:web:0x7f.1"])
def test_did_web_naming_an_ip_address_is_refused(did: str) -> None:
    with pytest.raises(InvalidDid, match="IP address"):
        did_web_to_url(did)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "exa_mple.com",
        "-corridor.example",
        "corridor-.example",
        "corridor..example",
        "corridor.example.",
        "corridor.example/partners",
        "user@corridor.example",
        "a" * 64 + ".example",
        "bücher.example",
        "corridor.example:",
        "corridor.example:0",
        "corridor.example:65536",
        "corridor.example:080",
        "corridor.example:http",
        "corridor.example%2Fevil",
    ],
)
def test_host_that_is_not_a_host_name_is_refused(host: str) -> None:
    with pytest.raises(InvalidDid):
        did_web(host)


@pytest.mark.parametrize("segment", ["", ".", "..", "a:b", "a/b", "a%3Ab", "a b", "a#b"])
def test_path_segment_that_could_change_the_url_is_refused(segment: str) -> None:
    with pytest.raises(InvalidDid, match="path segment"):
        did_web(HOST, "partners", segment)


@pytest.mark.parametrize(
    "did",
    [
        "did:web:Localhost%3A8000:partners:acme",  # upper-case host: another string, same domain
        "did:web:localhost%3a8000:partners:acme",  # lower-case percent-encoding
        "did:web:corridor.example:partners:..",
        "did:web:corridor.example:%2e%2e:x",
        "did:web:corridor.example:a%2Fb",
        "did:web:corridor.example::acme",
        "did:web:corridor.example:partners:acme#key-1",
        "did:web:corridor.example/partners",
        "did:web:",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    ],
)
def test_did_web_from_input_is_parsed_strictly(did: str) -> None:
    with pytest.raises(InvalidDid):
        did_web_to_url(did)


def test_unencoded_port_is_a_path_not_a_port() -> None:
    # The reason the method percent-encodes a port's colon: unencoded, "8000" is a directory.
    assert did_web_to_url("did:web:corridor.example:8000") == "https://corridor.example/8000/did.json"


# -- partner documents: shape, rotation, revocation --------------------------------------------


def test_document_of_a_partner_with_one_key() -> None:
    key = Ed25519PrivateKey.generate()
    document = did_document(ACME, [KeyInfo("key-1", multikey(key))])

    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": ACME,
        "verificationMethod": [
            {
                "id": f"{ACME}#key-1",
                "type": "Multikey",
                "controller": ACME,
                "publicKeyMultibase": multikey(key),
            }
        ],
        "assertionMethod": [f"{ACME}#key-1"],
        "authentication": [f"{ACME}#key-1"],
    }
    json.dumps(document)


def test_rotated_key_stays_listed_for_assertions_and_revoked_key_disappears() -> None:
    rotated, current, revoked = (multikey(Ed25519PrivateKey.generate()) for _ in range(3))
    document = did_document(
        ACME,
        [
            KeyInfo("key-1", rotated, KeyState.ROTATED),
            KeyInfo("key-2", revoked, KeyState.REVOKED),
            KeyInfo("key-3", current, "current"),  # the model's state string works too
        ],
    )

    assert [method["id"] for method in document["verificationMethod"]] == [f"{ACME}#key-1", f"{ACME}#key-3"]
    assert document["assertionMethod"] == [f"{ACME}#key-1", f"{ACME}#key-3"]
    assert document["authentication"] == [f"{ACME}#key-3"]
    assert "key-2" not in json.dumps(document)
    assert revoked not in json.dumps(document)


def test_old_credentials_verify_after_rotation_but_not_after_revocation(no_network: None) -> None:
    keys = {name: Ed25519PrivateKey.generate() for name in ("key-1", "key-2", "key-3")}
    states = {"key-1": KeyState.ROTATED, "key-2": KeyState.REVOKED, "key-3": KeyState.CURRENT}
    document = did_document(ACME, [KeyInfo(name, multikey(key), states[name]) for name, key in keys.items()])
    resolver = resolver_for({ACME: document})
    message = b"step credential, canonical form"
    signatures = {name: key.sign(message) for name, key in keys.items()}

    for name in ("key-1", "key-3"):
        method = resolver.verification_method(f"{ACME}#{name}", controller=ACME)
        Ed25519PublicKey.from_public_bytes(method.public_key).verify(signatures[name], message)
        assert method.public_key_multibase == multikey(keys[name])
    with pytest.raises(VerificationMethodRejected, match="no longer listed"):
        resolver.verification_method(f"{ACME}#key-2", controller=ACME)
    # and a key cannot vouch for another key's signature
    method = resolver.verification_method(f"{ACME}#key-1")
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(method.public_key).verify(signatures["key-3"], message)


def test_rotated_key_cannot_authenticate() -> None:
    document = did_document(
        ACME,
        [KeyInfo("key-1", DI_PUBLIC_KEY, KeyState.ROTATED), KeyInfo("key-2", multikey(Ed25519PrivateKey.generate()))],
    )
    resolver = resolver_for({ACME: document})

    assert resolver.verification_method(f"{ACME}#key-2", relationship="authentication").id == f"{ACME}#key-2"
    with pytest.raises(VerificationMethodRejected, match="not authorised for authentication"):
        resolver.verification_method(f"{ACME}#key-1", relationship="authentication")


@pytest.mark.parametrize(
    ("keys", "error"),
    [
        ([KeyInfo("key-1", DI_PUBLIC_KEY), KeyInfo("key-1", DI_PUBLIC_KEY, KeyState.ROTATED)], ValueError),
        ([KeyInfo("key 1", DI_PUBLIC_KEY)], ValueError),
        ([KeyInfo("key#1", DI_PUBLIC_KEY)], ValueError),
        ([KeyInfo("key-1", DI_PUBLIC_KEY, "lost")], ValueError),
        ([KeyInfo("key-1", "z" + b58encode(b"\x80\x24" + bytes(33)))], InvalidDid),  # a P-256 key
        ([KeyInfo("key-1", DI_PUBLIC_KEY[:-1])], InvalidDid),
        ([KeyInfo("key-1", "u" + DI_PUBLIC_KEY[1:])], InvalidDid),
        ([KeyInfo("key-1", "z0OIl")], InvalidDid),
    ],
)
def test_document_refuses_bad_keys(keys: list[KeyInfo], error: type[Exception]) -> None:
    with pytest.raises(error):
        did_document(ACME, keys)


def test_document_needs_a_did() -> None:
    with pytest.raises(InvalidDid):
        did_document("https://corridor.example/partners/acme", [])


# -- did:key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "did", "public_key_base58"), DID_KEY_VECTORS)
def test_did_key_vectors_resolve_to_their_public_key(seed: str, did: str, public_key_base58: str) -> None:
    private_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))

    method = resolver_for({}).verification_method(f"{did}#{did.removeprefix('did:key:')}", controller=did)

    assert b58encode(method.public_key) == public_key_base58
    assert method.public_key == private_key.public_key().public_bytes_raw()
    assert did_key(multikey(private_key)) == did


def test_did_key_of_the_data_integrity_test_key_matches_its_private_key() -> None:
    decoded_private = b58decode(DI_PRIVATE_KEY[1:])
    assert decoded_private[:2] == b"\x80\x26"  # multicodec ed25519-priv
    private_key = Ed25519PrivateKey.from_private_bytes(decoded_private[2:])

    assert ed25519_public_key(DI_PUBLIC_KEY) == private_key.public_key().public_bytes_raw()
    assert did_key(DI_PUBLIC_KEY) == f"did:key:{DI_PUBLIC_KEY}"


def test_did_key_document_lists_its_key_for_every_relationship() -> None:
    did = f"did:key:{DI_PUBLIC_KEY}"
    method_id = f"{did}#{DI_PUBLIC_KEY}"

    assert did_key_document(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "Multikey", "controller": did, "publicKeyMultibase": DI_PUBLIC_KEY}
        ],
        "assertionMethod": [method_id],
        "authentication": [method_id],
        "capabilityInvocation": [method_id],
        "capabilityDelegation": [method_id],
    }


@pytest.mark.parametrize(
    "did",
    [
        "did:key:zDnaewCdcZ4ERAPqpnobQrwXcCRqCw7tWR95DSnQPaMhwJJnv",  # P-256 (spec example's ECDSA key)
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",
        "did:key:" + "z" * 200,
        "did:key:",
    ],
)
def test_did_key_other_than_ed25519_is_refused(did: str) -> None:
    with pytest.raises(InvalidDid):
        resolver_for({}).resolve(did)


def test_did_key_fragment_must_be_its_key() -> None:
    did = f"did:key:{DI_PUBLIC_KEY}"

    with pytest.raises(VerificationMethodRejected, match="is not a key of"):
        resolver_for({}).verification_method(f"{did}#key-1")


# -- resolving: this deployment, the allow-list, and nothing else ------------------------------


def test_unknown_did_of_another_deployment_is_refused_without_fetching(no_network: None) -> None:
    asked: list[str] = []
    resolver = DidResolver(local_host=HOST, local_documents=asked.append)

    with pytest.raises(DidNotAllowed, match="not on the allow-list"):
        resolver.verification_method(f"{FOREIGN}#key-1", controller=FOREIGN)
    assert asked == []


def test_did_of_another_deployment_on_the_allow_list_resolves(no_network: None) -> None:
    document = did_document(FOREIGN, [KeyInfo("key-1", DI_PUBLIC_KEY)])
    resolver = resolver_for({}, allowed={FOREIGN: document})

    assert resolver.resolve(FOREIGN) is document
    assert resolver.verification_method(f"{FOREIGN}#key-1").public_key == ed25519_public_key(DI_PUBLIC_KEY)


def test_same_host_on_another_port_is_another_deployment() -> None:
    other_port = "did:web:localhost%3A9000:partners:acme"

    with pytest.raises(DidNotAllowed):
        resolver_for({other_port: {"id": other_port}}).resolve(other_port)


def test_allow_list_entry_describing_another_did_is_a_configuration_error() -> None:
    with pytest.raises(InvalidDidDocument):
        resolver_for({}, allowed={FOREIGN: did_document(ACME, [])})


def test_unknown_partner_of_this_deployment_is_not_found() -> None:
    with pytest.raises(DidNotFound, match="names no partner"):
        resolver_for({}).resolve(ACME)


def test_local_document_for_another_did_is_refused() -> None:
    other = did_web(HOST, "partners", "bravo")

    with pytest.raises(InvalidDidDocument, match="describes"):
        resolver_for({ACME: did_document(other, [])}).resolve(ACME)


def test_the_local_host_setting_may_be_written_with_a_plain_colon() -> None:
    resolver = DidResolver(local_host="LOCALHOST:8000", local_documents={ACME: did_document(ACME, [])}.get)

    assert resolver.resolve(ACME)["id"] == ACME


@pytest.mark.parametrize("did", ["did:example:12345", "did:ethr:0xb9c5714089478a327f09197987f16f9e5d936e8a", 42])
def test_other_did_methods_are_not_resolved(did: object) -> None:
    with pytest.raises(UnsupportedDidMethod):
        resolver_for({}).resolve(did)  # type: ignore[arg-type]


# -- verification method checks ----------------------------------------------------------------


def _foreign_resolver(**document_changes: object) -> DidResolver:
    document = {**did_document(FOREIGN, [KeyInfo("key-1", DI_PUBLIC_KEY)]), **document_changes}
    return resolver_for({}, allowed={FOREIGN: document})


def test_key_of_another_did_than_the_issuer_is_refused() -> None:
    resolver = resolver_for({ACME: did_document(ACME, [KeyInfo("key-1", DI_PUBLIC_KEY)])})

    with pytest.raises(VerificationMethodRejected, match="not of the issuer"):
        resolver.verification_method(f"{ACME}#key-1", controller=did_web(HOST, "partners", "bravo"))


@pytest.mark.parametrize("method_id", [ACME, f"{ACME}#", "#key-1", "key-1", f"{ACME}/path#key-1", None])
def test_method_id_must_be_a_did_with_a_fragment(method_id: object) -> None:
    with pytest.raises(VerificationMethodRejected, match="not a verification method id"):
        resolver_for({}).verification_method(method_id)  # type: ignore[arg-type]


def test_key_not_listed_for_assertions_is_refused() -> None:
    resolver = _foreign_resolver(assertionMethod=[])

    with pytest.raises(VerificationMethodRejected, match="not authorised for assertionMethod"):
        resolver.verification_method(f"{FOREIGN}#key-1")


def test_relative_references_and_embedded_methods_are_understood() -> None:
    method = {"id": "#key-1", "type": "Multikey", "controller": FOREIGN, "publicKeyMultibase": DI_PUBLIC_KEY}
    relative = _foreign_resolver(verificationMethod=[method], assertionMethod=["#key-1"])
    embedded = _foreign_resolver(verificationMethod=[], assertionMethod=[{**method, "id": f"{FOREIGN}#key-1"}])

    assert relative.verification_method(f"{FOREIGN}#key-1").controller == FOREIGN
    assert embedded.verification_method(f"{FOREIGN}#key-1").controller == FOREIGN


@pytest.mark.parametrize(
    ("method_changes", "message"),
    [
        ({"controller": ACME}, "is controlled by"),
        ({"type": "Ed25519VerificationKey2020"}, "not Multikey"),
        ({"revoked": "2026-01-01T00:00:00Z"}, "marked revoked"),
        ({"publicKeyMultibase": "zDnaewCdcZ4ERAPqpnobQrwXcCRqCw7tWR95DSnQPaMhwJJnv"}, "not an Ed25519 public key"),
        ({"publicKeyMultibase": None}, "not a base58btc Multikey"),
    ],
)
def test_unusable_verification_method_is_refused(method_changes: dict, message: str) -> None:
    base = did_document(FOREIGN, [KeyInfo("key-1", DI_PUBLIC_KEY)])["verificationMethod"][0]
    resolver = _foreign_resolver(verificationMethod=[{**base, **method_changes}])

    with pytest.raises(VerificationMethodRejected, match=message):
        resolver.verification_method(f"{FOREIGN}#key-1")


def test_unknown_relationship_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="relationship"):
        resolver_for({}).verification_method(f"did:key:{DI_PUBLIC_KEY}#{DI_PUBLIC_KEY}", relationship="keyAgreement")


def test_resolving_does_not_change_the_stored_document() -> None:
    document = _foreign_resolver().resolve(FOREIGN)
    snapshot = json.dumps(document, sort_keys=True)
    resolver = resolver_for({}, allowed={FOREIGN: document})

    resolver.verification_method(f"{FOREIGN}#key-1")

    assert json.dumps(document, sort_keys=True) == snapshot
