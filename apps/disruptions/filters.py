"""FilterSets of alerts and webhook deliveries, shared by the API and the pages."""

import django_filters

from apps.disruptions.choices import AlertKind, AlertState, AlertSubject, DeliveryState, WebhookMessageType
from apps.disruptions.models import Alert, WebhookDelivery


class AlertFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    consignment = django_filters.UUIDFilter(field_name="consignment_id")
    corridor = django_filters.CharFilter(field_name="corridor", help_text="The corridor's slug")
    subject_type = django_filters.ChoiceFilter(choices=AlertSubject.choices)
    subject_id = django_filters.CharFilter(help_text="A consignment id, UN/LOCODE, corridor slug, IMO/voyage, ...")
    rule = django_filters.CharFilter(help_text="The rule that fired (for a notice, the notice's key)")
    # An alert belongs to the window [since, until) if it was seen in it: last seen at or after ``since``,
    # first seen before ``until``.
    since = django_filters.IsoDateTimeFilter(
        field_name="last_seen_at", lookup_expr="gte", help_text="Alerts last seen at or after this time (ISO 8601)"
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="first_seen_at", lookup_expr="lt", help_text="Alerts first seen before this time (ISO 8601)"
    )

    class Meta:
        model = Alert
        fields = ["state", "kind", "consignment", "corridor", "subject_type", "subject_id", "rule", "since", "until"]


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=DeliveryState.choices)
    message_type = django_filters.ChoiceFilter(choices=WebhookMessageType.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["state", "message_type"]
