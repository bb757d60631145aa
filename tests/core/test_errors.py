"""Every API error is an RFC 9457 problem: application/problem+json, type/title/status/detail."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from apps.core import errors
from apps.core.errors import PROBLEM_TYPES, ErrorDialect, NotFoundError, PermissionDeniedError, Problem
from apps.core.extensions import ExtensionPoint
from apps.core.views import handler403, handler404
from apps.partners.api.views import PartnerViewSet
from tests.helpers import assert_problem, error_fields

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_malformed_request(client_for, staff):
    response = client_for(staff).post("/api/v1/partners/", data='{"name": "Acme", ', content_type="application/json")
    assert_problem(response, 400, problem="malformed-request")


def test_unknown_field_is_400_naming_the_field(client_for, alice):
    response = client_for(alice).patch("/api/v1/partners/alpha/", {"nmae": "Typo"}, format="json")
    body = assert_problem(response, 400, problem="validation-error", field="nmae")
    assert body["errors"][0]["pointer"] == "#/nmae"
    assert "nmae" in body["detail"]


def test_each_invalid_field_is_listed_with_a_pointer(client_for, staff):
    response = client_for(staff).post("/api/v1/partners/", {"kinds": ["pirate"]}, format="json")
    body = assert_problem(response, 400)
    assert {"name", "country", "kinds.0"} <= set(error_fields(body))
    assert {"field": "kinds.0", "pointer": "#/kinds/0"}.items() <= next(
        e for e in body["errors"] if e["field"] == "kinds.0"
    ).items()


def test_unknown_api_path_is_404_problem_json(client):
    body = assert_problem(client.get("/api/v1/nope"), 404, problem="not-found")
    assert body["instance"] == "/api/v1/nope"


def test_unknown_api_path_is_404_problem_json_when_logged_in(client_for, alice):
    assert_problem(client_for(alice).get("/api/v1/nope/"), 404, problem="not-found")


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_unauthenticated_api_call_is_401_with_bearer_challenge(client):
    response = client.get("/api/v1/partners/")
    assert_problem(response, 401, problem="not-authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unsupported_method_is_405_problem(client_for, alice):
    assert_problem(client_for(alice).delete("/api/v1/partners/alpha/"), 405, problem="method-not-allowed")


def test_non_json_body_is_415_problem(client_for, staff):
    response = client_for(staff).post("/api/v1/partners/", data="name=Acme", content_type="text/plain")
    assert_problem(response, 415, problem="unsupported-media-type")


def test_body_that_is_not_an_object_is_400(client_for, staff):
    response = client_for(staff).post("/api/v1/partners/", data="[1, 2]", content_type="application/json")
    assert_problem(response, 400, problem="validation-error")


@pytest.mark.parametrize(
    "case",
    [
        ("get", "/api/v1/partners/bravo/", None, 404),
        ("patch", "/api/v1/partners/alpha/", {"slug": "alpha-2"}, 403),
        ("post", "/api/v1/partners/", {"name": "Acme", "country": "TW", "kinds": ["shipper"]}, 403),
        ("patch", "/api/v1/partners/alpha/", {"name": ""}, 400),
        ("post", "/api/v1/api-tokens/", {"name": "ci", "scope": "admin"}, 400),
        ("put", "/api/v1/partners/alpha/", {"name": "x"}, 405),
        ("get", "/api/v1/memberships/?limit=abc", None, 400),
    ],
)
def test_every_error_response_is_problem_json(client_for, alice, bravo, case):
    method, path, body, status = case
    response = getattr(client_for(alice), method)(path, body, format="json")
    problem = assert_problem(response, status)
    assert problem["title"]
    assert problem["instance"] == path.split("?")[0]


def test_unexpected_failure_is_500_problem_quoting_the_request_id(client_for, alice, monkeypatch):
    def broken_selector(*, actor):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(PartnerViewSet, "selector", broken_selector)
    api = client_for(alice)
    api.raise_request_exception = False
    response = api.get("/api/v1/partners/")
    body = assert_problem(response, 500, problem="server-error")
    assert body["request_id"] == response["X-Request-ID"]
    assert "exploded" not in response.content.decode()


@pytest.mark.parametrize("code", sorted(PROBLEM_TYPES))
def test_each_problem_type_is_documented_at_its_url(client, code):
    response = client.get(f"/problems/{code}")
    assert response.status_code == 200
    assert PROBLEM_TYPES[code][0] in response.content.decode()


def test_unknown_problem_type_is_404(client):
    assert client.get("/problems/no-such-problem").status_code == 404


# --- One dispatcher: the dialect is chosen by the request's path ----------------------------------


@pytest.fixture
def dialects(monkeypatch):
    """A clean dialect registry with two nested namespaces, as standard interfaces would register them."""
    registry = ExtensionPoint("test dialects")
    monkeypatch.setattr(errors, "error_dialects", registry)
    registry.register(ErrorDialect("/std/", lambda problem, request: {"outer": problem.status}))
    registry.register(ErrorDialect("/std/v2/", lambda problem, request: [{"inner": problem.detail}]))
    return registry


def test_the_longest_registered_prefix_chooses_the_dialect(dialects):
    request = RequestFactory().get("/std/v2/things")
    assert errors.error_response(request, Problem(404, "gone")).content == b'[{"inner": "gone"}]'
    assert json.loads(errors.error_response(RequestFactory().get("/std/x"), Problem(404, "gone")).content) == {
        "outer": 404
    }


def _rfc9457(response, status: int) -> dict:
    """The body of a response made outside the test client (no ``.json()``), checked as RFC 9457."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"] == f"/problems/{errors.Problem(status, '').type_code}"
    return body


