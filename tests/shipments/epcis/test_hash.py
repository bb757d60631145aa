"""CBV 2.0 event hash: the official vectors' expected values, then the properties the hash promises.

No database: the hash module is pure. The vectors are in ``tests/vectors`` (see its PROVENANCE.md).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from apps.shipments.epcis.hash import (
    document_event_hashes,
    document_events,
    event_hash,
    event_prehash,
    hash_context,
)
from tests.vectors import VECTORS

HASH_VECTORS = VECTORS / "epcis-hash"
GS1_EXAMPLES = VECTORS / "epcis"
HASH_ID = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")


def _expected_entries() -> list[dict[str, Any]]:
    return json.loads((HASH_VECTORS / "expected.json").read_text(encoding="utf-8"))["entries"]


def _document_path(name: str) -> Path:
    # expected.json names its own documents from its folder ("vectors/...") and the GS1 examples by
    # their path in the workspace it was built in (".../epcis/NAME"), copied here to tests/vectors/epcis.
    path = PurePosixPath(name)
    return GS1_EXAMPLES / path.name if path.parent.name == "epcis" else HASH_VECTORS / path


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _example(name: str, index: int = 0) -> tuple[dict[str, Any], Any]:
    """An event of a GS1 example document, and the document's hash context."""
    document = _load(GS1_EXAMPLES / name)
    return copy.deepcopy(document_events(document)[index]), hash_context(document.get("@context"))


def _accepted(entry: dict[str, Any]) -> set[str]:
    """The reference value and every hash another implementation recorded (DESIGN §10 accepts alternates:
    for events with sensor data the shipped 2023 GS1 context gives the "2023 context" alternate)."""
    alternates = (entry["alternates"] or {}).values()
    return {entry["hash"], *(value for value in alternates if isinstance(value, str) and value.startswith("ni:///"))}


def test_every_scored_vector_event_hashes_as_a_reference_implementation_does():
    entries = _expected_entries()
    hashes = {name: document_event_hashes(_load(_document_path(name))) for name in {entry["file"] for entry in entries}}
    assert {name: len(values) for name, values in hashes.items()} == Counter(entry["file"] for entry in entries)

    scored = [entry for entry in entries if entry["scored"] and entry["hash"]]
    wrong = [
        f"{entry['file']}#{entry['index']}: {hashes[entry['file']][entry['index']]}"
        for entry in scored
        if hashes[entry["file"]][entry["index"]] not in _accepted(entry)
    ]
    assert wrong == []
    assert len(scored) == 56


@pytest.mark.parametrize(
    "entry",
    [entry for entry in _expected_entries() if entry["scored"] and entry.get("prehash")],
    ids=lambda entry: f"{Path(entry['file']).stem}#{entry['index']}",
)
def test_prehash_equals_the_reference_prehash_of_every_scored_event(entry):
    document = _load(_document_path(entry["file"]))
    event = document_events(document)[entry["index"]]
    assert event_prehash(event, hash_context(document.get("@context"))) == entry["prehash"]


def test_prehash_of_gs1_example_9_6_1_second_event_is_the_published_string():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld", 1)
    expected = (HASH_VECTORS / "shared-epcis" / "Example_9.6.1-ObjectEvent.prehashes").read_text(encoding="utf-8")

    assert event_prehash(event, context) == expected.splitlines()[1]
    assert event_prehash(event, context) == (
        "eventType=ObjectEvent"
        "eventTime=2005-04-05T02:33:31.116ZeventTimeZoneOffset=-06:00"
        "epcListepc=https://id.gs1.org/01/10614141073464/21/2018"
        "action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-receiving"
        "disposition=https://ref.gs1.org/cbv/Disp-in_progress"
        "readPointid=https://id.gs1.org/414/0012345111112/254/400"
        "bizLocationid=https://id.gs1.org/414/0012345111112"
        "bizTransactionList"
        "type=https://ref.gs1.org/cbv/BTT-desadvbizTransaction=urn:epcglobal:cbv:bt:0614141073467:1152"
        "type=https://ref.gs1.org/cbv/BTT-pobizTransaction=http://transaction.acme.com/po/12345678"
        "{http://ns.example.com/epcis/}myField=Example of a vendor/user extension"
    )


def test_hash_is_an_ni_uri_with_lowercase_sha256_and_the_cbv_version():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    assert HASH_ID.fullmatch(event_hash(event, context))


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(value)}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@pytest.mark.parametrize(
    "name",
    [
        "Example_9.6.1-ObjectEvent.jsonld",
        "object_event_all_possible_fields.jsonld",
        "Example_9.6.4-TransformationEvent.jsonld",
    ],
)
def test_hash_does_not_change_when_every_object_lists_its_keys_in_another_order(name):
    event, context = _example(name)
    assert event_hash(_reversed_keys(event), context) == event_hash(event, context)


