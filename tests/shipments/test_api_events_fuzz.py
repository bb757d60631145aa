"""Fuzzing the native events endpoint: any body gets a clear answer, never a server error or half a batch."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.shipments.models import Event

pytestmark = pytest.mark.django_db

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["ObjectEvent", "TRANSPORT", "EQUIPMENT", "NotAType"]) | st.text(max_size=10),
        "event_time": st.sampled_from(["2026-11-20T10:00:00+08:00", "2026-11-20T10:00:00", "yesterday"])
        | st.text(max_size=25),
        "event_id": st.text(max_size=40),
        "location": st.sampled_from(["TWKHH", "XXABC", "", "twkhh"]) | st.text(max_size=8),
        "equipment": st.lists(st.sampled_from(["MSCU1234566", "MSCU1234567", "X"]), max_size=3),
        "event_code": st.text(max_size=10),
        "unknown_field": _json,
    },
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=_json | _fields | st.lists(_fields, max_size=4))
def test_any_body_gets_a_clear_answer_and_nothing_half_written(client_for, olga, body):
    before = Event.objects.count()
    response = client_for(olga).post("/api/v1/events/", body, format="json")
    assert response.status_code in {200, 201, 400, 403, 409, 413}, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert Event.objects.count() == before
