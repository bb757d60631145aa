from django import forms

from apps.partners.choices import MemberRole, TokenScope


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which system uses it, e.g. 'TMS production'.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    expires_at = forms.DateTimeField(
        required=False,
        help_text="Optional, UTC, e.g. 2027-06-30 00:00.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class MemberInviteForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="An existing user joins; a new one is created.")
    email = forms.EmailField(required=False, help_text="For a new user.")
    role = forms.ChoiceField(choices=MemberRole.choices, initial=MemberRole.OPERATOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MemberRole.choices)
