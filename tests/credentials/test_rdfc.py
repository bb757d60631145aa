"""RDFC-1.0 canonicalization: the test suite's cases, and the bounds that keep hostile input cheap.

Hostile documents are refused by a named limit before the expensive step starts; the tests prove
that with the exception's ``limit`` and by making the next step fail loudly if it were reached, not
with timings (which flake).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest
from pyld.canon import URGNA2012
from pyld.nquads import parse_nquads

from apps.credentials import jsonld, rdfc
from apps.credentials.jsonld import canonicalize
from apps.credentials.rdfc import BoundedWorkExceeded, Limits, canonicalize_nquads, check_json_shape
from tests.credentials.samples import step_credential
from tests.vectors import VECTORS

RDFC10 = VECTORS / "rdfc10"


class _RdfcSha384(rdfc._BudgetedURDNA2015):
    """RDFC-1.0 with SHA-384, the hash the test suite's test075 is stated in."""

    def create_hash(self):
        return hashlib.sha384()


def rdfc_test075_input() -> str:
    """test075's input: the expected output relabelled with the inverse of its identifier map."""
    expected = (RDFC10 / "test075-rdfc10.nq").read_text(encoding="utf-8")
    to_input = {
        canonical: given for given, canonical in json.loads((RDFC10 / "test075-rdfc10map.json").read_text()).items()
    }
    return re.sub(r"_:(c14n\d+)", lambda match: "_:" + to_input[match.group(1)], expected)


def test_rdfc10_test075_poison_graph_is_canonicalized_within_the_default_limits():
    expected = (RDFC10 / "test075-rdfc10.nq").read_text(encoding="utf-8")
    source = rdfc_test075_input()
    assert source != expected
    canonicalizer = _RdfcSha384(rdfc.DEFAULT_LIMITS)
    assert canonicalizer.main(parse_nquads(source), {"format": "application/n-quads"}) == expected
    assert 0 < canonicalizer.work <= rdfc.DEFAULT_LIMITS.max_canonicalization_work


def test_rdfc10_test075_is_not_what_urgna2012_gives():
    expected = (RDFC10 / "test075-rdfc10.nq").read_text(encoding="utf-8")
    assert URGNA2012().main(parse_nquads(rdfc_test075_input()), {"format": "application/n-quads"}) != expected


def test_canonical_form_does_not_depend_on_blank_node_labels():
    source = rdfc_test075_input()
    relabelled = re.sub(r"_:e(\d+)", lambda match: f"_:x{99 - int(match.group(1))}", source)
    assert canonicalize_nquads(source) == canonicalize_nquads(relabelled)


def clique(size: int) -> str:
    return "".join(
        f"_:n{i} <http://example.org/vocab#p> _:n{j} .\n" for i in range(size) for j in range(size) if i != j
    )


def test_rdfc10_test074_clique_poison_graph_is_refused_by_the_work_budget():
    """test074 (negative): a 10-node blank-node clique must be refused, not computed."""
    with pytest.raises(BoundedWorkExceeded) as refused:
        canonicalize_nquads(clique(10))
    assert refused.value.limit == "max_canonicalization_work"


def test_small_cliques_are_fine_and_the_budget_is_a_knob():
    assert canonicalize_nquads(clique(3)).count("_:c14n") == 12
    with pytest.raises(BoundedWorkExceeded):
        canonicalize_nquads(clique(3), Limits(max_canonicalization_work=2))


def test_blank_node_and_quad_limits_apply_to_datasets():
    with pytest.raises(BoundedWorkExceeded) as refused:
        canonicalize_nquads(clique(4), Limits(max_blank_nodes=3))
    assert refused.value.limit == "max_blank_nodes"
    with pytest.raises(BoundedWorkExceeded) as refused:
        canonicalize_nquads(clique(4), Limits(max_quads=11))
    assert refused.value.limit == "max_quads"


def hostile_credential(count: int) -> dict:
    """A step credential whose subject carries ``count`` identical anonymous readings."""
    document = step_credential()
    reading = {"sensorReport": [{"type": "Temperature", "value": 26, "uom": "CEL"}]}
    document["credentialSubject"]["sensorElementList"] = [copy.deepcopy(reading) for _ in range(count)]
    return document


def test_document_with_thousands_of_blank_nodes_is_refused_before_json_ld_processing(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("JSON-LD processing started on a document that should have been refused")

    monkeypatch.setattr(jsonld._LosslessProcessor, "expand", must_not_run)
    monkeypatch.setattr(rdfc, "canonicalize_dataset", must_not_run)
    with pytest.raises(BoundedWorkExceeded) as refused:
        canonicalize(hostile_credential(3000))
    assert refused.value.limit == "max_blank_nodes"


def counted_calls(monkeypatch) -> list[int]:
    """Record the work counter at each Hash N-Degree Quads call."""
    calls: list[int] = []
    original = rdfc._BudgetedURDNA2015.create_hash_to_related

    def counting(self, id_, issuer):
        try:
            return original(self, id_, issuer)
        finally:
            calls.append(self.work)

    monkeypatch.setattr(rdfc._BudgetedURDNA2015, "create_hash_to_related", counting)
    return calls


def test_identical_sibling_readings_cost_linear_work(monkeypatch):
    """Look-alike nodes under a distinct parent are told apart cheaply: 5 units per reading, no permutations."""
    calls = counted_calls(monkeypatch)
    canonicalize(hostile_credential(200))
    assert calls[-1] == 5 * 200


def test_blank_node_clique_in_json_ld_is_refused_before_the_permutations_run(monkeypatch):
    document = step_credential()
    nodes = [f"_:n{i}" for i in range(10)]
    document["credentialSubject"]["consignment"] = [
        {"id": node, "consignment": [other for other in nodes if other != node]} for node in nodes
    ]
    calls = counted_calls(monkeypatch)
    with pytest.raises(BoundedWorkExceeded) as refused:
        canonicalize(document)
    assert refused.value.limit == "max_canonicalization_work"
    assert len(calls) == 1  # the first group of nine look-alikes (9! paths) is refused untried


def test_deep_and_large_documents_are_refused_by_their_shape():
    deep: dict = {"@context": "https://www.w3.org/ns/credentials/v2"}
    node = deep
    for _ in range(40):
        node["credentialSubject"] = {}
        node = node["credentialSubject"]
    with pytest.raises(BoundedWorkExceeded) as refused:
        check_json_shape(deep)
    assert refused.value.limit == "max_depth"
    with pytest.raises(BoundedWorkExceeded) as refused:
        check_json_shape({"epcList": ["urn:epc:id:sgtin:1.2.3"] * 60_000})
    assert refused.value.limit == "max_values"


def test_contexts_are_not_counted_as_blank_nodes():
    document = {"@context": [{"@version": 1.1, **{f"t{i}": {"@id": f"urn:t:{i}"} for i in range(50)}}], "id": "urn:x"}
    check_json_shape(document, Limits(max_blank_nodes=1))