def test_hash_does_not_change_when_lists_the_standard_sorts_are_reordered():
    event, context = _example("object_event_all_possible_fields.jsonld")
    before = event_hash(event, context)
    event["epcList"].append("urn:epc:id:sgtin:0614141.107346.2019")
    event["quantityList"].append({"epcClass": "urn:epc:class:lgtin:4012345.012345.998878", "quantity": 5})
    event["sensorElementList"][0]["sensorReport"].append({"type": "RelativeHumidity", "value": 12.1, "uom": "P1"})
    grown = event_hash(event, context)

    for key in ("epcList", "bizTransactionList", "sourceList", "destinationList", "quantityList"):
        event[key].reverse()
    event["sensorElementList"][0]["sensorReport"].reverse()

    assert event_hash(event, context) == grown != before


def test_timestamps_of_the_same_instant_hash_the_same_whatever_their_offset():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    in_utc = dict(event, eventTime="2005-04-04T02:33:31.116Z")
    in_taipei = dict(event, eventTime="2005-04-04T10:33:31.116+08:00")
    a_millisecond_later = dict(event, eventTime="2005-04-04T10:33:31.117+08:00")

    assert event_hash(in_taipei, context) == event_hash(in_utc, context) == event_hash(event, context)
    assert event_hash(a_millisecond_later, context) != event_hash(in_utc, context)


def test_sub_millisecond_digits_round_half_up():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    rounded_up = event_prehash(dict(event, eventTime="2005-04-04T02:33:31.1155Z"), context)
    rounded_down = event_prehash(dict(event, eventTime="2005-04-04T02:33:31.1164999Z"), context)
    assert "eventTime=2005-04-04T02:33:31.116Z" in rounded_up
    assert "eventTime=2005-04-04T02:33:31.116Z" in rounded_down


def test_cbv_short_names_urns_and_web_uris_and_epc_urns_and_digital_links_hash_the_same():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    spelled_out = dict(
        event,
        bizStep="urn:epcglobal:cbv:bizstep:shipping",
        disposition="https://ref.gs1.org/cbv/Disp-in_transit",
        epcList=["https://id.gs1.org/01/10614141073464/21/2017", "https://example.com/gtin/10614141073464/21/2018"],
        readPoint={"id": "https://id.gs1.org/414/0614141073467/254/1234"},
        bizTransactionList=[
            {"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "http://transaction.acme.com/po/12345678"}
        ],
    )
    assert event_hash(spelled_out, context) == event_hash(event, context)


def test_capture_annotations_are_not_hashed():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    annotated = dict(
        event,
        eventID="urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8",
        recordTime="2024-01-01T00:00:00Z",
        errorDeclaration={"declarationTime": "2024-01-02T00:00:00Z", "reason": "incorrect_data"},
        certificationInfo="https://accreditation-council.example.org/certificate/ABC12345",
        comment="seen at the gate",
    )
    assert event_hash(annotated, context) == event_hash(event, context)


def test_user_extension_is_named_by_the_namespace_the_document_declares():
    event, _ = _example("Example_9.6.1-ObjectEvent.jsonld", 1)
    elsewhere = hash_context(["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                              {"example": "https://other.example.org/"}])  # fmt: skip

    assert "{https://other.example.org/}myField=" in event_prehash(event, elsewhere)
    assert event_hash(event, elsewhere) != event_hash(*_example("Example_9.6.1-ObjectEvent.jsonld", 1))


def test_business_transaction_type_comes_first_whatever_the_key_order():
    event, context = _example("Example_9.6.1-ObjectEvent.jsonld")
    id_first = dict(
        event, bizTransactionList=[{"bizTransaction": "http://transaction.acme.com/po/12345678", "type": "po"}]
    )
    assert event_hash(id_first, context) == event_hash(event, context)


def test_document_hashes_come_in_document_order_for_a_query_document_too():
    document = _load(HASH_VECTORS / "vectors" / "epcisQueryDocument.jsonld")
    expected = (HASH_VECTORS / "vectors" / "epcisQueryDocument.hashes").read_text(encoding="utf-8").split()
    assert document_event_hashes(document) == expected


def test_an_event_that_is_not_an_object_is_refused():
    with pytest.raises(TypeError, match="JSON object"):
        event_prehash(["not", "an", "event"])  # type: ignore[arg-type]
