"""Forms of the customs review pages."""

from __future__ import annotations

from django import forms

from apps.compliance.choices import ReviewDecisionKind


class ReviewDecisionForm(forms.Form):
    """An officer's decision on a consignment: the channel and why (both required, both kept)."""

    decision = forms.ChoiceField(choices=ReviewDecisionKind.choices)
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why: kept with the decision and the evaluation it was based on. The consignee and "
        "broker see the decision only, not the reason.",
    )
