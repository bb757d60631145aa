"""FilterSets shared by the events API and pages."""

import django_filters

from apps.shipments.models import Event


class EventFilterSet(django_filters.FilterSet):
    event_id = django_filters.CharFilter()
    event_type = django_filters.CharFilter()
    source = django_filters.CharFilter()
    biz_step = django_filters.CharFilter()
    event_code = django_filters.CharFilter()
    location = django_filters.CharFilter()
    hash_id = django_filters.CharFilter(help_text="CBV 2.0 event hash, ni:///sha-256;…?ver=CBV2.0")
    consignment = django_filters.UUIDFilter(field_name="links__consignment", distinct=True)
    equipment = django_filters.CharFilter(field_name="touched_objects__value", method="filter_equipment")
    event_time_after = django_filters.IsoDateTimeFilter(field_name="event_time", lookup_expr="gte")
    event_time_before = django_filters.IsoDateTimeFilter(field_name="event_time", lookup_expr="lt")
    latest = django_filters.BooleanFilter(field_name="is_latest")

    class Meta:
        model = Event
        fields = ["event_id", "event_type", "source", "biz_step", "event_code", "location", "hash_id"]

    def filter_equipment(self, queryset, name, value):
        return queryset.filter(
            touched_objects__role="equipment", touched_objects__value=value.replace(" ", "").upper()
        ).distinct()
