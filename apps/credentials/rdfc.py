"""RDF Dataset Canonicalization (RDFC-1.0, pyld's ``URDNA2015``) with bounded work.

Canonicalization is the one step of credential verification whose cost an attacker controls: RDFC-1.0
is exponential in the number of blank nodes that look alike, so a crafted document can hang a worker
(DESIGN §5). Every document therefore passes three gates, each cheaper than the next step it guards:

1. the JSON shape (values, depth, objects without an ``id``) before any JSON-LD processing;
2. the RDF dataset (quads and distinct blank nodes) before canonicalization starts;
3. a work budget inside the Hash N-Degree Quads step (calls plus permutations to try, counted before
   they are tried), with a wall-clock deadline as a second guard.

All three raise :class:`BoundedWorkExceeded`, which names the limit. The budget is counted in units of
work, not seconds, so the same document is refused the same way on a fast or a slow machine.

No Django imports: this is pure, and tested without a database.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyld.canon import URDNA2015
from pyld.nquads import parse_nquads, serialize_nquad

__all__ = [
    "DEFAULT_LIMITS",
    "BoundedWorkExceeded",
    "Limits",
    "canonicalize_dataset",
    "canonicalize_nquads",
    "check_dataset",
    "check_json_shape",
]

# A permutation group larger than this is refused without computing its factorial: 13! already
# exceeds any sensible budget, and the factorial of a hostile group of thousands is itself costly.
_LARGEST_GROUP = 12


class BoundedWorkExceeded(ValueError):
    """A document needs more work than the limits allow; it is refused, not processed.

    ``limit`` names the limit (``max_values``, ``max_depth``, ``max_blank_nodes``, ``max_quads``,
    ``max_canonicalization_work``, ``max_seconds``) so callers and tests can tell which gate closed.
    """

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True)
class Limits:
    """How much a single document may cost; the defaults fit a presentation of a long chain.

    The reference step credential has 54 JSON values, 2 objects without an ``id``, 37 quads and one
    blank node; a presentation of a hundred of them stays well inside these numbers.
    """

    max_values: int = 50_000
    max_depth: int = 32
    max_blank_nodes: int = 1_000
    max_quads: int = 20_000
    max_canonicalization_work: int = 20_000
    max_seconds: float = 5.0


DEFAULT_LIMITS = Limits()


def check_json_shape(document: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a JSON document that is too large, too deep or has too many anonymous objects.

    Runs before any JSON-LD processing, so a document with thousands of blank nodes is refused in
    the time it takes to walk it once. Objects inside ``@context`` are not counted as nodes; every
    other object without ``id``/``@id``/``@value``/``@list``/``@set`` becomes (at least) one blank node, so their count
    is a lower bound on the blank nodes to come. Raises :class:`BoundedWorkExceeded`.
    """
    values = 0
    anonymous = 0
    stack: list[tuple[Any, int, bool]] = [(document, 1, False)]
    while stack:
        value, depth, in_context = stack.pop()
        values += 1
        if values > limits.max_values:
            raise BoundedWorkExceeded("max_values", f"document has more than {limits.max_values} JSON values")
        if depth > limits.max_depth:
            raise BoundedWorkExceeded("max_depth", f"document is nested deeper than {limits.max_depth} levels")
        if isinstance(value, dict):
            if not in_context and not {"id", "@id", "@value", "@list", "@set"} & value.keys():
                anonymous += 1
                if anonymous > limits.max_blank_nodes:
                    raise BoundedWorkExceeded(
                        "max_blank_nodes",
                        f"document has more than {limits.max_blank_nodes} objects without an id (blank nodes)",
                    )
            stack.extend((item, depth + 1, in_context or key == "@context") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, depth + 1, in_context) for item in value)


