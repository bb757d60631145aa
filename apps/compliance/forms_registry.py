"""Forms of the AEO registry pages (certificates: register, renew, change status)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from apps.compliance.choices import CertificateStatus, CertificateType
from apps.partners.models import Partner

_DATE = forms.DateInput(attrs={"type": "date"})


class CertificateForm(forms.Form):
    """A certificate to register; staff, who act for no authority, also choose the issuing one."""

    holder = forms.SlugField(help_text="The holder partner's slug")
    number = forms.CharField(max_length=64)
    certificate_type = forms.CharField(
        max_length=64,
        initial=CertificateType.SECURITY_AND_SAFETY,
        help_text="security and safety, customs simplifications, full, or the programme's tier",
    )
    valid_from = forms.DateField(widget=_DATE)
    valid_until = forms.DateField(widget=_DATE, required=False)

    def __init__(self, *args: Any, authorities: Iterable[Partner] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"] = forms.ChoiceField(
                choices=[(a.slug, a.name) for a in authorities], help_text="The issuing customs authority"
            )


class RenewForm(forms.Form):
    valid_from = forms.DateField(widget=_DATE)
    valid_until = forms.DateField(widget=_DATE, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CertificateStatus.choices)
    effective_on = forms.DateField(widget=_DATE)
    reason = forms.CharField(max_length=500)
