"""Pages of a logistics firm: its consignments (list, detail, event graph), recording an event, uploading a
file, and the dashboard.

Sections other apps own (alerts, customs decisions, the credential chain, the ETA, dashboard figures)
come through ``apps.shipments.extensions``; every page reads a fixed number of queries whatever the data's size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import File
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from rest_framework import serializers as drf_serializers

from apps.core import words
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.core.json_input import JsonInputError, json_loads
from apps.partners.access import Actor, actor_for_request, may, require
from apps.partners.models import Partner
from apps.shipments import drawing, places, selectors
from apps.shipments.choices import ConsignmentStatus, TransportDocumentType
from apps.shipments.dcsa.parse import parse_dcsa_events
from apps.shipments.epcis.jobs import capture_job_create
from apps.shipments.extensions import consignment_eta, consignment_open_alerts, consignment_panels, dashboard_tiles
from apps.shipments.filters import ConsignmentFilterSet
from apps.shipments.forms import EventRecordForm, UploadForm
from apps.shipments.graph import queries as graph_queries
from apps.shipments.graph.consistency import inconsistencies
from apps.shipments.graph.custody import chain_of_custody
from apps.shipments.graph.timeline import timeline
from apps.shipments.graph.types import (
    ARRIVAL_BEFORE_DEPARTURE,
    DOCUMENT_EVENT_TYPE,
    IMPOSSIBLE_SPEED,
    OUT_OF_ORDER,
    TWO_PLACES_AT_ONCE,
    PartyInfo,
)
from apps.shipments.ingest.native import NativeEventSerializer, native_event
from apps.shipments.ingest.service import event_batch_record
from apps.shipments.ingest.types import IngestValidationError
from apps.shipments.models import Consignment
from apps.shipments.services import RECORD
from apps.shipments.steps import any_step_label, event_type_label, step_label

PAGE_SIZE = 25
# Sort keys of the list page -> ordering (the primary key breaks ties, so pages never overlap).
SORTS = {
    "reference": "reference",
    "status": "status",
    "origin": "origin",
    "destination": "destination",
    "created": "created_at",
    "updated": "updated_at",
}
DEFAULT_SORT = "-updated"
CUSTODY_ROLES = {
    "consignor": _("Shipper"),
    "terminal_operator": _("Terminal"),
    "carrier": _("Carrier"),
    "haulier": _("Haulier"),
    "consignee": _("Consignee"),
}
FINDING_KINDS = {
    ARRIVAL_BEFORE_DEPARTURE: _("Arrival before departure"),
    OUT_OF_ORDER: _("Out of order"),
    TWO_PLACES_AT_ONCE: _("Two places at once"),
    IMPOSSIBLE_SPEED: _("Impossible speed"),
}
UPLOAD_MAX_BYTES = 1_048_576  # a DCSA list is read here; larger EPCIS documents go through /epcis/capture


def _sorting(raw: str) -> tuple[str, list[str]]:
    key = raw.lstrip("-")
    if key not in SORTS:
        raw, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    direction = "-" if raw.startswith("-") else ""
    return raw, [f"{direction}{SORTS[key]}", f"{direction}id"]


def _zones(codes: set[str]) -> dict[str, selectors.Place]:
    return selectors.place_index(codes=codes)


def _label(row: Any, prefix: str = "last_event_") -> Any:
    return step_label(
        biz_step=getattr(row, f"{prefix}step") or "",
        event_code=getattr(row, f"{prefix}code") or "",
        event_type=getattr(row, f"{prefix}type") or "",
    )


@login_required
def consignment_list_page(request: HttpRequest) -> HttpResponse:
    """The consignments of the partner acting: filterable, sortable, paged, with one search box."""
    actor = actor_for_request(request)
    require(actor, acting=True, to=gettext_noop("see consignments"))
    rows: QuerySet[Consignment] = selectors.consignment_rows(actor=actor)
    filters = ConsignmentFilterSet(request.GET, queryset=rows, request=request)
    status = 200
    if filters.is_valid():
        rows = filters.qs
    else:
        rows, status = rows.none(), 400
    sort, ordering = _sorting(request.GET.get("sort", DEFAULT_SORT))
    page = Paginator(rows.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    consignments = list(page.object_list)
    alert_counts: dict[Any, int] = {}
    for source in consignment_open_alerts:
        for pk, count in source.counts(actor, [c.pk for c in consignments]).items():
            alert_counts[pk] = alert_counts.get(pk, 0) + count
    codes = {c.origin for c in consignments} | {c.destination for c in consignments}
    codes |= {c.last_event_location for c in consignments if c.last_event_location}
    known = _zones(codes)
    # The choices' labels looked up once: get_<field>_display rebuilds its choices dict on every call.
    statuses, documents = dict(ConsignmentStatus.choices), dict(TransportDocumentType.choices)
    table = [
        {
            "consignment": c,
            "status_label": statuses.get(c.status, c.status),
            "document_label": documents.get(c.transport_document_type, c.transport_document_type),
            "containers": [a.equipment.number for a in c.equipment_assignments.all()],
            "origin": known.get(c.origin),
            "destination": known.get(c.destination),
            "last_label": _label(c) if c.last_event_time else None,
            "last_place": known.get(c.last_event_location or ""),
            "alerts": alert_counts.get(c.pk, 0),
        }
        for c in consignments
    ]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "filters": filters,
        "table": table,
        "page": page,
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort_columns": [
            ("reference", _("Consignment")),
            ("status", _("Status")),
            ("origin", _("From")),
            ("destination", _("To")),
            ("updated", _("Updated")),
        ],
        "has_alert_source": bool(len(consignment_open_alerts)),
        "can_record": may(actor, **RECORD),
    }
    return render(request, "shipments/consignment_list.html", context, status=status)


def _consignment(actor: Actor, pk: Any) -> Consignment:
    return get_object_or_404(selectors.consignment_list(actor=actor), pk=pk)


def _partner_names(slugs: set[str]) -> dict[str, Partner]:
    return {p.slug: p for p in Partner.objects.filter(slug__in=slugs)}


def _overview(actor: Actor, consignment: Consignment, *, findings: bool = True) -> dict[str, Any]:
    """The consignment's graph read once: its timeline, custody and (unless not wanted) consistency findings."""
    graph = graph_queries.consignment_graph(consignment=consignment, actor=actor)
    key = str(consignment.pk)
    parties = [
        PartyInfo(partner=p.partner.slug, role=p.role, country=p.partner.country) for p in consignment.parties.all()
    ]
    entries = timeline(graph, key)
    spans = chain_of_custody(graph, key, parties=parties)
    found = inconsistencies(graph, distance_km=graph_queries.location_distance()) if findings else []
    return {"entries": entries, "custody": spans, "findings": found}


