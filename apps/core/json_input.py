"""JSON from outside (request bodies, uploaded files), parsed with its nesting bounded.

Python's ``json`` recurses once per level: a body nested about 950 levels deep exhausts the interpreter's
stack (``RecursionError``, which nothing turns into a 400), and anything deeper than a few hundred levels
would make the recursive code after parsing (serializers, JSON-LD, the CBV hash, error messages) do the
same. No document Corridor takes nests deeper than a dozen levels, so every body is held to
``CORRIDOR_JSON_MAX_DEPTH`` (100) levels of objects and arrays: deeper is a malformed request.

- ``json_loads(data)``: ``json.loads`` that raises ``JsonInputError`` (a ``ValueError``) for broken JSON,
  a body nested too deep, or ``NaN``/``Infinity``;
- ``BoundedJSONParser``: DRF's JSON parser on top of it (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``), so
  every DRF endpoint answers such a body with 400 ``/problems/malformed-request``.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonInputError(ValueError):
    """The text is not JSON Corridor takes; the message says why (no part of the input is quoted)."""


def _no_constants(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number")


def max_depth() -> int:
    return settings.CORRIDOR_JSON_MAX_DEPTH


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests objects and arrays deeper than ``limit`` levels; iterative."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if type(current) is dict else current
        stack.extend((child, depth + 1) for child in children if type(child) is dict or type(child) is list)
    return False


def json_loads(data: bytes | str, *, limit: int | None = None) -> Any:
    """Parse ``data`` as strict JSON nested at most ``limit`` (default ``CORRIDOR_JSON_MAX_DEPTH``) levels deep."""
    limit = max_depth() if limit is None else limit
    try:
        value = json.loads(data, parse_constant=_no_constants)
    except RecursionError:
        # The C scanner checks the stack at every level and unwinds cleanly: the body is just too deep.
        raise JsonInputError(f"JSON nests deeper than {limit} levels") from None
    except JsonInputError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonInputError(f"JSON parse error - {exc}") from None
    if json_depth_exceeds(value, limit):
        raise JsonInputError(f"JSON nests deeper than {limit} levels")
    return value


class BoundedJSONParser(JSONParser):
    """DRF's ``JSONParser`` with ``json_loads``: too deep, broken or non-finite JSON is a ParseError (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            return json_loads(text)
        except JsonInputError as exc:
            raise ParseError(str(exc)) from None
