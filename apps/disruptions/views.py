"""The alerts inbox: the acting partner's alerts, filtered, in words, acknowledged and resolved by its operators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.core.errors import ConflictError
from apps.disruptions import selectors, services
from apps.disruptions.choices import AlertState
from apps.disruptions.filters import AlertFilterSet
from apps.disruptions.presentation import alerts_present
from apps.partners.access import actor_for_request, may, require
from apps.partners.choices import MemberRole

PAGE_SIZE = 25
# The inbox shows what still needs someone (open or acknowledged) unless a state is chosen; "all" shows every one.
UNRESOLVED, ALL = "", "all"


@login_required
def alert_list_page(request: HttpRequest) -> HttpResponse:
    """The partner's alerts, newest first: by kind, state, consignment and corridor, with evidence in words."""
    actor = actor_for_request(request)
    require(actor, acting=True, to=gettext_noop("see its alerts"))
    state = request.GET.get("state", UNRESOLVED)
    query = request.GET.copy()
    alerts = selectors.alert_list(actor=actor)
    if state in (UNRESOLVED, ALL):
        query.pop("state", None)
        if state == UNRESOLVED:
            alerts = alerts.open()
    filters = AlertFilterSet(query, queryset=alerts, request=request)
    status = 200
    if filters.is_valid():
        alerts = filters.qs
    else:
        alerts, status = alerts.none(), 400
    page = Paginator(alerts.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    paging = request.GET.copy()
    paging.pop("page", None)
    context = {
        "rows": alerts_present(actor=actor, alerts=list(page.object_list)),
        "page": page,
        "filters": filters,
        "state": state,
        "states": [(UNRESOLVED, _("Open or acknowledged")), *AlertState.choices, (ALL, _("Any state"))],
        "choices": selectors.alert_filter_choices(actor=actor),
        "query": paging.urlencode(),
        "can_act": may(actor, role=MemberRole.OPERATOR, write=True, acting=True),
    }
    return render(request, "disruptions/alerts.html", context, status=status)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("alert-list-page")


def _state_set(request: HttpRequest, alert_id: str, state: str) -> HttpResponse:
    actor = actor_for_request(request)
    # Another partner's alert is not found: the one scoping rule, as in the API.
    alert = get_object_or_404(selectors.alert_list(actor=actor), pk=alert_id)
    try:
        services.alert_state_set(actor=actor, alert=alert, state=state)
    except ConflictError as exc:
        messages.error(request, exc.detail)
    else:
        title = alerts_present(actor=actor, alerts=[alert])[0].title
        if state == AlertState.ACKNOWLEDGED:
            messages.success(request, _("Alert acknowledged: %(title)s") % {"title": title})
        else:
            messages.success(request, _("Alert resolved: %(title)s") % {"title": title})
    return redirect(_back(request))


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: str) -> HttpResponse:
    """Someone is on it: the alert stays in the inbox, marked with who acknowledged it and when."""
    return _state_set(request, alert_id, AlertState.ACKNOWLEDGED)


@login_required
@require_POST
def alert_resolve(request: HttpRequest, alert_id: str) -> HttpResponse:
    """Close the alert (final); it leaves the inbox's default view."""
    return _state_set(request, alert_id, AlertState.RESOLVED)
