"""The issuance fast paths give exactly pyld's results: canonical N-Quads and signed documents, byte for byte.

Three shortcuts are checked against the reference: the memoized expansion (no input copy, IRI
expansions kept per processed context), RDFC-1.0 without hashing for datasets with at most one blank
node, and signing in two steps (:func:`dataintegrity.prepare` before the locks, then
:func:`dataintegrity.sign_prepared` with the status entries and chain links through a template).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.credentials import dataintegrity
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2, DataLossDetected, canonicalize
from apps.credentials.subjects import step_subject
from tests.credentials.samples import step_credential
from tests.credentials.test_jsonld import credentials, reference_canonicalize
from tests.vectors import VECTORS

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
METHOD = "did:web:corridor.example:partners:acme#key-1"
CREATED = datetime(2026, 3, 1, 2, 0, 5, tzinfo=UTC)
BASE = "https://corridor.example"
LATE = ("credentialStatus", "relatedResource")


def _events() -> list[tuple[str, str, dict[str, Any]]]:
    """(source, name, event) for every event of the GS1 EPCIS examples and the DCSA sample messages."""
    found = []
    for path in sorted((VECTORS / "epcis").glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for index, event in enumerate(document.get("epcisBody", {}).get("eventList", [])):
            found.append(("epcis", f"{path.name}#{index}", event))
    for path in sorted((VECTORS / "dcsa" / "messages").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        events = document if isinstance(document, list) else document.get("events", [document])
        for index, event in enumerate(events):
            if isinstance(event, dict) and "eventType" in event:
                found.append(("dcsa", f"{path.name}#{index}", event))
    return found


def _issued_shape(source: str, event: dict[str, Any], number: int) -> dict[str, Any]:
    """The unsigned step credential issuance builds for a stored event (subject from ``subjects``)."""
    stored = SimpleNamespace(
        source=source,
        payload=event,
        event_type=event.get("type") if source == "epcis" else event.get("eventType", "TRANSPORT"),
        event_id=str(event.get("eventID") or f"urn:uuid:00000000-0000-4000-8000-{number:012d}"),
        event_time=datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
        event_time_zone_offset="+08:00",
        record_time=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        version=1,
        action="",
        biz_step="",
        disposition="",
        parent_id="",
        epcs=[],
        child_epcs=[],
        read_point="",
        biz_location="",
        event_code=event.get("transportEventTypeCode", "") if source == "dcsa" else "",
        event_classifier=event.get("eventClassifierCode", "") if source == "dcsa" else "",
        location="",
        vessel_imo="",
        voyage_number="",
        mode_of_transport="",
        equipment=[],
        documents=[],
    )
    consignment = SimpleNamespace(
        pk=f"c0ffee00-0000-4000-8000-{number:012d}", reference="PO-1", transport_document_number=""
    )
    document = step_credential(number=number)
    document["credentialSubject"] = step_subject(
        stored, consignments=[consignment], recorder_did="did:web:corridor.example:partners:acme", base_url=BASE
    )
    return document


EVENTS = _events()


def test_the_sample_events_are_found():
    sources = {source for source, _, _ in EVENTS}
    assert sources == {"epcis", "dcsa"}
    assert len(EVENTS) > 20


@pytest.mark.parametrize(("source", "name", "event"), EVENTS, ids=[name for _, name, _ in EVENTS])
def test_every_sample_event_canonicalizes_and_signs_as_pyld_does(source, name, event):
    document = _issued_shape(source, event, number=len(name))
    kept = copy.deepcopy(document)
    try:
        ours = canonicalize(document)
    except DataLossDetected:
        pytest.fail(f"{name}: issuance would refuse its step credential")
    assert document == kept, "canonicalization changed its input"
    assert ours == reference_canonicalize(document)
    assert _two_step(document) == dataintegrity.sign(
        document, private_key=KEY, verification_method=METHOD, created=CREATED
    )


def _two_step(document: dict[str, Any]) -> dict[str, Any]:
    base = {key: value for key, value in document.items() if key not in LATE}
    additions = {key: document[key] for key in LATE if key in document}
    prepared = dataintegrity.prepare(base)
    return dataintegrity.sign_prepared(
        prepared, additions=additions, private_key=KEY, verification_method=METHOD, created=CREATED
    )


@settings(max_examples=60, deadline=None)
@given(document=credentials())
def test_canonicalization_does_not_change_its_input(document):
    kept = copy.deepcopy(document)
    canonicalize(document)
    assert document == kept


ODD = st.one_of(
    st.text(max_size=8),
    st.sampled_from(['quote"d', "back\\slash", "new\nline", "tab\t", "caf\u00e9", "urn:x:1", "https://e.example/a b"]),
)
LINK = st.one_of(
    st.builds(lambda n: f"{BASE}/credentials/{n}", st.integers(0, 5)),
    st.sampled_from(["urn:uuid:6f1e", "https://e.example/\u00e9", f"{BASE}/status/1#7"]),
)


@st.composite
def signed_in_two_steps(draw: st.DrawFn) -> dict[str, Any]:
    """A step credential whose status entries and links vary, odd values included."""
    number = draw(st.integers(0, 999))
    document = step_credential(number=number)
    status_url = draw(st.sampled_from([f"{BASE}/credentials/status/1", "https://e.example/s?x=1", "urn:x:status"]))
    document["credentialStatus"] = [
        {
            "id": f"{status_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": draw(st.one_of(st.just(str(index)), ODD)),
            "statusListCredential": status_url,
        }
        for purpose, index in (("revocation", draw(st.integers(0, 9))), ("suspension", draw(st.integers(0, 9))))
    ]
    related = [
        {"id": draw(LINK), "digestMultibase": draw(st.one_of(st.just("uEiBZ-_x"), ODD))}
        for _ in range(draw(st.integers(0, 3)))
    ]
    if related:
        document["relatedResource"] = related
    else:
        document.pop("relatedResource")
    return document


@settings(max_examples=150, deadline=None)
@given(document=signed_in_two_steps())
def test_signing_in_two_steps_equals_signing_at_once(document):
    try:
        expected = dataintegrity.sign(document, private_key=KEY, verification_method=METHOD, created=CREATED)
    except (DataLossDetected, ValueError) as error:
        with pytest.raises(type(error)):
            _two_step(document)
        return
    assert _two_step(document) == expected


def test_a_related_resource_without_id_is_a_blank_node_and_still_signs_exactly():
    document = step_credential(number=3)
    document["relatedResource"] = [
        {"digestMultibase": "uEiBZ"},
        {"id": f"{BASE}/credentials/1", "digestMultibase": "u1"},
    ]
    assert _two_step(document) == dataintegrity.sign(
        document, private_key=KEY, verification_method=METHOD, created=CREATED
    )


def test_additions_may_not_replace_what_was_prepared():
    prepared = dataintegrity.prepare(
        {
            "@context": [CREDENTIALS_V2, CORRIDOR_V1],
            "id": f"{BASE}/c/1",
            "type": ["VerifiableCredential"],
            "issuer": "did:x:1",
            "credentialSubject": {"id": "urn:x:2"},
        }
    )
    with pytest.raises(dataintegrity.ProofGenerationError):
        dataintegrity.sign_prepared(
            prepared, additions={"issuer": "did:x:9"}, private_key=KEY, verification_method=METHOD, created=CREATED
        )
