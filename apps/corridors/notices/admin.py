"""Staff enter, edit and end external notices in the admin; every write goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.corridors.notices import services
from apps.corridors.notices.models import Notice
from apps.partners.access import Actor
from apps.partners.admin import ServiceRefusalAdmin


def _staff_actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, is_staff=True)


class NoticeAdminForm(forms.ModelForm):
    voyage = forms.CharField(
        required=False, help_text=_("The vessel's IMO number and the voyage (9234567/042E), or the voyage alone")
    )

    class Meta:
        model = Notice
        fields = ["kind", "title", "description", "place", "voyage", "starts_at", "ends_at", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["voyage"].initial = self.instance.voyage


@admin.register(Notice)
class NoticeAdmin(ServiceRefusalAdmin):
    form = NoticeAdminForm
    list_display = ["title", "kind", "place", "voyage_number", "starts_at", "ends_at", "ended_at", "origin"]
    list_filter = ["kind", "origin"]
    search_fields = ["title", "place", "voyage_number", "source"]
    readonly_fields = ["ended_at", "origin", "created_by_label", "propagated_at", "propagation_due_at", "reach"]
    actions = ["end_now"]

    def save_model(self, request: HttpRequest, obj: Notice, form: NoticeAdminForm, change: bool) -> None:
        values = {name: form.cleaned_data.get(name) for name in services.FIELDS}
        values = {
            name: ("" if value is None and name not in ("starts_at", "ends_at") else value)
            for name, value in values.items()
        }
        if change:
            services.notice_update(actor=_staff_actor(request), notice=obj, values=values)
        else:
            obj.pk = services.notice_create(actor=_staff_actor(request), values=values).pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A notice carries alerts and audit history: end it instead.
        return False

    @admin.action(description=_("End the selected notices now"))
    def end_now(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        now = timezone.now()
        for notice in queryset:
            services.notice_end(actor=_staff_actor(request), notice=notice, at=now)
        count = queryset.count()
        message = ngettext("%(count)d notice ended.", "%(count)d notices ended.", count) % {"count": count}
        self.message_user(request, message, level=messages.SUCCESS)
