"""Staff administration of partners, members and tokens; every save goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core import words
from apps.core.errors import ApplicationError
from apps.partners import services
from apps.partners.access import actor_for_user
from apps.partners.choices import PartnerKind
from apps.partners.models import ApiToken, Membership, Partner


def _staff_actor(request: HttpRequest) -> Any:
    actor = actor_for_user(request.user)
    # The admin is staff-only; the services re-check and audit under this user's name.
    return actor.__class__(user=request.user, partner=actor.partner, role=actor.role, is_staff=True)


class ServiceRefusalAdmin(admin.ModelAdmin):
    """Shows a service's refusal (removing a partner's last admin, say) as a message, not a server error.

    Each view runs in a transaction, so a refused write is rolled back whole, admin log included.
    """

    def _refused(self, request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        self.message_user(request, words.render(exc.detail, gettext), level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ApplicationError as exc:
            return self._refused(request, exc)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)
        except ApplicationError as exc:
            return self._refused(request, exc)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            # Actions (bulk delete, revoke) are not atomic in Django's admin: all or none here.
            with transaction.atomic():
                return super().changelist_view(request, *args, **kwargs)
        except ApplicationError as exc:
            return self._refused(request, exc)


class PartnerAdminForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(choices=PartnerKind.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Partner
        fields = ["name", "slug", "kinds", "country", "serves_country", "lei", "eori", "tax_number", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kinds"].initial = self.instance.kinds

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            services.partner_clean(dict(cleaned), kinds=list(cleaned.get("kinds") or []))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(ServiceRefusalAdmin):
    form = PartnerAdminForm
    list_display = ["name", "slug", "country", "kind_list", "serves_country", "lei", "is_active", "is_demo"]
    list_filter = ["kind_links__kind", "country", "is_active", "is_demo"]
    search_fields = ["name", "slug", "lei", "eori", "tax_number"]
    readonly_fields = ["id", "is_demo", "created_at", "updated_at"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        return super().get_queryset(request).prefetch_related("kind_links")

    @admin.display(description=_("Kinds"))
    def kind_list(self, obj: Partner) -> str:
        return ", ".join(obj.kinds)

    def save_model(self, request: HttpRequest, obj: Partner, form: PartnerAdminForm, change: bool) -> None:
        data = {field: form.cleaned_data[field] for field in PartnerAdminForm.Meta.fields if field != "kinds"}
        kinds = list(form.cleaned_data["kinds"])
        if change:
            services.partner_update(actor=_staff_actor(request), partner=obj, kinds=kinds, **data)
        else:
            data.pop("is_active")
            created = services.partner_create(actor=_staff_actor(request), kinds=kinds, **data)
            obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Partner | None = None) -> bool:
        # Partners carry audit history; deactivate them instead.
        return False


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "partner", "role"]


@admin.register(Membership)
class MembershipAdmin(ServiceRefusalAdmin):
    form = MembershipAdminForm
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name", "partner__slug"]
    autocomplete_fields = ["user", "partner"]

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> list[str]:
        return ["user", "partner", "created_at"] if obj else []

    def save_model(self, request: HttpRequest, obj: Membership, form: forms.ModelForm, change: bool) -> None:
        actor = _staff_actor(request)
        if change:
            services.membership_update(actor=actor, membership=obj, role=form.cleaned_data["role"])
        else:
            created = services.membership_create(
                actor=actor,
                partner=form.cleaned_data["partner"],
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_delete(actor=_staff_actor(request), membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceRefusalAdmin):
    """Tokens are listed and revoked here; they are created where the secret can be shown once
    (the partner's token page, the API or ``manage.py create_api_token``)."""

    list_display = ["prefix", "name", "partner", "scope", "state", "created_at", "expires_at", "last_used_at"]
    list_filter = ["scope", "partner"]
    search_fields = ["prefix", "name", "partner__slug"]
    fields = [
        "id",
        "partner",
        "name",
        "prefix",
        "scope",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
    ]
    readonly_fields = fields
    actions = ["revoke_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = _staff_actor(request)
        for token in queryset:
            services.api_token_revoke(actor=actor, token=token)
        count = queryset.count()
        messages.success(
            request, ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count) % {"count": count}
        )
