"""FilterSets shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("Action"), help_text=_("Exact action, e.g. partner.update"))
    action_prefix = django_filters.CharFilter(
        field_name="action",
        lookup_expr="startswith",
        label=_("Action prefix"),
        help_text=_("Action prefix, e.g. api_token."),
    )
    object_type = django_filters.CharFilter(
        label=_("Object type"), help_text=_("app_label.model, e.g. partners.partner")
    )
    object_id = django_filters.CharFilter(label=_("Object id"))
    request_id = django_filters.CharFilter(label=_("Request id"))
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label=_("Since"))
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = AuditEvent
        fields = ["action", "action_prefix", "object_type", "object_id", "request_id", "since", "until"]
