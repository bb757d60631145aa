"""Forms of the customs review pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.compliance.choices import ReviewDecisionKind


class ReviewDecisionForm(forms.Form):
    """An officer's decision on a consignment: the channel and why (both required, both kept)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecisionKind.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why: kept with the decision and the evaluation it was based on. The consignee and "
            "broker see the decision only, not the reason."
        ),
    )
