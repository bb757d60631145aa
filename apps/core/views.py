"""Platform endpoints that belong to no domain: health, problem-type docs, and the one place refusals
become responses outside DRF (Django's 403/404/500 handlers)."""

from __future__ import annotations

import sys

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from apps.core import health, selectors
from apps.core.errors import (
    DATABASE_UNAVAILABLE,
    PROBLEM_TYPES,
    RETRY_AFTER_SECONDS,
    Problem,
    database_unavailable_response,
    dialect_for,
    error_response,
)

NO_RESOURCE = "There is no resource at this address."
NO_PERMISSION = "You do not have permission to see this page."
# Set on the 404 page rendered here, so StyledNotFoundMiddleware tells it from Django's DEBUG page.
STYLED_PAGE_MARK = "corridor_styled_page"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer, 503 otherwise; says which failed.

    With the database up it also reports the last worker heartbeat and the counters of rare events
    (``canonicalization.fallbacks``: issued credentials canonicalized by pyld instead of a template).
    """
    checks = {"database": health.check_database(), "broker": health.check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks["database"]["ok"]:
        # Informational: a missing worker delays background work but does not fail the probe.
        body["worker"] = selectors.worker_last_seen()
        body["counters"] = health.counters()
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def problem_type(request: HttpRequest, code: str) -> HttpResponse:
    if code not in PROBLEM_TYPES:
        raise Http404("Unknown problem type")
    title, description = (gettext(text) for text in PROBLEM_TYPES[code])
    return render(request, "core/problem_type.html", {"code": code, "title": title, "description": description})


def _wants_json(request: HttpRequest) -> bool:
    return (
        # The VC API and the credentials' own addresses (/credentials/…, /presentations/…) answer JSON only.
        request.path.startswith(("/api/", "/healthz", "/credentials/", "/presentations/"))
        or dialect_for(request.path) is not None
        or "json" in request.headers.get("Accept", "")
        # A client that sent JSON (the VC API's /credentials/…, /presentations/…) reads a problem, not a page.
        or "json" in request.headers.get("Content-Type", "")
    )


def _detail(exception: Exception | None, default: str) -> str:
    """What a refusal raised in a view says (``NotFoundError``/``PermissionDeniedError`` carry ``detail``)."""
    return str(getattr(exception, "detail", "")) or default


@csrf_exempt  # it changes nothing, and a POST with a session cookie must get this 404, not a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    return error_response(request, Problem(status=404, detail=NO_RESOURCE))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a problem for API clients (a browser session's write without its CSRF token),
    the 403 page for pages."""
    detail = f"CSRF check failed: {reason}" if reason else "CSRF check failed."
    if _wants_json(request):
        return error_response(request, Problem(status=403, detail=detail))
    return render(request, "403.html", {"reason": detail}, status=403)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A refusal outside DRF: the 403 page with its reason, or a problem in the path's dialect."""
    reason = _detail(exception, str(exception or ""))
    if _wants_json(request):
        return error_response(request, Problem(status=403, detail=reason or NO_PERMISSION))
    # Without a reason of its own, the page says the general one in the reader's language.
    return render(request, "403.html", {"reason": reason}, status=403)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return error_response(request, Problem(status=404, detail=_detail(exception, NO_RESOURCE)))
    response = render(request, "404.html", status=404)
    setattr(response, STYLED_PAGE_MARK, True)
    return response


def database_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """503 with ``Retry-After``: a problem in the path's dialect, or the "briefly unavailable" page."""
    if _wants_json(request):
        return database_unavailable_response(request, exception)
    # Without the request's context: its processors would load the user, from the database that is down.
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    # Called inside Django's except block: an outage that struck before any view (loading the session or
    # the user) is a 503 too.
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exception)
    if _wants_json(request):
        return error_response(request, Problem(status=500, detail="Internal server error; quote the request id."))
    return render(request, "500.html", status=500)
