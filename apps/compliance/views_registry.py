"""Pages of the AEO registry and the MRAs: customs manage their own certificates; MRAs are read here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from apps.compliance import selectors
from apps.compliance.choices import CertificateStatus
from apps.compliance.filters import AeoCertificateFilterSet
from apps.compliance.forms_registry import CertificateForm, RenewForm, StatusForm
from apps.compliance.services.certificates import certificate_create, certificate_renew, certificate_status_set
from apps.compliance.services.checks import MANAGE_REGISTER
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.partners.access import Actor, actor_for_request, may, require
from apps.partners.choices import PartnerKind
from apps.partners.models import Partner

PAGE_SIZE = 50
# The filters the certificate list's form shows; the FilterSet's others come as hidden fields.
SHOWN_FILTERS = frozenset({"q", "status"})


def _without_page(request: HttpRequest) -> str:
    """The request's query string without ``page``, for pagination links that keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _form_error(form: Any, exc: ApplicationError) -> None:
    field = (exc.field or "").split("/")[-1]
    form.add_error(field if field in form.fields else None, exc.detail)


def _certificate_form(request: HttpRequest, actor: Actor) -> CertificateForm | None:
    """The registration form for those who manage the register; staff acting for no authority choose one."""
    if not may(actor, **MANAGE_REGISTER):
        return None
    authorities = None
    if actor.partner is None:
        authorities = Partner.objects.of_kind(PartnerKind.CUSTOMS_AUTHORITY).order_by("slug")
    return CertificateForm(request.POST or None, authorities=authorities)


@login_required
def certificate_list_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    # The API's FilterSet, so the page and /api/v1/aeo-certificates/ take the same parameters and agree.
    filters = AeoCertificateFilterSet(request.GET, queryset=selectors.certificate_list(actor=actor))
    form = _certificate_form(request, actor)
    if request.method == "POST":
        require(actor, **MANAGE_REGISTER)
        if form.is_valid():
            data = form.cleaned_data
            holder = Partner.objects.filter(slug=data["holder"]).first()
            authority = Partner.objects.get(slug=data["authority"]) if "authority" in data else actor.partner
            if holder is None:
                form.add_error("holder", gettext("No partner '%(slug)s'.") % {"slug": data["holder"]})
            else:
                try:
                    certificate = certificate_create(
                        actor=actor,
                        authority=authority,
                        holder=holder,
                        number=data["number"],
                        certificate_type=data["certificate_type"],
                        valid_from=data["valid_from"],
                        valid_until=data["valid_until"],
                    )
                except (NotFoundError, PermissionDeniedError):
                    raise
                except ApplicationError as exc:
                    _form_error(form, exc)
                else:
                    text = gettext("Certificate %(number)s registered.")
                    messages.success(request, text % {"number": certificate.number})
                    return redirect("aeo-certificate-page", pk=certificate.pk)
    valid = filters.is_valid()
    certificates = filters.qs if valid else filters.queryset.none()
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        # Each row's type in the reader's words (a WCO type's label; a programme's own tier as it is).
        "rows": [(c, selectors.certificate_type_label(c.certificate_type)) for c in page],
        "form": form,
        "filters": filters,
        "q": filters.data.get("q", ""),
        "status": filters.data.get("status", ""),
        "statuses": CertificateStatus.choices,
        # A link may scope the list to a holder or an authority: refining it in the form keeps that scope.
        "scope": [
            (name, value) for name in filters.filters if name not in SHOWN_FILTERS and (value := filters.data.get(name))
        ],
        "query": _without_page(request),
    }
    return render(request, "compliance/certificates.html", context, status=200 if valid else 400)


@login_required
def certificate_page(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_for_request(request)
    certificate = get_object_or_404(selectors.certificate_list(actor=actor), pk=pk)
    manage = may(actor, **MANAGE_REGISTER, owner=certificate.authority, visible=True)
    renew_form = RenewForm(request.POST if request.POST.get("form") == "renew" else None)
    status_form = StatusForm(request.POST if request.POST.get("form") == "status" else None)
    if request.method == "POST":
        require(actor, **MANAGE_REGISTER, owner=certificate.authority, visible=True)
        form = renew_form if request.POST.get("form") == "renew" else status_form
        if form.is_valid():
            try:
                if form is renew_form:
                    certificate_renew(actor=actor, certificate=certificate, **form.cleaned_data)
                else:
                    certificate_status_set(actor=actor, certificate=certificate, **form.cleaned_data)
            except (NotFoundError, PermissionDeniedError):
                raise
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, gettext("Certificate %(number)s updated.") % {"number": certificate.number})
                return redirect("aeo-certificate-page", pk=certificate.pk)
    context = {
        "certificate": certificate,
        "type_label": selectors.certificate_type_label(certificate.certificate_type),
        "manage": manage,
        "renew_form": renew_form,
        "status_form": status_form,
    }
    return render(request, "compliance/certificate.html", context)


@login_required
def mra_list_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    return render(request, "compliance/mras.html", {"mras": selectors.mra_list(actor=actor)})


@login_required
def mra_page(request: HttpRequest, key: str) -> HttpResponse:
    actor = actor_for_request(request)
    mra = get_object_or_404(selectors.mra_list(actor=actor), key=key)
    return render(request, "compliance/mra.html", {"mra": mra})
