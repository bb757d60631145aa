"""The template fast path gives pyld's canonical N-Quads byte for byte, or falls back to pyld and counts it.

The property test draws a credential and a second one of the same shape with other strings (odd
ones included: unicode, quotes, backslashes, control characters, language-tagged and typed
literals, blank nodes that hash alike, repeated IRIs, lists, JSON literals), builds a template from
the first and serves both from it, and compares each with plain pyld (``URDNA2015``, fresh
caches) and with the registry's own pyld path. A fallback is allowed; a difference is not. The
``thorough`` profile runs it 2,000 times (``HYPOTHESIS_PROFILE=thorough``), ``ci`` a bounded 60.
"""

from __future__ import annotations

import copy
import logging
import string
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from apps.core import metrics
from apps.credentials import canonical_templates
from apps.credentials.canonical_templates import DIFFERENCES, FALLBACKS, TemplateCanonicalizer
from apps.credentials.jsonld import CORRIDOR_V1, CREDENTIALS_V2, DataLossDetected, UnknownContext, bundled_registry
from tests.credentials.samples import first_epcis_event, full_subject, step_credential
from tests.credentials.test_jsonld import credentials, reference_canonicalize

XSD = "http://www.w3.org/2001/XMLSchema#"
SAFE = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=8)
ODD = st.sampled_from(
    [
        'quote"d',
        "back\\slash",
        "new\nline",
        "tab\t",
        "bell\x08",
        "nul\x00",
        "caf\u00e9",
        "\u4e2d\u6587",
        "\U0001f6a2",
        "",
        " ",
        "@id",
        "@nonsense",
        "_:b0",
        "a,b:c",
        "urn:x:1",
        "did:web:e.example:partners:p",
        "https://e.example/a b",
        "https://e.example/\u00e9",
        "https://e.example/x>y",
        "relative/path",
        "shipping",
        "VerifiableCredential",
        "xsd:string",
    ]
)
TEXT = st.one_of(st.text(max_size=10), ODD, SAFE)
IRI = st.one_of(
    st.builds(lambda rest: f"urn:x:{rest}", SAFE),
    st.builds(lambda rest: f"https://e.example/{rest}", SAFE),
    st.builds(lambda rest: f"did:web:e.example:{rest}", SAFE),
    st.sampled_from(["urn:x:same", "https://e.example/same"]),
)
VALUE = st.one_of(IRI, TEXT)
# Where JSON-LD wants an IRI: mostly one, now and then anything (which pyld may refuse as data loss).
MOSTLY_IRI = st.integers(0, 15).flatmap(lambda roll: VALUE if roll == 0 else IRI)
WORD = st.sampled_from(["in_transit", "active", "https://e.example/disposition", "urn:x:disposition"])
LANGUAGE = st.sampled_from(["en", "en-US", "zh-Hant-TW", "de-CH-1996"])
DATATYPE = st.sampled_from([f"{XSD}string", f"{XSD}token", f"{XSD}dateTime", "https://e.example/type"])
JSON_VALUE = st.recursive(
    st.one_of(VALUE, st.integers(-5, 5), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SAFE, inner, max_size=3),
    max_leaves=6,
)