def _milestones(entries: list[Any], known: dict[str, selectors.Place]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        label = any_step_label(entry.step) if entry.step else event_type_label(entry.event_type)
        place = known.get(entry.location)
        rows.append(
            {
                "entry": entry,
                "label": label,
                "place": place,
                "zone": place.zone if place else "UTC",
                "relation": entry.inherited_from,
            }
        )
    return rows


def _legs(consignment: Consignment, known: dict[str, selectors.Place]) -> list[dict[str, Any]]:
    rows = []
    for leg in consignment.legs.all():
        origin, destination = known.get(leg.origin), known.get(leg.destination)
        rows.append(
            {
                "leg": leg,
                "origin": origin,
                "destination": destination,
                "departure_delay": _delay(leg.planned_departure, leg.actual_departure),
                "arrival_delay": _delay(leg.planned_arrival, leg.actual_arrival),
            }
        )
    return rows


def _delay(planned: datetime | None, actual: datetime | None) -> float | None:
    if planned is None or actual is None:
        return None
    return round((actual - planned).total_seconds() / 3600, 1)


def _route_map(consignment: Consignment, known: dict[str, selectors.Place], here: str | None) -> drawing.RouteLayout:
    legs = list(consignment.legs.all())
    codes = [consignment.origin] + [code for leg in legs for code in (leg.origin, leg.destination)]
    codes.append(consignment.destination)
    stops, missing = [], []
    for code in dict.fromkeys(codes):
        place = known.get(code)
        if place is not None and place.known:
            stops.append(drawing.Stop(code, place.name, place.latitude, place.longitude))
        else:
            missing.append(code)
    leg_paths = []
    sources = legs or []
    for leg in sources:
        a, b = known.get(leg.origin), known.get(leg.destination)
        if a is None or b is None or not a.known or not b.known:
            continue
        start, end = (a.latitude, a.longitude), (b.latitude, b.longitude)
        points = places.sea_path(start, end) if leg.mode == "sea" else (start, end)
        leg_paths.append(drawing.LegIn(leg.sequence, points, bool(leg.actual_departure), bool(leg.actual_arrival)))
    if not legs:
        a, b = known.get(consignment.origin), known.get(consignment.destination)
        if a is not None and b is not None and a.known and b.known:
            leg_paths.append(drawing.LegIn(1, ((a.latitude, a.longitude), (b.latitude, b.longitude)), False, False))
    position = known.get(here or "")
    return drawing.route_layout(
        stops, leg_paths, (position.latitude, position.longitude) if position and position.known else None, missing
    )


@login_required
def consignment_detail_page(request: HttpRequest, pk: str) -> HttpResponse:
    """Where it is, its milestones and legs, containers, parties, goods, custody, findings and others' sections."""
    actor = actor_for_request(request)
    consignment = _consignment(actor, pk)
    disclosure = selectors.consignment_disclosure(actor=actor, consignment=consignment)
    overview = _overview(actor, consignment)
    entries = overview["entries"]
    legs = list(consignment.legs.all())
    codes = {consignment.origin, consignment.destination} | {e.location for e in entries if e.location}
    codes |= {code for leg in legs for code in (leg.origin, leg.destination)}
    codes |= {span.location for span in overview["custody"] if span.location}
    known = _zones(codes)
    moves = [e for e in entries if not e.erroneous and e.event_type != DOCUMENT_EVENT_TYPE]
    last = moves[-1] if moves else (entries[-1] if entries else None)
    milestones = _milestones(entries, known)
    slugs = {e.recorder for e in entries} | {span.holder for span in overview["custody"] if span.holder}
    partners = _partner_names(slugs)
    etas = [eta for provider in consignment_eta if (eta := provider(actor, consignment)) is not None]
    context = {
        "consignment": consignment,
        "disclosure": disclosure,
        "now": {
            "entry": last,
            "label": (any_step_label(last.step) if last.step else event_type_label(last.event_type)) if last else None,
            "place": known.get(last.location) if last else None,
        },
        "milestones": milestones,
        "legs": _legs(consignment, known),
        "places": known,
        "containers": list(consignment.equipment_assignments.all()),
        "parties": list(consignment.parties.all()),
        "custody": [
            {
                "span": span,
                "role": CUSTODY_ROLES.get(span.role, span.role),
                "holder": partners.get(span.holder),
                "place": known.get(span.location),
            }
            for span in overview["custody"]
        ],
        "findings": [
            {
                "finding": finding,
                "label": FINDING_KINDS.get(finding.kind, finding.kind),
                "detail": words.render(finding.detail, gettext),  # English in the API, the reader's language here
            }
            for finding in overview["findings"]
        ],
        "recorders": {slug: partner.name for slug, partner in partners.items()},
        "eta": etas[0] if etas else None,
        "route": _route_map(consignment, known, last.location if last else None),
        "panels": [html for panel in consignment_panels if (html := panel.render(request, actor, consignment))],
        "can_record": may(actor, **RECORD),
    }
    return render(request, "shipments/consignment_detail.html", context)


@login_required
def consignment_graph_page(request: HttpRequest, pk: str) -> HttpResponse:
    """The event graph drawn: events in time order against the objects they touch, custody along the left."""
    actor = actor_for_request(request)
    consignment = _consignment(actor, pk)
    overview = _overview(actor, consignment, findings=False)  # the drawing shows no findings
    known = _zones({e.location for e in overview["entries"] if e.location})
    events = []
    for entry in overview["entries"]:
        label = any_step_label(entry.step) if entry.step else event_type_label(entry.event_type)
        place = known.get(entry.location)
        events.append(
            drawing.GraphEventIn(
                key=entry.key,
                event_time=entry.event_time,
                label=label.text,
                code=label.code,
                place=f"{place.name or entry.location} ({entry.location})" if place else entry.location,
                direct=not entry.inherited_from,
                equipment=tuple(entry.equipment),
                voyage=entry.voyage,
                erroneous=entry.erroneous,
                inherited_from=entry.inherited_from,
            )
        )
    custody = [
        drawing.CustodyIn(span.role, span.holder, span.opened_by, span.closed_by) for span in overview["custody"]
    ]
    layout = drawing.graph_layout(events, custody)
    holders = _partner_names({span.holder for span in custody if span.holder})
    names = {slug: partner.name for slug, partner in holders.items()}
    # Each band said in words on hover: the holder's role and its name (its slug when it is not a partner here).
    bands = [
        {
            "band": band,
            "role": CUSTODY_ROLES.get(band.role, band.role),
            "holder": names.get(band.holder, band.holder),
        }
        for band in layout.custody
    ]
    context = {"consignment": consignment, "layout": layout, "bands": bands, "roles": CUSTODY_ROLES}
    return render(request, "shipments/consignment_graph.html", context)


def _record_errors(form: EventRecordForm, errors: Any) -> None:
    """The events API's field errors, put on the form's fields (the form's names are the API's)."""
    for field, problems in errors.items() if isinstance(errors, dict) else [(None, errors)]:
        target = field if field in form.fields else None
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(target, str(problem))


@login_required
@require_http_methods(["GET", "POST"])
def event_record_page(request: HttpRequest, pk: str) -> HttpResponse:
    """Record one event for a consignment in its native fields; what was typed stays when it is refused."""
    actor = actor_for_request(request)
    consignment = _consignment(actor, pk)
    can_record = may(actor, **RECORD)
    if request.method == "POST":
        require(actor, **RECORD)
    form = EventRecordForm(request.POST or None, initial={"location": consignment.origin})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            zone = selectors.place_index(codes=[form.cleaned_data["location"]])[form.cleaned_data["location"]].zone
            payload = form.payload(consignment_id=str(consignment.pk), zone=zone)
            data = NativeEventSerializer(data=payload)
            if not data.is_valid():
                _record_errors(form, data.errors)
            else:
                try:
                    result = event_batch_record(
                        actor=actor, events=[native_event(data.validated_data, payload)], channel="page"
                    )
                except (NotFoundError, PermissionDeniedError):
                    raise
                except ApplicationError as exc:
                    form.add_error("event_id" if exc.status == 409 else None, exc.detail)
                    status = exc.status
                else:
                    event = result.events[0]
                    if result.outcomes[0] == "unchanged":
                        messages.info(request, gettext("That event was already recorded; nothing changed."))
                    else:
                        text = gettext("Event recorded: %(step)s.")
                        messages.success(request, text % {"step": payload_label(payload)})
                    return redirect(f"{reverse('consignment-detail', args=[consignment.pk])}#event-{event.pk}")
    context = {"consignment": consignment, "form": form, "can_record": can_record}
    return render(request, "shipments/event_record.html", context, status=status)


def payload_label(payload: dict[str, Any]) -> str:
    return step_label(biz_step=payload.get("biz_step", ""), event_code=payload.get("event_code", "")).text


def _dcsa_errors(exc: IngestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "path": f"[{problem.index}].{problem.field}" if problem.index >= 0 else problem.field,
            "detail": words.render(problem.detail, gettext),
        }
        for problem in exc.problems
    ]


