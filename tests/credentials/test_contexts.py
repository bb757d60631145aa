"""The bundled contexts are the published ones, and Corridor's own context defines every term it needs.

The VC 2.0 context has no ``@vocab``, so a term no context defines would vanish from the signed data
(DESIGN §9): these tests expand full subjects and check that every field arrives as RDF, with the
IRIs GS1's own EPCIS context gives the same fields.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.credentials.jsonld import CONTEXTS_DIR, CORRIDOR_V1, bundled_registry, canonicalize, expand
from tests.credentials.conftest import read_json
from tests.credentials.samples import aeo_subject, first_epcis_event, full_subject, step_credential
from tests.vectors import VECTORS

GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CBV = "https://ref.gs1.org/cbv/"
EPCIS = "https://ref.gs1.org/epcis/"
CORRIDOR = "https://w3id.org/corridor/vocab#"
PRODUCT_CONTEXTS = [
    "credentials-v2.jsonld",
    "credentials-v1.jsonld",
    "credentials-examples-v2.jsonld",
    "data-integrity-v2.jsonld",
    "multikey-v1.jsonld",
    "did-v1.jsonld",
    "vc-bitstring-status-list-v1.jsonld",
]


def corridor_context() -> dict[str, Any]:
    return read_json(CONTEXTS_DIR / "corridor-v1.jsonld")["@context"]


@pytest.mark.parametrize("name", PRODUCT_CONTEXTS)
def test_bundled_context_is_byte_identical_to_the_published_copy(name):
    assert (CONTEXTS_DIR / name).read_bytes() == (VECTORS / "contexts" / name).read_bytes()


def test_every_context_file_is_indexed_and_licensed():
    index = read_json(CONTEXTS_DIR / "index.json")
    files = {path.name for path in CONTEXTS_DIR.glob("*.jsonld")}
    assert set(index.values()) == files
    assert index[CORRIDOR_V1] == "corridor-v1.jsonld"
    licences = {path.name for path in (CONTEXTS_DIR / "licenses").iterdir()}
    assert len(licences) == 6
    published = VECTORS / "contexts" / "licenses"
    for name in licences:
        assert (CONTEXTS_DIR / "licenses" / name).read_bytes() == (published / name).read_bytes()


def test_corridor_context_is_protected_json_ld_11_with_full_iris():
    context = corridor_context()
    assert context["@protected"] is True
    assert context["@version"] == 1.1

    def iris(value: Any):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("@id", "@type", "@vocab"):
                    yield item
                elif key == "@context" or not key.startswith("@"):
                    yield from iris(item)

    for iri in iris(context):
        assert iri.startswith(("https://", "http://", "@")), iri


BRIEF_TERMS = [
    "eventID", "eventType", "eventTime", "eventTimeZoneOffset", "recordTime", "bizStep", "disposition",
    "readPoint", "bizLocation", "epcList", "parentID", "childEPCs", "bizTransactionList", "sensorElementList",
    "action", "StepCredential", "AeoCredential", "consignment", "consignmentReference", "transportDocumentNumber",
    "unlocode", "eventCode", "equipment", "recorder", "source",
]  # fmt: skip


def test_corridor_context_defines_every_step_credential_term():
    context = corridor_context()
    assert [term for term in BRIEF_TERMS if term not in context] == []
    assert "digestMultibase" not in context  # credentials v2 defines it (protected); we reuse it


def properties(expanded: Any) -> set[str]:
    """Every property IRI used anywhere in an expanded document."""
    found: set[str] = set()
    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict) and "@value" not in item:
            for key, value in item.items():
                if not key.startswith("@"):
                    found.add(key)
                stack.append(value)
    return found


def keys(value: Any) -> set[str]:
    """Every JSON key anywhere in a value, except ``id``/``type`` (keyword aliases) and @json content."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                found.add(key)
                if key not in ("ilmd", "extensions"):
                    stack.append(child)
    return found - {"id", "type"}


@pytest.mark.parametrize("subject", [full_subject(), aeo_subject(), step_credential()["credentialSubject"]])
def test_sample_subject_expands_with_no_term_dropped(subject):
    document = {**step_credential(), "credentialSubject": subject}
    expanded = expand(document)  # raises DataLossDetected if anything would be dropped
    subject_node = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"]
    used = properties(subject_node)
    # one expanded property per distinct JSON key (sourceList's "type" and others are scoped terms)
    assert len(used) >= len(keys(subject) - {"source", "destination"})
    assert all(iri.startswith(("https://", "http://")) for iri in used)


