"""Canonical N-Quads by template: issuance's fast path to exactly the bytes pyld gives.

Corridor issues thousands of credentials of a few shapes, and their JSON-LD → RDF conversion
depends on the shape (keys, types, contexts, nesting, numbers) but hardly on the strings: a string
lands in the N-Quads whole, as an absolute IRI (written as it is) or as a literal (escaped), or as a
string inside a JSON literal. So every string of a document is replaced by a numbered placeholder
that behaves as it does (``https://…`` by ``https://corridor-placeholder-7``, ``urn:…`` by
``urn:corridor-placeholder-7``, anything else by ``corridor-placeholder-7``); pyld converts that
*skeleton* once, and its quads become a template. A later document of the same shape writes its
strings into the holes, labels its blank nodes and sorts: no JSON-LD processing at all.

What stays exact, and how (a test compares the result with pyld's on generated credentials):

- Strings whose placeholder does not land whole in one of those three positions are *pinned*: their
  value stays in the skeleton. A ``@vocab`` value (``bizStep: "shipping"``), a compact IRI whose
  prefix a context defines, a relative IRI (found through the ``value`` of the data-loss error).
  So are the values of ``type`` and of every keyword or keyword alias but ``@id``, blank node ids,
  ``@…`` strings and terms containing a colon: they select contexts or change the RDF.
- Blank nodes get their RDFC-1.0 labels from first-degree hashes (§4.6), exactly as pyld computes
  them; when two hash alike (pyld would need the n-degree step) the document goes to pyld.
- Two equal IRIs are one node in JSON-LD, whose repeated quads pyld drops; the template would keep
  both, so a document whose lines repeat goes to pyld.
- A document with an inline context, or a string containing the placeholder mark, goes to pyld.
- A shape is templated the second time it is seen (a one-off document costs one pyld run, not
  two); that document and every ``CHECK_EVERY``-th after it are also canonicalized by pyld and
  compared: a difference disables the template, counts (``canonicalization.differences``), and
  pyld's answer is returned.

Every document that goes to pyld for a reason other than a first sighting is a *fallback*, counted
in :mod:`apps.core.metrics` and logged (the first time per reason, per process). Pure module: no
Django imports.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

# The JSON canonicalization pyld writes JSON literals with (its wheel ships it), and its N-Quads writer.
from c14n.Canonicalize import canonicalize as jcs
from pyld.nquads import escape, serialize_nquad

from apps.core import metrics

__all__ = ["CHECK_EVERY", "DIFFERENCES", "FALLBACKS", "TemplateCanonicalizer"]

logger = logging.getLogger(__name__)

MARK = "corridor-placeholder-"
# Compare every this many documents of a template with pyld (its first one always).
CHECK_EVERY = 1000
FALLBACKS = "canonicalization.fallbacks"
DIFFERENCES = "canonicalization.differences"

RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
# The scheme (and "//") an absolute IRI starts with, as pyld's IRI expansion and data-loss check read
# it; a value with whitespace is not absolute for pyld, so it gets a literal placeholder.
_IRI_HEAD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*:(?://)?)\S*\Z")
_MARKED = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:(?://)?)?" + MARK + r"(\d+)")
_JSON_HOLE = re.compile(r'"((?:[A-Za-z][A-Za-z0-9+.-]*:(?://)?)?' + MARK + r'(\d+))"')
# Holes in a serialized template line: a blank node label, or an IRI, literal or JSON-string leaf.
_SENTINEL = re.compile(r"_:\x00B(\d+)\x00|\x00([ILJ])(\d+)\x00")
_MAX_PIN_ROUNDS = 8
_SHAPES_SIZE = 512
_TEMPLATES_PER_SHAPE = 64

Reference = Callable[[Any], str]
ToDataset = Callable[[Any], dict[str, list[dict[str, Any]]]]


class _Decline(Exception):
    """This document (or shape) is not for templates; the message is the fallback's reason.

    ``pins`` are the leaves found to need pinning before pyld refused a skeleton with real values in
    them (empty when the skeleton itself was refused: then no document of the shape has a template).
    """

    def __init__(self, reason: str, pins: frozenset[int] = frozenset()) -> None:
        super().__init__(reason)
        self.pins = pins


@dataclass
class _Template:
    """A shape's quads with holes: each line a tuple of text, leaf holes ``(kind, leaf)`` and blank node numbers."""

    lines: list[tuple[Any, ...]]
    blank_nodes: int
    # For each blank node, the lines that mention it, once per mention (as pyld's RDFC does).
    mentions: list[list[int]]
    uses: int = 0
    broken: bool = False


