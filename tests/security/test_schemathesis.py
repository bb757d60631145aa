"""Schemathesis over the OpenAPI schema, with a partner's write token: 0 answers 5xx, every answer as the
schema describes it (status code, content type, body), and bodies that break the schema refused.

The budget is bounded (``SCHEMATHESIS_MAX_EXAMPLES`` examples per operation, 8 by default, derandomized
so CI sees the same cases every run): a few hundred requests in about a minute. Raise it by hand for a
deeper run, e.g. ``SCHEMATHESIS_MAX_EXAMPLES=200``. Every failure it found is fixed with a regression
test of its own (tests/security/test_hostile_json.py, tests/shipments/test_api_consignments.py, …).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from apps.partners.access import Actor
from apps.partners.choices import MemberRole
from apps.shipments import services
from corridor.wsgi import application
from tests.shipments.conftest import consignment_data

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def write_token(alpha, bravo, token_for, django_capture_on_commit_callbacks) -> str:
    """Alpha's write token, and one consignment of alpha's (with bravo as carrier) for lists to show."""
    with django_capture_on_commit_callbacks(execute=True):
        services.consignment_create(
            actor=Actor(partner=alpha, role=MemberRole.ADMIN, system_label="tests"), data=consignment_data()
        )
    return token_for(alpha)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, write_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {write_token}"}, checks=CHECKS)
