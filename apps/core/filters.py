"""FilterSets shared by the API and the pages."""

import django_filters

from apps.core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="Exact action, e.g. partner.update")
    action_prefix = django_filters.CharFilter(
        field_name="action", lookup_expr="startswith", help_text="Action prefix, e.g. api_token."
    )
    object_type = django_filters.CharFilter(help_text="app_label.model, e.g. partners.partner")
    object_id = django_filters.CharFilter()
    request_id = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "action_prefix", "object_type", "object_id", "request_id", "since", "until"]
