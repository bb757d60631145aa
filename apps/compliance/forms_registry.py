"""Forms of the AEO registry pages (certificates: register, renew, change status)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.compliance.choices import CertificateStatus, CertificateType
from apps.partners.models import Partner

_DATE = forms.DateInput(attrs={"type": "date"})


class CertificateForm(forms.Form):
    """A certificate to register; staff, who act for no authority, also choose the issuing one."""

    holder = forms.SlugField(label=_("Holder"), help_text=_("The holder partner's slug"))
    number = forms.CharField(label=_("Number"), max_length=64)
    certificate_type = forms.CharField(
        label=_("Type"),
        max_length=64,
        initial=CertificateType.SECURITY_AND_SAFETY,
        help_text=_("security and safety, customs simplifications, full, or the programme's tier"),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=_DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=_DATE, required=False)

    def __init__(self, *args: Any, authorities: Iterable[Partner] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"] = forms.ChoiceField(
                label=_("Authority"),
                choices=[(a.slug, a.name) for a in authorities],
                help_text=_("The issuing customs authority"),
            )


class RenewForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=_DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=_DATE, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CertificateStatus.choices)
    effective_on = forms.DateField(label=_("Effective on"), widget=_DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)
