"""FilterSets of the compliance domain, shared by the API and the pages."""

import django_filters
from django.db.models import Q, QuerySet

from apps.compliance.choices import CertificateStatus, ReviewDecisionKind
from apps.compliance.models import AeoCertificate, ReviewDecision


class AeoCertificateFilterSet(django_filters.FilterSet):
    holder = django_filters.CharFilter(field_name="holder__slug", help_text="The holder's partner slug")
    authority = django_filters.CharFilter(field_name="authority__slug", help_text="The issuing authority's slug")
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices)
    number = django_filters.CharFilter(help_text="The exact certificate number")
    q = django_filters.CharFilter(
        method="filter_q", label="Number or holder", help_text="Part of the certificate number or of the holder's name"
    )

    class Meta:
        model = AeoCertificate
        fields = ["holder", "authority", "status", "number", "q"]

    def filter_q(self, queryset: QuerySet[AeoCertificate], name: str, value: str) -> QuerySet[AeoCertificate]:
        return queryset.filter(Q(number__icontains=value) | Q(holder__name__icontains=value))


class ReviewDecisionFilterSet(django_filters.FilterSet):
    consignment = django_filters.UUIDFilter(field_name="consignment_id")
    authority = django_filters.CharFilter(field_name="authority__slug", help_text="The deciding authority's slug")
    decision = django_filters.ChoiceFilter(choices=ReviewDecisionKind.choices)

    class Meta:
        model = ReviewDecision
        fields = ["consignment", "authority", "decision"]
