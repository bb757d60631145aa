"""Pages: the home page (where a member's work starts), the partner's own page, partner switching, API tokens."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.core.extensions import ExtensionPoint
from apps.core.selectors import audit_event_list
from apps.partners import selectors, services
from apps.partners.access import SESSION_PARTNER_KEY, Actor, actor_for_request, require, user_memberships
from apps.partners.choices import MemberRole
from apps.partners.forms import ApiTokenForm

RECENT_AUDIT_ROWS = 20

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
    require(actor, role=MemberRole.ADMIN, acting=True, to="manage its API tokens")
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = services.api_token_create(actor=actor, partner=actor.partner, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Token {token.prefix} created. Copy it now: it is shown only once.")
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
        messages.success(request, f"Token {token.prefix} revoked.")
    return redirect("token-list")