@login_required
@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest) -> HttpResponse:
    """Upload an EPCIS 2.0 document (a capture job, followed on its page) or a DCSA event list (recorded now)."""
    actor = actor_for_request(request)
    can_record = may(actor, **RECORD)
    if request.method == "POST":
        require(actor, **RECORD)
    form = UploadForm(request.POST or None, request.FILES or None)
    status, errors, result = 200, [], None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if form.cleaned_data["format"] == UploadForm.EPCIS:
                try:
                    job = capture_job_create(
                        actor=actor, document=File(upload.file), error_behaviour=form.cleaned_data["error_behaviour"]
                    )
                except (NotFoundError, PermissionDeniedError):
                    raise
                except ApplicationError as exc:
                    form.add_error("file", words.render(exc.detail, gettext))
                else:
                    return redirect("capture-job-page", job_id=job.pk)
            else:
                errors, result, status = _dcsa_upload(actor, form, upload)
    context = {"form": form, "errors": errors, "result": result, "can_record": can_record}
    return render(request, "shipments/upload.html", context, status=status)


def _dcsa_upload(actor: Actor, form: UploadForm, upload: Any) -> tuple[list[dict[str, Any]], Any, int]:
    if upload.size > UPLOAD_MAX_BYTES:
        form.add_error("file", gettext("A DCSA event list may be at most 1 MB; send larger ones to the API."))
        return [], None, 413
    try:
        body = json_loads(upload.read())
    except JsonInputError as exc:
        form.add_error("file", gettext("The file is not JSON: %(error)s") % {"error": exc})
        return [], None, 400
    version = form.cleaned_data["format"].removeprefix("dcsa-")
    try:
        events = parse_dcsa_events(body, version=version)
        result = event_batch_record(actor=actor, events=events, channel=f"dcsa-{version}")
    except IngestValidationError as exc:
        return _dcsa_errors(exc), None, 400
    except drf_serializers.ValidationError as exc:
        return [{"path": "", "detail": str(exc.detail)}], None, 400
    except (NotFoundError, PermissionDeniedError):
        raise
    except ApplicationError as exc:
        return [{"path": exc.field or "", "detail": words.render(exc.detail, gettext)}], None, exc.status
    return [], {"recorded": result.created, "total": len(result.events)}, 201 if result.created else 200


