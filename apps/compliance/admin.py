"""Staff administration of the AEO registry and MRAs; every write goes through the services.

Certificates are registered, renewed and have their status changed here as through the API (periods
may not overlap, history is kept, the credential and re-evaluation follow after commit). MRAs are
recorded and changed with their participants and a reason for the history. Trust evaluations and
review decisions are records of what was decided: read only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext

from apps.compliance.choices import CertificateStatus
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraChange,
    MraParticipant,
    ReviewDecision,
    TrustEvaluation,
    ValidityPeriod,
)
from apps.compliance.services import certificates, mras
from apps.partners.access import Actor
from apps.partners.admin import ServiceRefusalAdmin


def staff_actor(request: HttpRequest) -> Actor:
    # The admin is staff-only; the services re-check and audit under this user's name.
    return Actor(user=request.user, is_staff=True)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -------------------------------------------------------------------------------------- certificates

_DATE = admin.widgets.AdminDateWidget


class AeoCertificateAddForm(forms.ModelForm):
    valid_from = forms.DateField(widget=_DATE)
    valid_until = forms.DateField(widget=_DATE, required=False, help_text="Inclusive; empty: open-ended")

    class Meta:
        model = AeoCertificate
        fields = ["authority", "holder", "number", "certificate_type", "last_reviewed_on"]

    def validate_unique(self) -> None:
        # The service answers a taken number with its own message, in the one place it is decided.
        pass


class AeoCertificateChangeForm(forms.ModelForm):
    """The certificate itself is fixed once registered; what changes is its periods and its status."""

    renew_valid_from = forms.DateField(widget=_DATE, required=False, label="Renew from")
    renew_valid_until = forms.DateField(widget=_DATE, required=False, label="Renew until")
    new_status = forms.ChoiceField(choices=[("", "—"), *CertificateStatus.choices], required=False)
    status_effective_on = forms.DateField(widget=_DATE, required=False, label="Status effective on")
    status_reason = forms.CharField(max_length=500, required=False, label="Reason for the status change")

    class Meta:
        model = AeoCertificate
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("renew_valid_until") and not cleaned.get("renew_valid_from"):
            self.add_error("renew_valid_from", "A renewal needs its first day.")
        if cleaned.get("new_status"):
            for field in ("status_effective_on", "status_reason"):
                if not cleaned.get(field):
                    self.add_error(field, "A status change needs its date and reason.")
        return cleaned


class ValidityPeriodInline(ReadOnlyInline):
    model = ValidityPeriod
    fields = ["valid_from", "valid_until", "expiry_warned_days"]
    readonly_fields = fields


class StatusChangeInline(ReadOnlyInline):
    model = CertificateStatusChange
    fields = ["status", "effective_on", "reason", "recorded_at", "recorded_by"]
    readonly_fields = fields


@admin.register(AeoCertificate)
class AeoCertificateAdmin(ServiceRefusalAdmin):
    list_display = ["number", "authority", "holder", "certificate_type", "status", "last_reviewed_on", "created_at"]
    list_filter = ["status", "authority"]
    search_fields = ["number", "holder__slug", "holder__name", "authority__slug"]
    list_select_related = ["authority", "holder"]
    autocomplete_fields = ["authority", "holder"]
    inlines = [ValidityPeriodInline, StatusChangeInline]
    CHANGE_READONLY = ["authority", "holder", "number", "certificate_type", "status", "last_reviewed_on", "credential"]

    def get_form(self, request: HttpRequest, obj: AeoCertificate | None = None, **kwargs: Any) -> type[forms.Form]:
        kwargs["form"] = AeoCertificateChangeForm if obj else AeoCertificateAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: AeoCertificate | None = None) -> list[str]:
        return self.CHANGE_READONLY if obj else []

    def get_inlines(self, request: HttpRequest, obj: AeoCertificate | None = None) -> list:
        return self.inlines if obj else []

    def save_model(self, request: HttpRequest, obj: AeoCertificate, form: forms.ModelForm, change: bool) -> None:
        actor = staff_actor(request)
        data = form.cleaned_data
        if not change:
            created = certificates.certificate_create(
                actor=actor,
                authority=data["authority"],
                holder=data["holder"],
                number=data["number"],
                certificate_type=data["certificate_type"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                last_reviewed_on=data["last_reviewed_on"],
            )
            obj.pk = created.pk
            return
        if data.get("renew_valid_from"):
            certificates.certificate_renew(
                actor=actor, certificate=obj, valid_from=data["renew_valid_from"], valid_until=data["renew_valid_until"]
            )
        if data.get("new_status"):
            certificates.certificate_status_set(
                actor=actor,
                certificate=obj,
                status=data["new_status"],
                effective_on=data["status_effective_on"],
                reason=data["status_reason"],
            )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # Periods and history are written by the services; the inlines only show them.
        pass

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # The inlines were not saved as formsets (the services wrote the rows): describe the form alone.
        return super().construct_change_message(request, form, [], add)

    def has_delete_permission(self, request: HttpRequest, obj: AeoCertificate | None = None) -> bool:
        # A certificate's history backs past trust decisions; revoke it instead.
        return False


# ---------------------------------------------------------------------------------------------- MRAs


class MraAdminForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=500, required=False, help_text="Why it is recorded or changed; kept in the history"
    )

    class Meta:
        model = Mra
        fields = ["key", *mras.MRA_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.instance._state.adding and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why the arrangement changes; the reason is kept in its history."))
        start, end = cleaned.get("in_force_from"), cleaned.get("in_force_until")
        if start and end and end < start:
            # Said here, in the service's words, before the model's check constraint would say it in its own.
            text = gettext("in_force_until %(end)s is before in_force_from %(start)s.")
            self.add_error("in_force_until", text % {"end": end.isoformat(), "start": start.isoformat()})
        return cleaned

    def validate_unique(self) -> None:
        # The service answers a taken key with its own message, in the one place it is decided.
        pass


class MraParticipantForm(forms.ModelForm):
    class Meta:
        model = MraParticipant
        fields = ["authority", "recognised_types", "grants_recognition", "implemented_from"]

    def clean_recognised_types(self) -> list[str] | None:
        value = self.cleaned_data.get("recognised_types")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise forms.ValidationError('A list of certificate types, e.g. ["security and safety"], or empty for all.')
        return value

    def validate_unique(self) -> None:
        pass


class MraParticipantInline(admin.TabularInline):
    model = MraParticipant
    form = MraParticipantForm
    extra = 0
    min_num = 0
    autocomplete_fields = ["authority"]

    def get_extra(self, request: HttpRequest, obj: Mra | None = None, **kwargs: Any) -> int:
        return 0 if obj else 2


class MraChangeInline(ReadOnlyInline):
    model = MraChange
    fields = ["changed_at", "changed_by", "reason", "changes"]
    readonly_fields = fields


@admin.register(Mra)
class MraAdmin(ServiceRefusalAdmin):
    form = MraAdminForm
    list_display = ["key", "name", "status", "signed_on", "in_force_from", "in_force_until", "plurilateral"]
    list_filter = ["status", "plurilateral"]
    search_fields = ["key", "name", "participants__authority__slug"]
    inlines = [MraParticipantInline, MraChangeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Mra | None = None) -> list[str]:
        return ["key"] if obj else []

    def save_model(self, request: HttpRequest, obj: Mra, form: forms.ModelForm, change: bool) -> None:
        # Written with its participants in save_related: the service needs both at once.
        pass

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        participants = [
            mras.ParticipantIn(
                authority=row["authority"],
                recognised_types=tuple(row["recognised_types"]) if row.get("recognised_types") is not None else None,
                grants_recognition=row.get("grants_recognition", True),
                implemented_from=row.get("implemented_from"),
            )
            for formset in formsets
            if formset.model is MraParticipant
            for row in (f.cleaned_data for f in formset.forms)
            if row and not row.get("DELETE") and row.get("authority") is not None
        ]
        fields = {name: form.cleaned_data[name] for name in mras.MRA_FIELDS}
        reason = form.cleaned_data.get("reason") or ""
        if change:
            mras.mra_update(
                actor=staff_actor(request), mra=form.instance, reason=reason, participants=participants, **fields
            )
            return
        mra = mras.mra_create(
            actor=staff_actor(request),
            key=form.cleaned_data["key"],
            participants=participants,
            reason=reason.strip() or "created",
            **fields,
        )
        form.instance.pk = mra.pk

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # The participants were written by the service, not saved as a formset: describe the form alone.
        return super().construct_change_message(request, form, [], add)

    def has_delete_permission(self, request: HttpRequest, obj: Mra | None = None) -> bool:
        # Past trust decisions name the MRA; end it (status, in force until) instead.
        return False


# ------------------------------------------------------------------------------------ decision records


@admin.register(TrustEvaluation)
class TrustEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["consignment", "authority", "status", "share_trusted", "as_of", "evaluated_at"]
    list_filter = ["status", "authority"]
    list_select_related = ["consignment", "authority"]
    search_fields = ["consignment__reference", "authority__slug"]
    fields = ["consignment", "authority", "status", "share_trusted", "as_of", "evaluated_at", "evaluation"]
    readonly_fields = fields


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ["consignment", "authority", "decision", "officer", "created_at"]
    list_filter = ["decision", "authority"]
    list_select_related = ["consignment", "authority", "officer"]
    search_fields = ["consignment__reference", "authority__slug", "reason"]
    fields = [
        "consignment",
        "authority",
        "officer",
        "decision",
        "reason",
        "created_at",
        "evaluation",
        "chain_verification",
    ]
    readonly_fields = fields