def test_a_path_no_dialect_claims_answers_rfc_9457(dialects):
    body = _rfc9457(errors.error_response(RequestFactory().get("/api/v1/things"), Problem(403, "no")), 403)
    assert body["instance"] == "/api/v1/things"


def test_a_refusal_raised_outside_drf_answers_in_the_paths_dialect(dialects):
    refused = PermissionDeniedError("Only platform staff may do this.")
    assert json.loads(handler403(RequestFactory().get("/std/x"), refused).content) == {"outer": 403}
    body = _rfc9457(handler403(RequestFactory().get("/api/v1/x"), refused), 403)
    assert body["detail"] == "Only platform staff may do this."
    missing = NotFoundError("No such thing.")
    assert json.loads(handler404(RequestFactory().get("/std/v2/x"), missing).content) == [{"inner": "No such thing."}]


def test_a_refusal_raised_in_a_page_renders_the_403_page_with_its_reason(rf):
    request = rf.get("/some/page/")
    response = handler403(request, PermissionDeniedError("Only a customs authority may do this."))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "Only a customs authority may do this." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "problem"),
    [
        ("/api/v1/partners/", 401, "not-authenticated"),
        ("/api/v1/api-tokens/", 403, "permission-denied"),
        ("/api/v1/partners/bravo/", 404, "not-found"),
        ("/api/v1/no-such-thing/", 404, "not-found"),
    ],
)
def test_refusals_on_the_api_are_rfc_9457(client, bob, bravo, path, status, problem):
    if status != 401:
        client.force_login(bob)
    body = assert_problem(client.get(path), status, problem=problem)
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert body["title"] == PROBLEM_TYPES[problem][0]


class _BrowsableFailingView(APIView):
    """An API view as DEBUG configures them: the browsable API is offered to browsers."""

    authentication_classes: list = []
    permission_classes: list = []
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    def get(self, request):
        raise ValidationError({"name": ["This field is required."]})

    def post(self, request):
        raise NotFoundError("Nothing of yours here.")


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_api_error_stays_problem_json_when_a_browser_negotiates_the_browsable_api(method):
    request = getattr(APIRequestFactory(), method)("/api/v1/anything/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    response = _BrowsableFailingView.as_view()(request)
    response.render()
    assert response["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.content)["status"] in (400, 404)


def test_a_styled_404_page_answers_an_unknown_page_in_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b'rel="icon"' in response.content
