"""Hostile EPCIS documents for the tests (no Django imports: a memory-limited subprocess builds them too)."""

from __future__ import annotations

import json

GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _event(number: int, **extra: object) -> dict:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "eventTime": "2026-03-01T10:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{number}"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        **extra,
    }


def hostile_document(levels: int = 50_000, padding_events: int = 2_000) -> bytes:
    """About 700 KB: ordinary events, then one whose extension nests ``levels`` deep."""
    events = [json.dumps(_event(number)) for number in range(padding_events)]
    deep = json.dumps(_event(padding_events, **{"example:x": "@@"})).replace('"@@"', "[" * levels + "]" * levels)
    body = ",".join([*events, deep])
    return (
        '{"@context":["' + GS1_CONTEXT + '",{"example":"https://example.com/"}],"type":"EPCISDocument",'
        '"schemaVersion":"2.0","creationDate":"2026-03-21T00:00:00Z","epcisBody":{"eventList":[' + body + "]}}"
    ).encode()


def heavy_document(members: int) -> bytes:
    """One event with ``members`` one-member objects: the most memory per byte of JSON."""
    event = _event(1, **{"example:x": [{"a": 1}] * members})
    return json.dumps(
        {
            "@context": [GS1_CONTEXT, {"example": "https://example.com/"}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-03-21T00:00:00Z",
            "epcisBody": {"eventList": [event]},
        }
    ).encode()