def _credentials_in(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document.get("verifiableCredential", [document])


@st.composite
def shaped_credentials(draw: st.DrawFn) -> dict[str, Any]:
    """A step credential (or a presentation of two) with the odd features templates must get right."""
    document = draw(credentials())
    for credential in _credentials_in(document):
        subject = credential["credentialSubject"]
        if draw(st.booleans()):
            entry = {"type": draw(TEXT), "value": draw(TEXT)}
            # Equal entries are blank nodes whose first-degree hashes are equal.
            subject["documentReference"] = [
                entry if draw(st.booleans()) else {"type": draw(TEXT), "value": draw(TEXT)}
                for _ in range(draw(st.integers(1, 3)))
            ]
        if draw(st.booleans()):
            subject["consignmentReference"] = {"@value": draw(TEXT), "@language": draw(LANGUAGE)}
        if draw(st.booleans()):
            subject["eventTimeZoneOffset"] = {"@value": draw(TEXT), "@type": draw(DATATYPE)}
        if draw(st.booleans()):
            subject["action"] = draw(TEXT)
        if draw(st.booleans()):
            subject["disposition"] = draw(st.one_of(WORD, WORD, WORD, TEXT))
        if draw(st.booleans()):
            subject["extensions"] = draw(JSON_VALUE)
        if draw(st.booleans()):
            subject["childEPCs"] = {"@list": draw(st.lists(MOSTLY_IRI, max_size=3))}
        if draw(st.booleans()):
            subject["readPoint"] = draw(st.one_of(st.just({}), st.builds(lambda iri: {"id": iri}, MOSTLY_IRI)))
        if draw(st.booleans()):
            subject["recorder"] = draw(st.one_of(st.just(credential["issuer"]), MOSTLY_IRI))
        if draw(st.booleans()) and subject.get("consignment"):
            # A repeated id is one node in JSON-LD: its properties merge, repeated quads collapse.
            twin = copy.deepcopy(subject["consignment"][0])
            if draw(st.booleans()):
                twin["consignmentReference"] = draw(TEXT)
            subject["consignment"].append(twin)
        if draw(st.booleans()):
            subject["id"] = draw(st.one_of(MOSTLY_IRI, st.just(credential["id"])))
    return document


@st.composite
def same_shape(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with other strings where the template would write them (same kind of string mostly)."""
    if isinstance(document, dict):
        return {
            key: value
            if key in ("@context", "type", "@type") or (key.startswith("@") and key not in ("@id", "@value"))
            else draw(same_shape(value))
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [draw(same_shape(item)) for item in document]
    if not isinstance(document, str) or draw(st.integers(0, 3)) == 0:
        return document
    head = canonical_templates._IRI_HEAD.match(document)
    if head:
        return head.group(1) + draw(st.one_of(SAFE, st.text(alphabet=st.characters(exclude_categories=["Z", "C"]))))
    return draw(st.one_of(TEXT, SAFE, SAFE))


@st.composite
def document_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    first = draw(shaped_credentials())
    return first, draw(same_shape(first))


def _direct() -> TemplateCanonicalizer:
    """A fast path that templates every shape at once and never checks itself against pyld."""
    return bundled_registry().template_canonicalizer(build_after=0, check_every=None)


class _Reasons(logging.Handler):
    """The fallback reasons a canonicalizer logs, for the property test's statistics."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.reasons.append(str(record.args[0]) if record.args else record.getMessage())


@given(pair=document_pairs())
def test_templates_give_pyld_canonical_form_or_fall_back(pair):
    canonicalizer = _direct()
    registry = bundled_registry()
    reasons = _Reasons()
    logger = logging.getLogger(canonical_templates.__name__)
    for document in pair:
        kept = copy.deepcopy(document)
        logger.addHandler(reasons)
        try:
            fast = canonicalizer.canonicalize(document)
        except Exception as error:
            with pytest.raises(type(error)):
                registry.canonicalize(document)
            event(f"refused: {type(error).__name__}")
            continue
        finally:
            logger.removeHandler(reasons)
        event(f"fallback: {reasons.reasons[-1]}" if reasons.reasons else "template")
        reasons.reasons.clear()
        assert document == kept, "the fast path changed its input"
        assert fast == registry.canonicalize(document)
        assert fast == reference_canonicalize(document)


def _bench_like(number: int) -> dict[str, Any]:
    """The reference credential as issuance builds it: three blank nodes (subject, two document references)."""
    document = step_credential(first_epcis_event(), number=number)
    subject = document["credentialSubject"]
    subject["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
    subject["documentReference"] = [
        {"type": "PO", "value": "http://transaction.acme.com/po/12345678"},
        {"type": "TRD", "value": f"BENCHBL{number:05d}"},
    ]
    return document


def _full(number: int) -> dict[str, Any]:
    document = step_credential(number=number)
    document["credentialSubject"] = {**full_subject(), "eventID": f"urn:uuid:{number}", "unlocode": f"X{number}"}
    return document


@pytest.mark.parametrize("make", [step_credential, _bench_like, _full], ids=["reference", "issued", "full"])
def test_credentials_of_one_shape_are_served_from_their_template(make, monkeypatch):
    canonicalizer = bundled_registry().template_canonicalizer(check_every=None)
    documents = [make(number=number) for number in range(6)]
    for document in documents[:2]:  # the first sighting, then the template is built
        canonicalizer.canonicalize(document)
    calls = []
    monkeypatch.setattr(canonicalizer, "_reference", lambda document: calls.append(document) or "")
    served = [canonicalizer.canonicalize(document) for document in documents[2:]]
    assert calls == []
    assert served == [reference_canonicalize(document) for document in documents[2:]]


def test_a_shape_seen_once_costs_no_template():
    canonicalizer = bundled_registry().template_canonicalizer()
    before = metrics.process_counts().get(FALLBACKS, 0)
    assert canonicalizer.canonicalize(step_credential(number=1)) == reference_canonicalize(step_credential(number=1))
    assert canonicalizer._shapes
    assert all(shape.pins is None for shape in canonicalizer._shapes.values())
    assert metrics.process_counts().get(FALLBACKS, 0) == before


def test_a_fallback_is_counted_and_logged_once_per_reason(caplog):
    canonicalizer = _direct()
    inline = {**step_credential(), "@context": [CREDENTIALS_V2, CORRIDOR_V1, {"note": "https://e.example/note"}]}
    before = metrics.process_counts().get(FALLBACKS, 0)
    with caplog.at_level(logging.WARNING, logger="apps.credentials.canonical_templates"):
        for _ in range(3):
            assert canonicalizer.canonicalize(inline) == reference_canonicalize(inline)
    assert metrics.process_counts()[FALLBACKS] == before + 3
    assert [record.getMessage() for record in caplog.records] == [
        f"canonicalization fell back to pyld: an inline @context ({before + 1} fallbacks in this process so far)"
    ]


def test_blank_nodes_that_hash_alike_go_to_pyld():
    document = _bench_like(1)
    document["credentialSubject"]["documentReference"] = [{"type": "PO", "value": "x"}, {"type": "PO", "value": "x"}]
    canonicalizer = _direct()
    before = metrics.process_counts().get(FALLBACKS, 0)
    assert canonicalizer.canonicalize(document) == reference_canonicalize(document)
    assert metrics.process_counts()[FALLBACKS] == before + 1


def test_repeated_quads_from_one_iri_twice_go_to_pyld():
    document = step_credential(number=2)
    document["credentialSubject"]["epcList"] = ["urn:x:same", "urn:x:same"]
    canonicalizer = _direct()
    assert canonicalizer.canonicalize(document) == reference_canonicalize(document)


def test_a_template_that_differs_from_pyld_is_disabled_and_counted(monkeypatch, caplog):
    canonicalizer = bundled_registry().template_canonicalizer(build_after=0)
    monkeypatch.setattr(canonical_templates, "_write", lambda kind, value: value.upper())
    before = metrics.process_counts()
    with caplog.at_level(logging.ERROR, logger="apps.credentials.canonical_templates"):
        first = canonicalizer.canonicalize(step_credential(number=3))
    assert first == reference_canonicalize(step_credential(number=3)), "pyld's answer, not the template's"
    assert metrics.process_counts()[DIFFERENCES] == before.get(DIFFERENCES, 0) + 1
    assert "differ from pyld's" in caplog.text
    assert canonicalizer.canonicalize(step_credential(number=4)) == reference_canonicalize(step_credential(number=4))
    assert metrics.process_counts()[FALLBACKS] == before.get(FALLBACKS, 0) + 2


def test_errors_are_pylds_own():
    document = {**step_credential(), "@context": [CREDENTIALS_V2, "https://contexts.example.com/unknown/v1"]}
    canonicalizer = _direct()
    for _ in range(2):
        with pytest.raises(UnknownContext):
            canonicalizer.canonicalize(document)


def test_fast_canonicalization_is_what_signing_uses():
    registry = bundled_registry()
    document = _bench_like(7)
    assert registry.canonicalize(document, fast=True) == registry.canonicalize(document)
    assert registry._templates, "signing's canonicalizer is kept per limits"


def test_a_document_refused_for_its_own_strings_leaves_the_shape_to_the_others():
    canonicalizer = _direct()
    refused = step_credential(number=5)
    refused["credentialSubject"]["bizStep"] = "not a step"  # a @vocab value with a space: not an IRI
    with pytest.raises(DataLossDetected):
        canonicalizer.canonicalize(refused)
    fine = step_credential(number=6)
    before = metrics.process_counts().get(FALLBACKS, 0)
    assert canonicalizer.canonicalize(fine) == reference_canonicalize(fine)
    assert metrics.process_counts().get(FALLBACKS, 0) == before
