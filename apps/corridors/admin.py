"""Staff administration of corridors; every write goes through the services (validated, audited).

A corridor's nodes and legs are fixed when it is created (its baselines are per leg and node); its name,
thresholds, members and activity change later. Explicit consignment membership, baselines and ETAs are
shown read only: the first is placed through the API, the others are computed.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext

from apps.core.json_input import JsonInputError, json_loads
from apps.corridors.models import Baseline, ConsignmentEta, Corridor, CorridorConsignment, CorridorLeg
from apps.corridors.services import corridor_create, corridor_update
from apps.partners.access import Actor
from apps.partners.admin import ServiceRefusalAdmin


def _staff_actor(request: HttpRequest) -> Actor:
    # The admin is staff-only; the services re-check and audit under this user's name.
    return Actor(user=request.user, is_staff=True)


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace("→", ",").split(",") if part.strip()]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CorridorLegInline(ReadOnlyInline):
    model = CorridorLeg


class CorridorConsignmentInline(ReadOnlyInline):
    model = CorridorConsignment
    raw_id_fields = ["consignment"]


class CorridorAdminForm(forms.ModelForm):
    nodes_text = forms.CharField(
        label="Nodes", help_text="UN/LOCODEs in order, comma-separated: TWKHH, KRPUS, USLAX", required=False
    )
    modes_text = forms.CharField(
        label="Modes", help_text="One per leg, comma-separated (sea, air, road, rail); empty: all sea", required=False
    )
    thresholds_text = forms.CharField(
        label="Thresholds",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="JSON; the thresholds to set (the others keep their value or default)",
    )

    class Meta:
        model = Corridor
        fields = ["slug", "name", "owner", "members", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["nodes_text"].initial = ", ".join(self.instance.nodes)
            self.fields["nodes_text"].disabled = True
            self.fields["modes_text"].disabled = True
            self.fields["slug"].disabled = True
            self.fields["owner"].disabled = True
            self.fields["thresholds_text"].initial = json.dumps(self.instance.thresholds, indent=1)

    def clean_thresholds_text(self) -> dict[str, Any]:
        text = self.cleaned_data["thresholds_text"].strip()
        if not text:
            return {}
        try:
            value = json_loads(text)
        except JsonInputError as exc:
            raise forms.ValidationError(gettext("Not JSON: %(error)s") % {"error": exc}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(gettext("Give a JSON object of thresholds."))
        return value


@admin.register(Corridor)
class CorridorAdmin(ServiceRefusalAdmin):
    form = CorridorAdminForm
    list_display = ["name", "slug", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "owner__slug"]
    filter_horizontal = ["members"]
    fields = ["slug", "name", "owner", "nodes_text", "modes_text", "members", "thresholds_text", "is_active"]
    inlines = [CorridorLegInline, CorridorConsignmentInline]

    def save_model(self, request: HttpRequest, obj: Corridor, form: CorridorAdminForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            corridor_update(
                actor=_staff_actor(request),
                corridor=obj,
                name=data["name"],
                thresholds=data["thresholds_text"],
                members=list(data["members"]),
                is_active=data["is_active"],
            )
        else:
            created = corridor_create(
                actor=_staff_actor(request),
                slug=data["slug"],
                name=data["name"],
                owner=data["owner"],
                nodes=_codes(data["nodes_text"]),
                modes=_codes(data["modes_text"]) or None,
                members=list(data["members"]),
                thresholds=data["thresholds_text"],
            )
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Members were set by the service (audited with the rest), so the form's own m2m save is skipped;
        # the inlines are read only and save nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Corridors carry audit history and alerts; deactivate them instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ["corridor", "kind", "from_locode", "to_locode", "mode", "median_seconds", "samples", "source"]
    list_filter = ["kind", "source", "corridor"]


@admin.register(ConsignmentEta)
class ConsignmentEtaAdmin(ReadOnlyAdmin):
    list_display = ["consignment", "corridor", "destination", "predicted_arrival", "p10", "p90", "computed_at"]
    list_select_related = ["consignment", "corridor"]
    raw_id_fields = ["consignment"]


# External notices keep their admin in their own module.
from apps.corridors.notices import admin as notices_admin  # noqa: E402, F401
