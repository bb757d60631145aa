"""FilterSets of alerts, shared by the API and the pages."""

import django_filters

from apps.disruptions.choices import AlertKind, AlertState
from apps.disruptions.models import Alert


class AlertFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    consignment = django_filters.UUIDFilter(field_name="consignment_id")

    class Meta:
        model = Alert
        fields = ["state", "kind", "consignment"]
