from django import forms

from apps.partners.choices import TokenScope


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which system uses it, e.g. 'TMS production'.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    expires_at = forms.DateTimeField(
        required=False,
        help_text="Optional, UTC, e.g. 2027-06-30 00:00.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
