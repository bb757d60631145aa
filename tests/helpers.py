"""Assertions and small makers shared by the tests: problem details, audit records, alerts."""

from __future__ import annotations

from typing import Any

from apps.core.models import AuditEvent
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import alert_raise

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: Any, status: int, *, problem: str | None = None, field: str | None = None) -> dict:
    """The response is an RFC 9457 problem with this status (and type, and invalid field); returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["detail"]
    if problem is not None:
        assert body["type"] == f"/problems/{problem}"
    if field is not None:
        assert field in error_fields(body), body
    return body


def error_fields(body: dict) -> list[str]:
    return [error["field"] for error in body.get("errors", [])]


def audit_for(response: Any, action: str) -> AuditEvent:
    """The one audit record of ``action`` written while serving ``response`` (matched by request id)."""
    request_id = response["X-Request-ID"]
    assert request_id
    records = list(AuditEvent.objects.filter(action=action, request_id=request_id))
    assert len(records) == 1, f"expected one {action} record for request {request_id}, found {len(records)}"
    return records[0]


def raise_alert(partner: Any, consignment: Any, *, key: str = "test", title: str = "Late at Rotterdam") -> Any:
    """An open warning about ``consignment`` addressed to ``partner``, raised through the alerts service."""
    alert, _ = alert_raise(
        partner=partner,
        kind=AlertKind.TRUST_CHANGE,
        title=title,
        subject_type=AlertSubject.CONSIGNMENT,
        subject_id=str(consignment.pk),
        dedupe_key=key,
        consignment_id=consignment.pk,
    )
    return alert
