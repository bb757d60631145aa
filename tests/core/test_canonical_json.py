"""The fast JCS path must write exactly what rfc8785 writes (no database)."""

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from apps.core.canonical_json import canonical_json

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@given(_values)
def test_canonical_json_equals_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return  # values JCS cannot encode (e.g. integers beyond 2^53) are not for the fast path either
    assert canonical_json(value) == expected


def test_the_fast_path_sorts_keys_and_keeps_unicode_unescaped():
    assert canonical_json({"b": 1, "a": "Kaohsiung 高雄", "c": [True, None]}) == (
        '{"a":"Kaohsiung 高雄","b":1,"c":[true,null]}'.encode()
    )


def test_floats_take_the_reference_path():
    assert canonical_json({"weight": 100.0}) == b'{"weight":100}'
