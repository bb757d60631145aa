"""Form of the AEO bulk-import page."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.compliance.aeo_csv import MAX_FILE_BYTES


class AeoImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=format_lazy(_("UTF-8, a header row, at most {size} MB."), size=MAX_FILE_BYTES // (1024 * 1024)),
    )
    authority = forms.SlugField(label=_("Authority"), required=False, help_text=_("The issuing customs authority."))
    partial = forms.BooleanField(
        required=False,
        label=_("Import the good rows even when others are bad"),
        help_text=_("Without this, one bad row and nothing is imported."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; at most {MAX_FILE_BYTES:,} are accepted.")
        return upload
