"""Form of the AEO bulk-import page."""

from __future__ import annotations

from django import forms

from apps.compliance.aeo_csv import MAX_FILE_BYTES


class AeoImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text=f"UTF-8, a header row, at most {MAX_FILE_BYTES // (1024 * 1024)} MB."
    )
    authority = forms.SlugField(required=False, help_text="The issuing customs authority.")
    partial = forms.BooleanField(
        required=False,
        label="Import the good rows even when others are bad",
        help_text="Without this, one bad row and nothing is imported.",
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; at most {MAX_FILE_BYTES:,} are accepted.")
        return upload
