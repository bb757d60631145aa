"""GS1 EPCIS 2.0 REST binding: capture (202 + capture job) and the events query interface.

Views raise; core's dispatcher answers under ``/epcis/`` in EPCIS's dialect (``errors.py``): the
standard's own problem types (``epcisException:…``) inside RFC 9457 bodies.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from datetime import datetime
from itertools import takewhile
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import RolePermission
from apps.core.errors import ApplicationError, NotFoundError
from apps.partners.access import actor_for_request, require
from apps.partners.choices import MemberRole
from apps.shipments import selectors
from apps.shipments.choices import CaptureState, EventSource
from apps.shipments.epcis.jobs import CAPTURE_ERROR_BEHAVIOURS, capture_job_create
from apps.shipments.epcis.vocabulary import GS1_CONTEXT_URL, short_cbv_name
from apps.shipments.models import CaptureJob, Event

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
_CHUNK = 1024 * 1024


def _limit_headers() -> dict[str, str]:
    return {
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
        "GS1-EPCIS-Capture-Limit": str(settings.CORRIDOR_EPCIS_CAPTURE_LIMIT),
        "GS1-EPCIS-Capture-File-Size-Limit": str(settings.CORRIDOR_EPCIS_CAPTURE_FILE_SIZE_LIMIT),
    }


class _SpooledBody(File):
    """The request body, read in chunks so a large document never sits in memory at once."""

    def __init__(self, request: HttpRequest) -> None:
        spool = tempfile.SpooledTemporaryFile(max_size=_CHUNK)  # noqa: SIM115 - closed by the File wrapper
        while chunk := request.read(_CHUNK):
            spool.write(chunk)
        spool.seek(0)
        super().__init__(spool, name="document.jsonld")


class UnreadDocumentParser(BaseParser):
    """Accepts an EPCIS document's media types and leaves the body unread: the view streams it to disk.

    DRF parses the body whenever ``request.POST`` is read, and a browser session's CSRF check reads it;
    with the default JSON parser that answered ``application/ld+json`` with 415 (and would have read a
    large document into memory). Other media types are still refused with 415.
    """

    media_type = "application/ld+json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, Any]:
        return {}


class UnreadJsonDocumentParser(UnreadDocumentParser):
    media_type = "application/json"


class CaptureView(APIView):
    """``POST /epcis/capture``: accept an EPCISDocument and answer 202 with its capture job."""

    permission_classes = [RolePermission]
    parser_classes = [UnreadDocumentParser, UnreadJsonDocumentParser]
    action_roles = {"post": MemberRole.OPERATOR}

    @extend_schema(
        request={"application/ld+json": OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "GS1-Capture-Error-Behaviour",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                enum=list(CAPTURE_ERROR_BEHAVIOURS),
            )
        ],
        responses={202: None},
    )
    def post(self, request: Request) -> Response:
        actor = actor_for_request(request)
        require(actor, role=MemberRole.OPERATOR, write=True, acting=True, to=gettext_noop("capture events"))
        behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").lower()
        if behaviour not in CAPTURE_ERROR_BEHAVIOURS:
            raise ApplicationError("GS1-Capture-Error-Behaviour must be rollback or proceed.")
        content_type = request.content_type.split(";")[0].strip()
        if content_type not in ("application/json", "application/ld+json"):
            raise ApplicationError(
                "Send the EPCISDocument as application/ld+json or application/json.",
                status=415,
                code="unsupported-media-type",
            )
        body = _SpooledBody(request._request)
        if body.size == 0:
            raise ApplicationError("The request body is empty.")
        job = capture_job_create(actor=actor, document=body, error_behaviour=behaviour)
        response = Response(status=202, headers=_limit_headers())
        response["Location"] = reverse("epcis-capture-job", args=[job.pk])
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().options(request, *args, **kwargs)
        for header, value in _limit_headers().items():
            response[header] = value
        return response


def capture_job_body(job: CaptureJob) -> dict[str, Any]:
    """The capture job as the EPCIS 2.0 OpenAPI describes it."""
    return {
        "captureID": str(job.pk),
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.state == CaptureState.RUNNING,
        "success": job.state == CaptureState.SUCCESS,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
        "eventCount": job.event_count,
        "capturedCount": job.captured_count,
    }


class CaptureJobView(APIView):
    """``GET /epcis/capture/{captureID}``: running, success, errors."""

    permission_classes = [RolePermission]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, capture_id: str) -> Response:
        job = selectors.capture_job_list(actor=actor_for_request(request)).filter(pk=capture_id).first()
        if job is None:
            raise NotFoundError("No such capture job visible to you.")
        return Response(capture_job_body(job), headers=_limit_headers())


# --- Query interface ------------------------------------------------------------------------


class QueryParameterError(ValueError):
    pass


def _values(raw: str) -> list[str]:
    return [value for value in raw.split("|") if value]


def _time(name: str, raw: str) -> datetime:
    value = parse_datetime(raw)
    if value is None or value.tzinfo is None:
        raise QueryParameterError(f"{name} must be an ISO 8601 time with an offset, not {raw!r}.")
    return value


EPC_PATTERN = "urn:epc:idpat:"


def _pattern_prefix(pattern: str) -> tuple[str, bool]:
    """An EPC pattern URI (TDS: ``urn:epc:idpat:sgtin:0614141.107346.*``) as the EPC URI prefix it matches,
    and whether it names one EPC exactly (no ``*``). Stars may only take the place of trailing components."""
    scheme, _, body = pattern.removeprefix(EPC_PATTERN).partition(":")
    parts = body.split(".")
    fixed = list(takewhile(lambda part: part != "*", parts))
    if not scheme or not all(parts) or any(part != "*" for part in parts[len(fixed) :]):
        raise QueryParameterError(f"{pattern!r} is not an EPC pattern URI (e.g. urn:epc:idpat:sgtin:0614141.*.*).")
    prefix = f"urn:epc:id:{scheme}:" + ".".join(fixed)
    if len(fixed) == len(parts):
        return prefix, True
    return (f"{prefix}." if fixed else prefix), False


def _epc_filter(values: list[str], roles: tuple[str, ...]) -> Q:
    condition = Q()
    for value in values:
        if value.startswith(EPC_PATTERN):
            prefix, exact = _pattern_prefix(value)
            lookup = "touched_objects__value" if exact else "touched_objects__value__startswith"
            condition |= Q(touched_objects__role__in=roles, **{lookup: prefix})
        elif value.endswith("*"):
            condition |= Q(touched_objects__role__in=roles, touched_objects__value__startswith=value[:-1])
        else:
            condition |= Q(touched_objects__role__in=roles, touched_objects__value=value)
    return condition


SUPPORTED_PARAMETERS = {
    "eventType",
    "EQ_eventID",
    "GE_eventTime",
    "LT_eventTime",
    "GE_recordTime",
    "LT_recordTime",
    "EQ_bizStep",
    "EQ_disposition",
    "EQ_bizLocation",
    "EQ_readPoint",
    "MATCH_epc",
    "MATCH_anyEPC",
    "MATCH_parentID",
    "EQ_action",
    "perPage",
    "nextPageToken",
}


def epcis_event_query(queryset: QuerySet[Event], params: dict[str, str]) -> QuerySet[Event]:
    """Apply the EPCIS SimpleEventQuery parameters; unknown parameters are an error, as the standard says."""
    unknown = sorted(set(params) - SUPPORTED_PARAMETERS)
    if unknown:
        raise QueryParameterError(f"Unsupported query parameter: {unknown[0]}.")
    qs = queryset.filter(source=EventSource.EPCIS, is_latest=True)
    if "eventType" in params:
        qs = qs.filter(event_type__in=_values(params["eventType"]))
    if "EQ_eventID" in params:
        qs = qs.filter(event_id__in=_values(params["EQ_eventID"]))
    for name, field, lookup in (
        ("GE_eventTime", "event_time", "gte"),
        ("LT_eventTime", "event_time", "lt"),
        ("GE_recordTime", "record_time", "gte"),
        ("LT_recordTime", "record_time", "lt"),
    ):
        if name in params:
            qs = qs.filter(**{f"{field}__{lookup}": _time(name, params[name])})
    if "EQ_bizStep" in params:
        qs = qs.filter(biz_step__in=[short_cbv_name(v) for v in _values(params["EQ_bizStep"])])
    if "EQ_disposition" in params:
        qs = qs.filter(disposition__in=[short_cbv_name(v) for v in _values(params["EQ_disposition"])])
    if "EQ_action" in params:
        qs = qs.filter(action__in=_values(params["EQ_action"]))
    if "EQ_bizLocation" in params:
        qs = qs.filter(biz_location__in=_values(params["EQ_bizLocation"]))
    if "EQ_readPoint" in params:
        qs = qs.filter(read_point__in=_values(params["EQ_readPoint"]))
    if "MATCH_epc" in params:
        qs = qs.filter(_epc_filter(_values(params["MATCH_epc"]), ("epc", "child")))
    if "MATCH_parentID" in params:
        qs = qs.filter(_epc_filter(_values(params["MATCH_parentID"]), ("parent",)))
    if "MATCH_anyEPC" in params:
        qs = qs.filter(_epc_filter(_values(params["MATCH_anyEPC"]), ("epc", "child", "parent")))
    return qs.distinct()


def _encode_token(event: Event) -> str:
    raw = json.dumps([event.record_time.isoformat(), str(event.pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        time_text, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        value = parse_datetime(time_text)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise QueryParameterError("nextPageToken is not one this server issued.") from exc
    if value is None:
        raise QueryParameterError("nextPageToken is not one this server issued.")
    return value, pk


def _per_page(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PER_PAGE
    try:
        per_page = int(raw)
    except ValueError as exc:
        raise QueryParameterError("perPage must be an integer.") from exc
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryParameterError(f"perPage must be between 1 and {MAX_PER_PAGE}.")
    return per_page


class EventsQueryView(APIView):
    """``GET /epcis/events``: an EPCISQueryDocument of the EPCIS events the caller may see."""

    permission_classes = [RolePermission]

    @extend_schema(
        parameters=[OpenApiParameter(name, OpenApiTypes.STR) for name in sorted(SUPPORTED_PARAMETERS)],
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        params = {key: request.query_params.get(key, "") for key in request.query_params}
        try:
            per_page = _per_page(params.get("perPage"))
            qs = epcis_event_query(selectors.event_list(actor=actor_for_request(request)), params)
            if params.get("nextPageToken"):
                time_value, pk = _decode_token(params["nextPageToken"])
                qs = qs.filter(Q(record_time__gt=time_value) | Q(record_time=time_value, id__gt=pk))
        except QueryParameterError as exc:
            raise ApplicationError(str(exc), code="epcisException:QueryParameterException") from exc
        rows = list(qs.order_by("record_time", "id")[: per_page + 1])
        headers = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
        if len(rows) > per_page:
            rows = rows[:per_page]
            next_params = request.query_params.copy()
            next_params["nextPageToken"] = _encode_token(rows[-1])
            headers["Link"] = f'<{request.build_absolute_uri(request.path)}?{next_params.urlencode()}>; rel="next"'
        document = {
            "@context": [GS1_CONTEXT_URL],
            "type": "EPCISQueryDocument",
            "schemaVersion": "2.0",
            "creationDate": timezone.now().isoformat(),
            "epcisBody": {
                "queryResults": {
                    "queryName": "SimpleEventQuery",
                    "resultsBody": {"eventList": [event.payload for event in rows]},
                }
            },
        }
        return Response(document, headers=headers, content_type="application/ld+json")
