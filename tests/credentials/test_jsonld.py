"""The JSON-LD layer: bundled contexts only, nothing dropped silently, caching that changes nothing.

The processed-context cache is the one optimisation between us and plain pyld; a property test checks
on generated credentials (step credentials, full subjects, signed ones, presentations) that the
canonical form is exactly what a fresh, uncached pyld ``normalize(..., URDNA2015)`` gives.
"""

from __future__ import annotations

import copy
import json
import socket
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from apps.credentials import jsonld
from apps.credentials.jsonld import (
    CONTEXTS_DIR,
    CORRIDOR_V1,
    CREDENTIALS_V2,
    DataLossDetected,
    InvalidJsonLd,
    UnknownContext,
    bundled_registry,
    canonicalize,
)
from tests.credentials.samples import first_epcis_event, full_subject, step_credential

UNKNOWN = "https://contexts.example.com/unknown/v1"


def test_loader_serves_every_bundled_context_and_nothing_else():
    registry = bundled_registry()
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    assert registry.urls == set(index)
    for url in index:
        assert registry.load(url)["document"]["@context"]
    with pytest.raises(UnknownContext) as refused:
        registry.load(UNKNOWN)
    assert refused.value.url == UNKNOWN
    assert UNKNOWN in str(refused.value)


@pytest.mark.parametrize("where", ["top", "nested"])
def test_document_citing_an_unknown_context_is_refused_by_name_without_network(where, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(pyld_jsonld, "_default_document_loader", no_network)
    document = step_credential()
    if where == "top":
        document["@context"].append(UNKNOWN)
    else:
        document["credentialSubject"]["@context"] = UNKNOWN
    with pytest.raises(UnknownContext) as refused:
        canonicalize(document)
    assert refused.value.url == UNKNOWN


def test_unknown_context_inside_an_inline_context_is_refused_through_the_loader():
    registry = bundled_registry()
    document = step_credential()
    document["@context"] = [CREDENTIALS_V2, CORRIDOR_V1, {"@context": UNKNOWN}]
    with pytest.raises(UnknownContext):
        registry.canonicalize(document)


def test_unknown_context_cited_by_a_bundled_context_is_refused_through_pyld():
    """The pre-check sees only the document; a context's own imports reach the loader, which refuses too."""
    wrapper = "https://contexts.example.com/wrapper/v1"
    registry = bundled_registry().extended({wrapper: {"@context": [UNKNOWN]}})
    with pytest.raises(UnknownContext) as refused:
        registry.canonicalize({"@context": wrapper, "id": "urn:x", "urn:p": "v"})
    assert refused.value.url == UNKNOWN


def test_undefined_term_is_data_loss_not_silently_dropped():
    document = step_credential()
    document["credentialSubject"]["temperatureNote"] = "kept cold"
    with pytest.raises(DataLossDetected, match="temperatureNote"):
        canonicalize(document)
    # What plain pyld does with the same document: the term vanishes from what would be signed.
    plain = pyld_jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": jsonld.document_loader},
    )
    assert "kept cold" not in plain


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("readPoint", {"id": "warehouse/7"}, "absolute IRI"),
        ("epcList", ["urn:epc:id:sgtin:0614141.107346.2017", "2018"], "absolute IRI"),
        ("readPoint", {"id": "https://example.com/a b"}, "absolute IRI"),
        ("type", "StepEvent", "not defined"),
        ("bizTransactionList", [{"type": "po", "bizTransaction": "po/123"}], "absolute IRI"),
    ],
)
def test_values_that_are_not_absolute_iris_are_data_loss(field, value, reason):
    document = step_credential()
    document["credentialSubject"][field] = value
    with pytest.raises(DataLossDetected, match=reason):
        canonicalize(document)


def test_undefined_credential_type_is_data_loss():
    document = step_credential()
    document["type"].append("CustomsCredential")
    with pytest.raises(DataLossDetected, match="CustomsCredential"):
        canonicalize(document)


def test_invalid_json_ld_is_reported_with_its_code():
    document = step_credential()
    document["@context"] = [CREDENTIALS_V2, CORRIDOR_V1, {"name": "https://example.com/changed"}]
    with pytest.raises(InvalidJsonLd) as refused:
        canonicalize(document)
    assert refused.value.code == "protected term redefinition"


