"""A database that blinks is not an error: 503 with Retry-After and a problem body, never 500.

The outage is simulated where the database would fail: a view, DRF's request set-up, or the session
loaded by middleware raises the ``OperationalError`` a dropped connection raises. The fault suite
(tests/faults) pauses a real PostgreSQL behind a proxy.
"""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from rest_framework.views import APIView

from apps.core.errors import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS
from apps.core.middleware import DatabaseUnavailableMiddleware
from apps.core.views import handler500
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

REFUSED = OperationalError('connection to server at "10.9.8.7", port 5432 failed: Connection refused')


def _outage(error: Exception = REFUSED):
    return mock.patch.object(APIView, "initial", side_effect=error)


def _unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert b"10.9.8.7" not in response.content
    assert b"5432" not in response.content


@pytest.mark.parametrize("error", [REFUSED, InterfaceError("connection already closed")])
def test_an_api_write_during_an_outage_is_503_with_retry_after(client_for, alice, error):
    with _outage(error):
        response = client_for(alice).post("/api/v1/events/", {}, format="json")
    _unavailable(response)
    body = assert_problem(response, 503, problem="service-unavailable")
    assert body["title"] == "Service unavailable"


def test_the_standard_endpoints_answer_503_in_their_own_dialect(client_for, alice):
    with _outage():
        epcis = client_for(alice).post("/epcis/capture", {}, format="json")
        dcsa = client_for(alice).post("/api/v1/dcsa/v2/events", [], format="json")
    _unavailable(epcis)
    assert epcis["Content-Type"] == PROBLEM_CONTENT_TYPE
    _unavailable(dcsa)
    assert dcsa.json()["statusCode"] == 503


def test_a_django_view_failing_on_the_database_is_503():
    request = RequestFactory().post("/credentials/issue", HTTP_ACCEPT="application/json")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    _unavailable(middleware.process_exception(request, REFUSED))
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_an_outage_before_any_view_runs_is_503_not_the_500_page():
    """The session middleware loads the session before the view: Django hands that to the 500 handler."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=REFUSED):
        page = client.get("/")
        api = client.get("/api/v1/partners/")
    _unavailable(page)
    assert b"Briefly unavailable" in page.content
    _unavailable(api)
    assert_problem(api, 503, problem="service-unavailable")


def test_any_other_server_error_is_still_500():
    request = RequestFactory().get("/api/v1/partners/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = handler500(request)
    assert response.status_code == 500


def test_connections_are_checked_before_reuse(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
