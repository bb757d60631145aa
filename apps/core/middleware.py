"""Request id and body-size limits, applied before any view runs; a database outage during a view, a 503;
the styled 404 page in DEBUG."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.core.context import new_request_id, reset_request_id, set_request_id
from apps.core.errors import DATABASE_UNAVAILABLE, Problem, error_response

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives every request an id (the caller's ``X-Request-ID`` if sane), echoed in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def body_limit_for(path: str) -> int:
    """The largest body accepted on ``path``: the longest matching prefix in CORRIDOR_BODY_LIMITS."""
    limit = settings.CORRIDOR_MAX_BODY_BYTES
    best = ""
    for prefix, prefix_limit in settings.CORRIDOR_BODY_LIMITS.items():
        if path.startswith(prefix) and len(prefix) > len(best):
            best, limit = prefix, prefix_limit
    return limit


class BodySizeLimitMiddleware:
    """Refuses an oversized body with 413 from its declared length, before reading a byte of it (in the
    error dialect of the path: EPCIS answers ``CaptureLimitExceededException``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return error_response(request, Problem(status=400, detail="Content-Length is not a number."))
        limit = body_limit_for(request.path)
        if length > limit:
            detail = f"The request body is {length} bytes; this endpoint accepts at most {limit} bytes."
            return error_response(request, Problem(status=413, detail=detail))
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answers 503 with ``Retry-After`` when the database fails a view outside DRF (DRF's handler does its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            # Imported here: the views load the health checks and Celery, which this module must not need.
            from apps.core.views import database_unavailable  # noqa: PLC0415

            return database_unavailable(request, exception)
        return None


class StyledNotFoundMiddleware:
    """With DEBUG on (``make run``), a page that is not found still shows the styled 404 page.

    Django answers a 404 with its technical page when DEBUG is on; the API keeps its problem
    documents (they are not HTML), and a 404 page this project rendered is marked and left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == HTTPStatus.NOT_FOUND
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # Imported here, as DatabaseUnavailableMiddleware does: the views load the health checks and Celery.
            from apps.core.views import STYLED_PAGE_MARK, handler404  # noqa: PLC0415

            if not getattr(response, STYLED_PAGE_MARK, False):
                return handler404(request)
        return response
