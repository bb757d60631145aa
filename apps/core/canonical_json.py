"""RFC 8785 (JCS) canonical JSON, fast for the common case (pure; no Django imports).

``rfc8785`` is the reference but pure Python. For values without floats, with integers within
±(2^53 - 1), ASCII object keys and no lone surrogates, JCS output is exactly what the C encoder of
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes (same key order,
same escapes), so those take the fast path; anything else goes to ``rfc8785``. A property test
compares the two on generated values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

_MAX_SAFE_INTEGER = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fast_path_exact(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.isascii() and _SURROGATE.search(item):
                return False
        elif kind is dict:
            for key, member in item.items():
                if type(key) is not str or not key.isascii():
                    return False
                stack.append(member)
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -_MAX_SAFE_INTEGER <= item <= _MAX_SAFE_INTEGER:
                return False
        elif kind is not bool and item is not None:
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value``, as UTF-8 bytes."""
    if _fast_path_exact(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return rfc8785.dumps(value)
