"""Customs review pages: the officer's queue of arriving and transiting consignments, and one consignment's review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from apps.compliance import selectors
from apps.compliance.filters import ReviewQueueFilterSet
from apps.compliance.forms import ReviewDecisionForm
from apps.compliance.services import reviews
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.core.extensions import ExtensionPoint
from apps.disruptions.presentation import alerts_present
from apps.partners.access import actor_for_request, may, require
from apps.shipments.selectors import consignment_list

# Predicted arrivals for the queue's ETA column, from higher layers (corridors: the corridor watch's
# ETAs). Each takes consignment ids and returns {id: predicted arrival} for those it predicts.
review_queue_etas: ExtensionPoint[Callable[[list[Any]], dict[Any, datetime]]] = ExtensionPoint(
    "compliance.review_queue_etas"
)


@login_required
def review_queue_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    authority = require(actor, **reviews.REVIEW)
    filterset = ReviewQueueFilterSet(
        request.GET, queryset=selectors.review_queue(actor=actor, authority=authority), authority=authority, actor=actor
    )
    queue = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    paginator = Paginator(queue, selectors.REVIEW_QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    consignments = list(page.object_list)
    rows = selectors.review_queue_rows(
        actor=actor, authority=authority, consignments=consignments, as_of=timezone.localdate()
    )
    etas: dict[Any, datetime] = {}
    for provider in review_queue_etas:
        etas.update(provider([c.pk for c in consignments]))
    for row in rows:
        row["eta"] = etas.get(row["consignment"].pk)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"authority": authority, "page": page, "rows": rows, "filter": filterset, "query": query.urlencode()}
    return render(request, "compliance/review_queue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_detail_page(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_for_request(request)
    authority = require(actor, **reviews.REVIEW)
    consignment = get_object_or_404(consignment_list(actor=actor), pk=pk)
    can_decide = may(actor, **reviews.DECIDE)
    if request.method == "POST":
        require(actor, **reviews.DECIDE)
    form = ReviewDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = reviews.review_decision_create(
                    actor=actor,
                    consignment_id=consignment.pk,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
            except (NotFoundError, PermissionDeniedError):
                raise
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
                status = exc.status
            else:
                messages.success(
                    request, gettext("Decision recorded: %(decision)s.") % {"decision": decision.get_decision_display()}
                )
                return redirect("review-detail", pk=consignment.pk)
        else:
            status = 400
    context = selectors.review_detail(
        actor=actor, authority=authority, consignment=consignment, as_of=timezone.localdate()
    )
    # The alerts as their rows say them: titles in the page's language.
    context["alerts"] = alerts_present(actor=actor, alerts=context["alerts"], with_evidence=False)
    context.update({"authority": authority, "form": form, "can_decide": can_decide})
    return render(request, "compliance/review_detail.html", context, status=status)
