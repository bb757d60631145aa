"""Pages: the home page (where a member's work starts), the partner's own page, partner switching, members,
API tokens, the audit log; for staff, the partners."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError, ConflictError
from apps.core.extensions import ExtensionPoint
from apps.core.filters import AuditEventFilterSet
from apps.core.pagination import UncountedPage
from apps.core.selectors import audit_event_list
from apps.partners import selectors, services
from apps.partners.access import SESSION_PARTNER_KEY, Actor, actor_for_request, require, user_memberships
from apps.partners.choices import MemberRole
from apps.partners.forms import ApiTokenForm, MemberInviteForm, MemberRoleForm

RECENT_AUDIT_ROWS = 20
AUDIT_PAGE_SIZE = 50
AUDIT_FILTER_FIELDS = ("action_prefix", "object_type", "since", "until")
AUDIT_CSV_COLUMNS = (
    "occurred_at",
    "actor_label",
    "actor_token_prefix",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "request_id",
)

# Panels higher apps add to the home page, after the partner's own facts (credentials: its issuer
# identifiers). Each gets the request and the actor and returns its HTML, or "" to show nothing.
home_panels: ExtensionPoint[Callable[[HttpRequest, Actor], str]] = ExtensionPoint("partners.home_panels")
# Where a member's work starts, by what its partner does: each higher app's page (a logistics firm's
# consignments, a customs authority's review queue) returns its URL for the actor, or None. The first
# answer wins; with none, the home is the partner's own page (staff who chose no partner see all partners).
home_pages: ExtensionPoint[Callable[[Actor], str | None]] = ExtensionPoint("partners.home_pages")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    for page in home_pages:
        if url := page(actor):
            return redirect(url)
    return partner_page(request)


@login_required
def partner_page(request: HttpRequest) -> HttpResponse:
    """The partner a user acts for: its details, the panels other apps add, members and recent activity."""
    actor = actor_for_request(request)
    context = {
        "partner": actor.partner,
        "is_admin": actor.has_role(MemberRole.ADMIN),
        "members": selectors.membership_list(actor=actor).filter(partner=actor.partner) if actor.partner else [],
        "audit_events": audit_event_list(actor=actor).filter(partner=actor.partner)[:RECENT_AUDIT_ROWS]
        if actor.partner
        else [],
        "all_partners": selectors.partner_list(actor=actor) if actor.is_staff else [],
        "panels": [html for panel in home_panels if (html := panel(request, actor))],
    }
    return render(request, "partners/home.html", context)


@login_required
@require_POST
def switch_partner(request: HttpRequest) -> HttpResponse:
    slug = request.POST.get("partner", "")
    if not user_memberships(request.user).filter(partner__slug=slug).exists():
        raise Http404("Not a partner of yours")
    request.session[SESSION_PARTNER_KEY] = slug
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    require(actor, role=MemberRole.ADMIN, acting=True, to=gettext_noop("manage its API tokens"))
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = services.api_token_create(actor=actor, partner=actor.partner, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                gettext("Token %(prefix)s created. Copy it now: it is shown only once.") % {"prefix": token.prefix},
            )
            form = ApiTokenForm()
    tokens = selectors.api_token_list(actor=actor).filter(partner=actor.partner)
    response = render(request, "partners/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    actor = actor_for_request(request)
    token = get_object_or_404(selectors.api_token_list(actor=actor), pk=token_id)
    try:
        services.api_token_revoke(actor=actor, token=token)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, gettext("Token %(prefix)s revoked.") % {"prefix": token.prefix})
    return redirect("token-list")


def _form_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _set_password_link(request: HttpRequest, user: Any) -> str:
    """A one-time link for a new member to choose a password (Django's password-reset confirmation)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("password-set", args=[uid, token]))


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    """The acting partner's members; its admins invite, change roles and remove."""
    actor = actor_for_request(request)
    require(actor, acting=True, to=gettext_noop("see its members"))
    form = MemberInviteForm(request.POST or None)
    set_password_link = None
    if request.method == "POST":
        require(actor, role=MemberRole.ADMIN, acting=True, to=gettext_noop("manage its members and tokens"))
        if form.is_valid():
            try:
                membership, new_user = services.member_invite(actor=actor, partner=actor.partner, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                text = gettext("%(user)s is now a member.")
                messages.success(request, text % {"user": membership.user.get_username()})
                if new_user:
                    set_password_link = _set_password_link(request, membership.user)
                form = MemberInviteForm()
    members = selectors.membership_list(actor=actor).filter(partner=actor.partner).order_by("user__username")
    context = {
        "members": members,
        "is_admin": actor.has_role(MemberRole.ADMIN),
        "form": form,
        "role_choices": MemberRole.choices,
        "set_password_link": set_password_link,
    }
    response = render(request, "partners/members.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    membership = get_object_or_404(selectors.membership_list(actor=actor), pk=membership_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a role."))
        return redirect("member-list")
    try:
        membership = services.membership_update(actor=actor, membership=membership, role=form.cleaned_data["role"])
    except ConflictError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            gettext("%(user)s is now %(role)s.")
            % {"user": membership.user.get_username(), "role": membership.get_role_display()},
        )
    return redirect("member-list")


@login_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = actor_for_request(request)
    membership = get_object_or_404(selectors.membership_list(actor=actor), pk=membership_id)
    username = membership.user.get_username()
    try:
        services.membership_delete(actor=actor, membership=membership)
    except ConflictError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, gettext("%(user)s was removed.") % {"user": username})
    return redirect("member-list")


class _Echo:
    """csv.writer's file: each written row is handed back, to stream it."""

    def write(self, value: str) -> str:
        return value


def _audit_csv_rows(rows: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([*AUDIT_CSV_COLUMNS, "partner", "changes"])
    for row in rows.iterator(chunk_size=500):
        values = [getattr(row, column) for column in AUDIT_CSV_COLUMNS]
        values[0] = row.occurred_at.isoformat()
        yield writer.writerow([*values, row.partner.slug if row.partner else "", row.changes])


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log its partner's admins (their partner's) and staff (all) read: filtered with the
    API's FilterSet, paged, and as CSV with ``?format=csv``."""
    actor = actor_for_request(request)
    if not actor.is_staff:
        require(actor, role=MemberRole.ADMIN, acting=True, to=gettext_noop("read its audit log"))
    rows = audit_event_list(actor=actor)
    if actor.partner and not actor.is_staff:
        rows = rows.filter(partner=actor.partner)
    filterset = AuditEventFilterSet(request.GET, queryset=rows)
    rows = filterset.qs if filterset.is_valid() else rows.none()
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_audit_csv_rows(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="corridor-audit-log.csv"'
        return response
    page = UncountedPage(rows, AUDIT_PAGE_SIZE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filter_fields": [filterset.form[name] for name in AUDIT_FILTER_FIELDS],
        "filter_errors": filterset.errors,
        "query": query.urlencode(),
    }
    return render(request, "partners/audit.html", context)


@login_required
def partner_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    require(actor, staff=True, to=gettext_noop("list every partner"))
    return render(request, "partners/partners.html", {"partners": selectors.partner_list(actor=actor).order_by("name")})


@login_required
def partner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_for_request(request)
    partner = get_object_or_404(selectors.partner_list(actor=actor), slug=slug)
    members = selectors.membership_list(actor=actor).filter(partner=partner).order_by("user__username")
    return render(request, "partners/partner.html", {"partner": partner, "members": members})