def test_step_credential_canonical_form_uses_cbv_and_status_list_iris():
    nquads = canonicalize(step_credential())
    assert f"<{EPCIS}bizStep> <{CBV}BizStep-shipping>" in nquads
    assert f"<{EPCIS}disposition> <{CBV}Disp-in_transit>" in nquads
    assert f"<{EPCIS}bizTransactionType> <{CBV}BTT-po>" in nquads
    assert f"<{CORRIDOR}StepCredential>" in nquads
    assert '<https://www.w3.org/ns/credentials/status#statusPurpose> "suspension"' in nquads
    assert "<https://w3id.org/security#digestMultibase>" in nquads


def gs1_context() -> dict[str, Any]:
    return read_json(VECTORS / "epcis" / "epcis-context.jsonld")["@context"]


def cbv_words() -> dict[str, dict[str, str]]:
    """CBV code word → compact IRI, per field, from GS1's EPCIS 2.0 context (the oracle)."""
    gs1 = gs1_context()
    return {
        "bizStep": gs1["bizStep"]["@context"],
        "disposition": gs1["disposition"]["@context"],
        "bizTransactionType": gs1["bizTransactionList"]["@context"]["type"]["@context"],
        "sourceOrDestinationType": gs1["sourceList"]["@context"]["type"]["@context"],
        "reason": gs1["errorDeclaration"]["@context"]["reason"]["@context"],
        "measurementType": gs1["sensorElementList"]["@context"]["sensorReport"]["@context"]["type"]["@context"],
    }


def subject_with(field: str, word: str) -> dict[str, Any]:
    return {
        "bizStep": {"bizStep": word},
        "disposition": {"disposition": word},
        "bizTransactionType": {"bizTransactionList": [{"type": word, "bizTransaction": "urn:x:bt"}]},
        "sourceOrDestinationType": {"sourceList": [{"type": word, "source": "urn:x:s"}]},
        "reason": {"errorDeclaration": {"reason": word}},
        "measurementType": {"sensorElementList": [{"sensorReport": [{"type": word}]}]},
    }[field]


def test_cbv_code_words_expand_to_the_iris_gs1_gives_them():
    prefixes = {"cbv": CBV, "gs1": "https://gs1.org/voc/"}
    for field, words in cbv_words().items():
        for word, compact in words.items():
            prefix, _, rest = compact.partition(":")
            document = {**step_credential(), "credentialSubject": subject_with(field, word)}
            assert f"<{prefixes[prefix]}{rest}>" in canonicalize(document), (field, word)


def test_no_top_level_term_shadows_a_cbv_word():
    """A term named like a code word would capture it (terms win over @vocab in value expansion)."""
    credentials = read_json(CONTEXTS_DIR / "credentials-v2.jsonld")["@context"]
    terms = set(corridor_context()) | set(credentials)
    words = {word for words in cbv_words().values() for word in words}
    assert terms & words == set()


def test_event_fields_mean_what_gs1_context_says():
    """The first Example 9.6.1 event: every statement GS1's context makes, ours makes too."""
    event = first_epcis_event()
    gs1_registry = bundled_registry().extended({GS1_CONTEXT: read_json(VECTORS / "epcis" / "epcis-context.jsonld")})
    theirs = gs1_registry.expand({"@context": GS1_CONTEXT, **event})[0]
    ours = expand({**step_credential(), "credentialSubject": event})[0]
    ours = ours["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert theirs.pop("@id") == event["eventID"]  # GS1 makes the eventID the node's IRI; ours a literal
    assert ours.pop(f"{EPCIS}eventID") == [{"@value": event["eventID"]}]
    assert json.dumps(theirs, sort_keys=True) == json.dumps(ours, sort_keys=True)


def test_corridor_context_redefines_nothing_credentials_v2_defines():
    """Redefining a protected VC term is an error (or, if identical, noise): ours only adds terms."""
    credentials = read_json(CONTEXTS_DIR / "credentials-v2.jsonld")["@context"]
    assert set(corridor_context()) & set(credentials) == {"@protected"}
