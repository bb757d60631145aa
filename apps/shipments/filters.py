"""FilterSets shared by the API and the pages: consignments and events."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.partners.access import actor_for_request
from apps.shipments.choices import ConsignmentStatus
from apps.shipments.extensions import consignment_open_alerts
from apps.shipments.models import Consignment, ConsignmentParty, EquipmentAssignment, Event

SEARCH_MAX_LENGTH = 64


def _compact(value: str) -> str:
    """An identifier as people type it ("mscu 123456-5") in the form it is stored (upper case, no spaces)."""
    return "".join(value.split()).upper()


class ConsignmentFilterSet(django_filters.FilterSet):
    """The consignments list's filters, for ``/api/v1/consignments/`` and the consignments page alike.

    ``q`` is the one search box: part of a reference (the creator's own, often its PO number), a
    transport document (B/L) number, a booking reference or a container number, in any case. On
    PostgreSQL these are ``UPPER(column) LIKE UPPER('%…%')`` scans: no index serves a leading wildcard
    without pg_trgm, and the scan runs only over the partner's own consignments (the visibility
    subquery narrows first), so trigram indexes wait until a partner's list is large enough to need them.
    """

    q = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        label=_("Search"),
        help_text=_("Part of a reference or PO, B/L, booking or container number; any case."),
    )
    status = django_filters.MultipleChoiceFilter(choices=ConsignmentStatus.choices, label=_("Status"))
    origin = django_filters.CharFilter(method="filter_place", label=_("Origin"), help_text=_("UN/LOCODE"))
    destination = django_filters.CharFilter(method="filter_place", label=_("Destination"), help_text=_("UN/LOCODE"))
    party = django_filters.CharFilter(method="filter_party", label=_("Party"), help_text=_("A party's partner slug"))
    reference = django_filters.CharFilter(label=_("Reference"), help_text=_("The creator's reference, exactly"))
    transport_document_number = django_filters.CharFilter(
        field_name="transport_document_number",
        method="filter_iexact",
        label=_("Transport document number"),
        help_text=_("B/L or waybill number, any case"),
    )
    booking_reference = django_filters.CharFilter(
        field_name="booking_reference",
        method="filter_iexact",
        label=_("Booking reference"),
        help_text=_("Any case"),
    )
    equipment = django_filters.CharFilter(
        method="filter_equipment", label=_("Container"), help_text=_("ISO 6346 container number, exactly")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Created until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    has_open_alerts = django_filters.BooleanFilter(method="filter_open_alerts", label=_("Has open alerts"))

    class Meta:
        model = Consignment
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        text = value.strip()
        if not text:
            return queryset
        compact = _compact(text)
        containers = EquipmentAssignment.objects.filter(equipment__number__contains=compact).values("consignment_id")
        return queryset.filter(
            Q(reference__icontains=text)
            | Q(transport_document_number__icontains=text)
            | Q(booking_reference__icontains=text)
            | Q(pk__in=containers)
        )

    def filter_place(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        return queryset.filter(**{name: _compact(value)})

    def filter_iexact(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        return queryset.filter(**{f"{name}__iexact": value.strip()})

    def filter_party(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        parties = ConsignmentParty.objects.filter(partner__slug=value.strip()).values("consignment_id")
        return queryset.filter(pk__in=parties)

    def filter_equipment(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        containers = EquipmentAssignment.objects.filter(equipment__number=_compact(value)).values("consignment_id")
        return queryset.filter(pk__in=containers)

    def filter_open_alerts(self, queryset: QuerySet[Consignment], name: str, value: bool) -> QuerySet[Consignment]:
        # Alerts live in a higher app, which says which consignments have open ones; without it there are none.
        sources = list(consignment_open_alerts)
        if self.request is None or not sources:
            return queryset.none() if value else queryset
        with_alerts = Q()
        for source in sources:
            with_alerts |= Q(pk__in=source.consignment_ids(actor_for_request(self.request)))
        return queryset.filter(with_alerts) if value else queryset.exclude(with_alerts)


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