def check_dataset(dataset: Mapping[str, list[dict]], limits: Limits = DEFAULT_LIMITS) -> set[str]:
    """Refuse an RDF dataset (pyld's form) with too many quads or distinct blank nodes; its blank nodes."""
    quads = 0
    blank_nodes: set[str] = set()
    for graph_name, triples in dataset.items():
        if graph_name.startswith("_:"):
            blank_nodes.add(graph_name)
        quads += len(triples)
        if quads > limits.max_quads:
            raise BoundedWorkExceeded("max_quads", f"dataset has more than {limits.max_quads} quads")
        for triple in triples:
            for position in ("subject", "object"):
                term = triple[position]
                if term["type"] == "blank node":
                    blank_nodes.add(term["value"])
    if len(blank_nodes) > limits.max_blank_nodes:
        raise BoundedWorkExceeded(
            "max_blank_nodes", f"dataset has {len(blank_nodes)} blank nodes, more than {limits.max_blank_nodes}"
        )
    return blank_nodes


class _BudgetedURDNA2015(URDNA2015):
    """pyld's URDNA2015 (RDFC-1.0) with a work budget on the step that can explode.

    Hash N-Degree Quads tries every permutation of each group of related blank nodes that hash
    alike. The hook below runs once per call, before the permutations are tried, and charges one
    unit for the call plus the number of permutations of each group; past the budget (or the
    deadline) it raises instead of starting the work. The canonical output is pyld's, unchanged.
    """

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self._budget = limits.max_canonicalization_work
        self._max_seconds = limits.max_seconds
        self._deadline = time.monotonic() + limits.max_seconds
        self.work = 0

    def modify_first_degree_component(self, id_: str, component: dict, key: str) -> dict:
        """pyld's, with a shallow copy: a blank node term is a flat dict of strings (pyld deep-copies it)."""
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        """Charge the call and its permutations before pyld tries them (RDFC-1.0 §4.8)."""
        hash_to_related = super().create_hash_to_related(id_, issuer)
        self.work += 1
        for related in hash_to_related.values():
            if len(related) > _LARGEST_GROUP:
                self.work = self._budget + 1
                break
            self.work += math.factorial(len(related))
        if self.work > self._budget:
            raise BoundedWorkExceeded(
                "max_canonicalization_work",
                f"canonicalization needs more than {self._budget} units of work (blank nodes that look alike)",
            )
        if time.monotonic() > self._deadline:
            raise BoundedWorkExceeded("max_seconds", f"canonicalization took longer than {self._max_seconds} s")
        return hash_to_related


def canonicalize_dataset(dataset: dict[str, list[dict]], limits: Limits = DEFAULT_LIMITS) -> str:
    """Canonical N-Quads (RDFC-1.0 = URDNA2015) of a pyld RDF dataset, within ``limits``.

    The dataset is consumed (pyld relabels its blank nodes in place).
    """
    blank_nodes = check_dataset(dataset, limits)
    if len(blank_nodes) <= 1:
        return _canonicalize_simple(dataset, blank_nodes)
    return _BudgetedURDNA2015(limits).main(dataset, {"format": "application/n-quads"})


def _canonicalize_simple(dataset: dict[str, list[dict]], blank_nodes: set[str]) -> str:
    """RDFC-1.0 of a dataset with at most one blank node: no hashing needed.

    The algorithm's first pass issues ``_:c14n0`` to a blank node whose first-degree hash is unique,
    which a lone blank node's always is; what is left is pyld's serialization of every quad, sorted
    (pyld keeps duplicate quads, and so do we). A test compares this with pyld's full algorithm.
    """
    canonical = dict.fromkeys(blank_nodes, "_:c14n0")
    lines = []
    for graph_name, triples in dataset.items():
        name = None
        if graph_name != "@default":
            label = canonical.get(graph_name, graph_name)
            name = {"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": label}
        for triple in triples:
            quad = dict(triple)
            for position in ("subject", "object"):
                term = quad[position]
                if term["type"] == "blank node":
                    quad[position] = {**term, "value": canonical[term["value"]]}
            if name is not None:
                quad["name"] = name
            lines.append(serialize_nquad(quad))
    lines.sort()
    return "".join(lines)


def canonicalize_nquads(nquads: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Canonical N-Quads of an N-Quads document: how the RDFC-1.0 test suite states its cases."""
    return canonicalize_dataset(parse_nquads(nquads), limits)
