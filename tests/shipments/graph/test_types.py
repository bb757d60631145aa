"""Steps and node ids, and what the graph's inputs accept.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from stdnum import iso6346

from apps.shipments.graph.types import (
    EquipmentAssignment,
    GraphEvent,
    movement_code,
    step_name,
)
from tests.shipments.graph.story import C1, CONTAINER, THIRD_CONTAINER


def test_steps_are_named_by_their_dcsa_code_or_cbv_short_name():
    assert step_name("urn:epcglobal:cbv:bizstep:loading") == "loading"
    assert step_name("https://ref.gs1.org/cbv/BizStep-unloading") == "unloading"
    assert step_name("GTIN") == "GTIN"
    assert movement_code("receiving") == "GTIN"
    assert movement_code("departing") == "DEPA"
    assert movement_code("accepting") == "accepting"


def test_container_numbers_in_the_story_have_valid_check_digits():
    assert iso6346.is_valid(CONTAINER)
    assert iso6346.is_valid(THIRD_CONTAINER)


def test_inputs_must_be_timezone_aware():
    with pytest.raises(ValueError, match="event_time must be timezone-aware"):
        GraphEvent(key="x", recorder="msc", step="LOAD", event_time=datetime(2024, 3, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        EquipmentAssignment(consignment=C1, equipment=CONTAINER, end=datetime(2024, 3, 1))  # noqa: DTZ001