@dataclass
class _Shape:
    """What is known of one skeleton: pinned leaves, and a template per value of the pinned leaves."""

    sightings: int = 0
    pins: frozenset[int] | None = None
    unsupported: str = ""
    templates: dict[tuple[str, ...], _Template | str] = field(default_factory=dict)


class TemplateCanonicalizer:
    """The fast path of one context registry (see the module docstring); safe to share between threads.

    ``reference`` is pyld's canonicalization of a document (the answer whenever a template cannot
    give it), ``to_dataset`` pyld's RDF dataset of a skeleton (it raises what canonicalization
    raises). ``keep`` are keys whose values stay in the skeleton, ``terms`` the context terms that
    contain a colon (a value equal to one may expand as a term). A shape gets its template once it
    has been seen ``build_after`` times; a template's first document and every ``check_every``-th
    after it are compared with pyld (None: never; tests use both to reach the template directly).
    """

    def __init__(
        self,
        *,
        reference: Reference,
        to_dataset: ToDataset,
        keep: Collection[str],
        terms: Collection[str],
        build_after: int = 1,
        check_every: int | None = CHECK_EVERY,
    ) -> None:
        self._reference = reference
        self._to_dataset = to_dataset
        self._keep = frozenset(keep)
        self._terms = frozenset(terms)
        self._build_after = build_after
        self._check_every = check_every
        self._shapes: dict[str, _Shape] = {}
        self._lock = threading.Lock()
        self._reasons_logged: set[str] = set()

    def canonicalize(self, document: Any) -> str:
        """pyld's canonical N-Quads of ``document``, from a template when one applies."""
        leaves: list[str] = []
        try:
            key = json.dumps(self._skeleton(document, leaves, frozenset()), ensure_ascii=False)
        except _Decline as decline:
            return self._fallback(document, str(decline))
        except (TypeError, ValueError, RecursionError) as error:  # not JSON: pyld says what is wrong
            return self._fallback(document, f"not a JSON document ({type(error).__name__})")
        with self._lock:
            shape = self._shapes.get(key)
            if shape is None:
                if len(self._shapes) >= _SHAPES_SIZE:
                    self._shapes.clear()
                shape = self._shapes[key] = _Shape()
            shape.sightings += 1
        if shape.sightings <= self._build_after:
            return self._reference(document)  # a one-off shape costs no template
        try:
            template = self._template(shape, document, leaves)
            result = _render(template, leaves)
        except _Decline as decline:
            return self._fallback(document, str(decline))
        template.uses += 1
        if self._check_every and (template.uses - 1) % self._check_every == 0:
            return self._checked(template, document, result)
        return result

    def _checked(self, template: _Template, document: Any, result: str) -> str:
        """pyld's answer; a template that gave another is disabled, counted and logged."""
        expected = self._reference(document)
        if result != expected:
            template.broken = True
            metrics.increment(DIFFERENCES)
            metrics.increment(FALLBACKS)
            logger.error(
                "canonicalization: a template's N-Quads differ from pyld's; template disabled (document id %r)",
                document.get("id") if isinstance(document, dict) else None,
            )
        return expected

    def _fallback(self, document: Any, reason: str) -> str:
        count = metrics.increment(FALLBACKS)
        if reason not in self._reasons_logged:
            self._reasons_logged.add(reason)
            logger.warning(
                "canonicalization fell back to pyld: %s (%d fallbacks in this process so far)", reason, count
            )
        return self._reference(document)

    # --- skeletons -----------------------------------------------------------------------------

    def _skeleton(self, value: Any, leaves: list[str], pins: frozenset[int]) -> Any:
        """``value`` with its strings replaced by placeholders (but kept keys' and pinned leaves')."""
        if isinstance(value, dict):
            skeleton = {}
            for key, item in value.items():
                if key == "@context":
                    if not _only_urls(item):
                        raise _Decline("an inline @context")
                    skeleton[key] = item
                elif key in self._keep or (key.startswith("@") and key not in ("@id", "@value")):
                    skeleton[key] = item
                else:
                    skeleton[key] = self._skeleton(item, leaves, pins)
            return skeleton
        if isinstance(value, list):
            return [self._skeleton(item, leaves, pins) for item in value]
        if not isinstance(value, str):
            return value
        if MARK in value:
            raise _Decline("a string contains the placeholder mark")
        if value.startswith(("@", "_:")) or value in self._terms:
            return value
        index = len(leaves)
        leaves.append(value)
        if index in pins:
            return value
        return _placeholder(value, index)

    # --- templates -----------------------------------------------------------------------------

    def _template(self, shape: _Shape, document: Any, leaves: list[str]) -> _Template:
        """The template for this document's pinned values (built on first need); :class:`_Decline` if none."""
        if shape.unsupported:
            raise _Decline(shape.unsupported)
        pins = shape.pins if shape.pins is not None else frozenset()
        pinned = tuple(leaves[index] for index in sorted(pins))
        known = shape.templates.get(pinned)
        if known is None:
            try:
                found, known = self._build(document, leaves, pins)
            except _Decline as decline:
                # Refused with some strings pinned: the refusal is those strings', not the shape's.
                if shape.pins is None and not decline.pins:
                    shape.unsupported = str(decline)
                    raise
                found, known = decline.pins, str(decline)
            if shape.pins is None:
                shape.pins = found
                pinned = tuple(leaves[index] for index in sorted(found))
            elif found != shape.pins:
                known = "a document of this shape needs more strings pinned than the first one did"
            if len(shape.templates) >= _TEMPLATES_PER_SHAPE:
                shape.templates.clear()
            shape.templates[pinned] = known
        if isinstance(known, str):
            raise _Decline(known)
        if known.broken:
            raise _Decline("a template that differed from pyld")
        return known

    def _build(self, document: Any, leaves: list[str], pins: frozenset[int]) -> tuple[frozenset[int], _Template]:
        """Convert the skeleton with pyld, pinning leaves until every placeholder lands whole."""
        for _ in range(_MAX_PIN_ROUNDS):
            skeleton = self._skeleton(document, [], pins)
            try:
                dataset = self._to_dataset(skeleton)
            except Exception as error:  # whatever pyld refuses, it refuses for the document itself
                culprits = _leaves_in(getattr(error, "value", None)) - pins
                if not culprits:
                    raise _Decline(f"pyld refuses the skeleton ({type(error).__name__})", pins) from error
                pins |= culprits
                continue
            template, unclean = _compile(dataset, leaves, pins)
            if not unclean:
                return pins, template
            pins |= unclean
        raise _Decline("placeholders still do not land whole after pinning")