@login_required
def capture_job_page(request: HttpRequest, job_id: str) -> HttpResponse:
    """A capture job's progress (the page polls the job while it runs) and its errors by event and path."""
    actor = actor_for_request(request)
    job = get_object_or_404(selectors.capture_job_list(actor=actor), pk=job_id)
    return render(request, "shipments/capture_job.html", {"job": job, "errors": _capture_errors(job)})


def _capture_errors(job: Any) -> list[dict[str, Any]]:
    """The job's errors, each detail in the reader's language from its kept words; as stored (English) where
    none were kept (a job finished before they were, a refusal in plain words)."""
    kept = job.error_words if len(job.error_words) == len(job.errors) else [None] * len(job.errors)
    rows = []
    for error, data in zip(job.errors, kept, strict=True):
        said = words.text_from_data(data)
        rows.append({**error, "detail": said.render(gettext) if said is not None else error.get("detail", "")})
    return rows


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The partner's consignments in figures, and what other apps add (open alerts, credentials this week)."""
    actor = actor_for_request(request)
    require(actor, acting=True, to=gettext_noop("see its dashboard"))
    figures = selectors.consignment_dashboard(actor=actor, now=timezone.now())
    statuses = [(value, label, figures["by_status"].get(value, 0)) for value, label in ConsignmentStatus.choices]
    tiles = [tile for provider in dashboard_tiles for tile in provider(actor)]
    context = {
        "statuses": statuses,
        "total": sum(figures["by_status"].values()),
        "corridors": figures["corridors"],
        "late": figures["late"],
        "silent": figures["silent"],
        "silence_hours": int(selectors.SILENCE.total_seconds() // 3600),
        "tiles": tiles,
    }
    return render(request, "shipments/dashboard.html", context)


def logistics_home(actor: Actor) -> str | None:
    """Where a logistics firm's member starts: its consignments (customs authorities start elsewhere)."""
    partner = actor.partner
    if partner is None or partner.is_customs_authority:
        return None
    return reverse("consignment-list")
