from django import forms
from django.utils.translation import gettext_lazy as _

from apps.partners.choices import MemberRole, TokenScope


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system uses it, e.g. 'TMS production'."))
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        help_text=_("Optional, UTC, e.g. 2027-06-30 00:00."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class MemberInviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("An existing user joins; a new one is created.")
    )
    email = forms.EmailField(label=_("Email"), required=False, help_text=_("For a new user."))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.OPERATOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
