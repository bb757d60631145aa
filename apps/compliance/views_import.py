"""The AEO bulk-import page: a customs officer uploads the authority's certificates as CSV and sees the report."""

from __future__ import annotations

from dataclasses import replace

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.compliance import aeo_csv
from apps.compliance.forms_import import AeoImportForm
from apps.compliance.importing import aeo_import
from apps.compliance.services.checks import MANAGE_REGISTER
from apps.core import words
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.partners.access import actor_for_request, require
from apps.partners.choices import PartnerKind
from apps.partners.models import Partner

# The page lists at most this many errors; the counts say how many there were.
ERRORS_SHOWN = 500
EXAMPLE_FILE = "apps/compliance/data/aeo_import_example.csv"


@login_required
@require_http_methods(["GET", "POST"])
def aeo_import_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    require(actor, **MANAGE_REGISTER)
    form = AeoImportForm(
        request.POST or None, request.FILES or None, initial={"authority": actor.partner and actor.partner.slug}
    )
    if actor.is_staff:
        authorities = Partner.objects.of_kind(PartnerKind.CUSTOMS_AUTHORITY).order_by("slug")
        form.fields["authority"].widget = forms.Select(choices=[(a.slug, a.name) for a in authorities])
    else:
        form.fields["authority"].widget = forms.HiddenInput()
    report = None
    if request.method == "POST" and form.is_valid():
        slug = form.cleaned_data["authority"] or (actor.partner.slug if actor.partner else "")
        authority = Partner.objects.filter(slug=slug).first() if slug else None
        if authority is None:
            form.add_error(
                "authority",
                _("No customs authority '%(slug)s'.") % {"slug": slug} if slug else _("Choose the issuing authority."),
            )
        else:
            upload = form.cleaned_data["file"]
            try:
                report = aeo_import(
                    actor=actor,
                    authority=authority,
                    text=upload.read(),
                    partial=form.cleaned_data["partial"],
                    source=upload.name,
                )
            except (NotFoundError, PermissionDeniedError):
                raise
            except ApplicationError as exc:
                form.add_error("authority", exc.detail)
    context = {
        "form": form,
        "report": report,
        # Each message in the page's language (the report keeps them in English for the command line).
        "errors_shown": [
            replace(error, message=words.render(error.message, _)) for error in report.errors[:ERRORS_SHOWN]
        ]
        if report
        else [],
        "errors_hidden": max(0, len(report.errors) - ERRORS_SHOWN) if report else 0,
        "example_file": EXAMPLE_FILE,
        "columns": [(column, column in aeo_csv.REQUIRED_COLUMNS) for column in aeo_csv.COLUMNS],
    }
    return render(request, "compliance/aeo_import.html", context)