def _only_urls(context: Any) -> bool:
    return isinstance(context, str) or (isinstance(context, list) and all(isinstance(item, str) for item in context))


def _placeholder(value: str, index: int) -> str:
    head = _IRI_HEAD.match(value)
    return f"{head.group(1) if head else ''}{MARK}{index}"


def _leaves_in(value: Any) -> set[int]:
    return {int(match.group(1)) for match in _MARKED.finditer(value)} if isinstance(value, str) else set()


def _compile(
    dataset: Mapping[str, list[dict[str, Any]]], leaves: list[str], pins: frozenset[int]
) -> tuple[_Template, set[int]]:
    """The template of a skeleton's dataset, and the leaves whose placeholders did not land whole."""
    unclean: set[int] = set()
    labels: dict[str, int] = {}
    lines: list[tuple[Any, ...]] = []
    mentions: dict[int, list[int]] = {}

    def hole(term: dict[str, Any]) -> dict[str, Any]:
        """A copy of one RDF term with its hole (or blank node) written as a sentinel."""
        if term["type"] == "blank node":
            number = labels.setdefault(term["value"], len(labels))
            mentions.setdefault(number, []).append(len(lines))
            return {**term, "value": f"_:\x00B{number}\x00"}
        if all(MARK not in term.get(name, "") for name in ("value", "datatype", "language")):
            return term
        written = _sentinel(term, leaves, pins, unclean)
        return term if written is None else {**term, "value": written}

    for graph_name, triples in dataset.items():
        graph = None if graph_name == "@default" else graph_name
        for triple in triples:
            if "\x00" in serialize_nquad(triple, graph):
                raise _Decline("a NUL character in the data")
            quad = {
                "subject": hole(triple["subject"]),
                "predicate": triple["predicate"],
                "object": hole(triple["object"]),
            }
            if graph is not None:
                quad["name"] = hole({"type": "blank node" if graph.startswith("_:") else "IRI", "value": graph})
            lines.append(tuple(_parts(serialize_nquad(quad))))
    return _Template(lines, len(labels), [mentions[number] for number in range(len(labels))]), unclean


