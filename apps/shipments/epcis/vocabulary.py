"""The bundled GS1 EPCIS 2.0 context, and the CBV vocabularies its term tables define (no Django imports).

``schemas/`` holds GS1's EPCIS 2.0 JSON-LD context and JSON Schema, bundled unmodified: nothing is
fetched. The names Corridor accepts in vocabulary fields are the ones that context defines.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
GS1_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The unversioned URL means "the current EPCIS context"; DESIGN §10 pins it to the bundled 2.0 copy.
GS1_CONTEXT_URLS = frozenset({GS1_CONTEXT_URL, "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"})


@cache
def gs1_context() -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / "epcis-context.jsonld").read_text(encoding="utf-8"))


# --- CBV vocabularies --------------------------------------------------------------------------------

CBV = "https://ref.gs1.org/cbv/"
_CBV_TERM = re.compile(r"cbv:(?P<vocabulary>[A-Za-z]+)-(?P<name>\w+)\Z")
_GS1_TERM = re.compile(r"gs1:(?P<name>\w+)\Z")
_GS1_VOCABULARY_IRIS = ("https://ref.gs1.org/voc/", "https://gs1.org/voc/")  # current and 2.0.0-context IRI


@cache
def _vocabularies() -> dict[str, dict[str, str]]:
    """Per CBV vocabulary ("BizStep", "Disp", "BTT", "SDT", "ER"; "gs1" for sensor types): spelling -> short name.

    Read from the term tables of the bundled GS1 context, so the names Corridor accepts are the ones the
    context defines. Spellings: the short name, the CURIE, the CBV 2.0 IRI and the CBV 1.x URN.
    """
    tables: dict[str, dict[str, str]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for term, definition in node.items():
                if isinstance(definition, str):
                    add(term, definition)
                else:
                    visit(definition)

    def add(term: str, definition: str) -> None:
        if (match := _CBV_TERM.match(definition)) and match["name"] == term:
            vocabulary = match["vocabulary"]
            spellings = (
                f"cbv:{vocabulary}-{term}",
                f"{CBV}{vocabulary}-{term}",
                f"urn:epcglobal:cbv:{vocabulary.lower()}:{term}",
            )
        elif (match := _GS1_TERM.match(definition)) and match["name"] == term:
            vocabulary, spellings = "gs1", (definition, *(iri + term for iri in _GS1_VOCABULARY_IRIS))
        else:
            return
        table = tables.setdefault(vocabulary, {})
        table[term] = term
        table.update(dict.fromkeys(spellings, term))

    visit(gs1_context())
    return tables


def short_name(value: Any, vocabulary: str) -> str:
    """A CBV value of one vocabulary as its short name; a custom value (a URI of its own) as sent."""
    if not isinstance(value, str):
        return ""
    return _vocabularies().get(vocabulary, {}).get(value, value)


@cache
def _all_spellings() -> dict[str, str]:
    return {spelling: name for table in _vocabularies().values() for spelling, name in table.items()}


def short_cbv_name(value: str) -> str:
    """Any spelling of a CBV value (short name, CURIE, CBV 2.0 IRI, CBV 1.x URN) as its short name; else as sent.

    Used for query parameters (``EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping``) as for captured events.
    """
    return _all_spellings().get(value, value)