def test_bundled_documents_are_not_changed_by_processing():
    registry = bundled_registry()
    registry.canonicalize(step_credential())
    registry.canonicalize({"@context": CREDENTIALS_V2, "id": "urn:x", "type": "VerifiablePresentation"})
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    for url, name in index.items():
        assert registry.load(url)["document"] == json.loads((CONTEXTS_DIR / name).read_text()), url


def test_processed_contexts_are_reused_across_documents(monkeypatch):
    registry = bundled_registry()
    registry.canonicalize(step_credential(number=1))
    created = []
    original = pyld_jsonld.JsonLdProcessor._create_term_definition

    def counting(self, *args, **kwargs):
        created.append(args[2])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pyld_jsonld.JsonLdProcessor, "_create_term_definition", counting)
    registry.canonicalize(step_credential(number=2))
    assert created == []


# Property test: the cached canonicalization equals fresh, uncached pyld on generated credentials.


def reference_canonicalize(document: dict) -> str:
    """Plain pyld: a fresh cache, fresh copies of the contexts, URDNA2015."""
    registry = bundled_registry()

    def loader(url, options=None):
        return {**registry.load(url), "document": copy.deepcopy(registry.load(url)["document"])}

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": loader,
        "contextResolver": ContextResolver({}, loader),
    }
    return pyld_jsonld.normalize(copy.deepcopy(document), options)


TEXT = st.text(max_size=12)
SAFE = st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=1, max_size=10)
IRI = st.builds(lambda scheme, rest: f"{scheme}{rest}", st.sampled_from(["urn:x:", "https://e.example/"]), SAFE)
WORD = st.sampled_from(["shipping", "receiving", "departing", "arriving", "loading", "unloading", "inspecting"])
NUMBER = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32))


@st.composite
def credentials(draw: st.DrawFn) -> dict:
    number = draw(st.integers(0, 999))
    document = step_credential(number=number)
    subject = document["credentialSubject"]
    if draw(st.booleans()):
        subject = {**full_subject(), **{k: v for k, v in subject.items() if draw(st.booleans())}}
        document["credentialSubject"] = subject
    for key in [k for k in subject if k not in ("type", "eventTime")]:
        if draw(st.integers(0, 4)) == 0:
            del subject[key]
    subject["bizStep"] = draw(st.one_of(WORD, IRI))
    subject["epcList"] = draw(st.lists(IRI, max_size=4))
    subject["bizTransactionList"] = [
        {"type": draw(st.sampled_from(["po", "inv", "bol", "desadv"])), "bizTransaction": iri}
        for iri in draw(st.lists(IRI, max_size=3))
    ]
    subject["consignmentReference"] = draw(TEXT)
    if draw(st.booleans()):
        subject["sensorElementList"] = [
            {"sensorReport": [{"type": "Temperature", "value": draw(NUMBER), "uom": "CEL"}]}
            for _ in range(draw(st.integers(0, 3)))
        ]
    if draw(st.booleans()):
        subject["extensions"] = draw(st.dictionaries(SAFE, st.one_of(TEXT, st.integers()), max_size=3))
    document["relatedResource"] = [
        {"id": iri, "digestMultibase": "u" + draw(SAFE)} for iri in draw(st.lists(IRI, max_size=2, unique=True))
    ]
    if draw(st.booleans()):
        document["proof"] = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-03-01T10:00:00Z",
            "verificationMethod": draw(IRI) + "#key-1",
            "proofPurpose": draw(st.sampled_from(["assertionMethod", "authentication"])),
            "proofValue": "z" + draw(SAFE),
        }
    if draw(st.booleans()):
        document = {
            "@context": [CREDENTIALS_V2],
            "type": "VerifiablePresentation",
            "verifiableCredential": [document, step_credential(number=number + 1)],
        }
    return document


@settings(max_examples=60, deadline=None)
@given(document=credentials())
def test_cached_canonicalization_equals_plain_pyld_on_generated_credentials(document):
    assert canonicalize(document) == reference_canonicalize(document)


def test_reference_canonicalization_matches_on_the_named_reference():
    document = step_credential(first_epcis_event())
    assert canonicalize(document) == reference_canonicalize(document)