def _sentinel(term: dict[str, Any], leaves: list[str], pins: frozenset[int], unclean: set[int]) -> str | None:
    """The term's value with its hole written as a sentinel, or None (its placeholders go to ``unclean``)."""
    value = term["value"]
    unclean.update(_leaves_in(term.get("datatype", "")) | _leaves_in(term.get("language", "")))
    if term["type"] == "literal" and term.get("datatype") == RDF_JSON:

        def json_hole(match: re.Match[str]) -> str:
            index = _whole(match.group(1), leaves, pins, iri=False)
            return match.group(0) if index is None else f"\x00J{index}\x00"

        written = _JSON_HOLE.sub(json_hole, value)
        unclean.update(_leaves_in(written))
        return written
    index = _whole(value, leaves, pins, iri=term["type"] == "IRI")
    if index is None:
        unclean.update(_leaves_in(value))
        return None
    return f"\x00{'I' if term['type'] == 'IRI' else 'L'}{index}\x00"


def _whole(value: str, leaves: list[str], pins: frozenset[int], *, iri: bool) -> int | None:
    """The leaf whose placeholder ``value`` is exactly, if it may be written there; else None."""
    match = _MARKED.fullmatch(value)
    if match is None:
        return None
    index = int(match.group(1))
    if index >= len(leaves) or index in pins or value != _placeholder(leaves[index], index):
        return None
    # An IRI position takes only a value that is an absolute IRI itself (its placeholder has a scheme).
    if iri and not _IRI_HEAD.match(leaves[index]):
        return None
    return index


def _parts(line: str) -> list[Any]:
    parts: list[Any] = []
    position = 0
    for match in _SENTINEL.finditer(line):
        if match.start() > position:
            parts.append(line[position : match.start()])
        if match.group(1) is not None:
            parts.append(int(match.group(1)))
        else:
            parts.append((match.group(2), int(match.group(3))))
        position = match.end()
    if position < len(line):
        parts.append(line[position:])
    return parts


def _render(template: _Template, leaves: list[str]) -> str:
    """The document's canonical N-Quads from its shape's template."""
    written: dict[tuple[str, int], str] = {}
    lines: list[list[Any]] = []
    for parts in template.lines:
        line: list[Any] = []
        for part in parts:
            if type(part) is tuple:
                text = written.get(part)
                if text is None:
                    text = written[part] = _write(part[0], leaves[part[1]])
                line.append(text)
            else:
                line.append(part)
        lines.append(line)
    if template.blank_nodes <= 1:
        rendered = ["".join(part if type(part) is str else "_:c14n0" for part in line) for line in lines]
    else:
        rendered = _label_blank_nodes(template, lines)
    if len(set(rendered)) != len(rendered):
        raise _Decline("repeated quads (equal IRIs make one node)")
    rendered.sort()
    return "".join(rendered)


def _write(kind: str, value: str) -> str:
    if kind == "L":
        return escape(value)
    if kind == "J":
        return escape(jcs(value).decode("utf-8"))
    return value


def _label_blank_nodes(template: _Template, lines: list[list[Any]]) -> list[str]:
    """RDFC-1.0 canonical labels when every blank node's first-degree hash is unique (§4.4 step 5)."""
    hashes = []
    for number, mentioned in enumerate(template.mentions):
        quads = sorted(
            "".join(part if type(part) is str else ("_:a" if part == number else "_:z") for part in lines[index])
            for index in mentioned
        )
        hashes.append(hashlib.sha256("".join(quads).encode("utf-8")).hexdigest())
    if len(set(hashes)) != len(hashes):
        raise _Decline("blank nodes whose first-degree hashes are equal (pyld's n-degree step)")
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    labels = [""] * len(hashes)
    for rank, number in enumerate(order):
        labels[number] = f"_:c14n{rank}"
    return ["".join(part if type(part) is str else labels[part] for part in line) for line in lines]
