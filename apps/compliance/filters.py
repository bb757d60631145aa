"""FilterSets of the compliance domain, shared by the API and the pages."""

from typing import Any

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.compliance.choices import CertificateStatus, ChainStatus, ReviewDecisionKind
from apps.compliance.models import AeoCertificate, ReviewDecision, TrustEvaluation
from apps.disruptions.models import Alert
from apps.partners.models import Partner
from apps.shipments.models import Consignment

QUEUE_SORTS = [
    ("newest", _("Newest first")),
    ("arrival", _("Arrival, soonest first")),
    ("-arrival", _("Arrival, latest first")),
]


class AeoCertificateFilterSet(django_filters.FilterSet):
    holder = django_filters.CharFilter(field_name="holder__slug", help_text="The holder's partner slug")
    authority = django_filters.CharFilter(field_name="authority__slug", help_text="The issuing authority's slug")
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices)
    number = django_filters.CharFilter(help_text="The exact certificate number")
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Number or holder"),
        help_text=_("Part of the certificate number or of the holder's name"),
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


class ReviewQueueFilterSet(django_filters.FilterSet):
    """The customs review queue's filters and sorting; the authority's verdicts and decisions, the
    actor's visible alerts. The queryset must carry ``planned_arrival`` (``selectors.review_queue``)."""

    verdict = django_filters.ChoiceFilter(
        choices=ChainStatus.choices, method="filter_verdict", label=_("Trust verdict"), empty_label=_("any")
    )
    open_alerts = django_filters.BooleanFilter(method="filter_open_alerts", label=_("Open alerts"))
    undecided = django_filters.BooleanFilter(method="filter_undecided", label=_("Undecided"))
    sort = django_filters.ChoiceFilter(choices=QUEUE_SORTS, method="filter_sort", label=_("Sort by"), empty_label=None)

    class Meta:
        model = Consignment
        fields = ["verdict", "open_alerts", "undecided", "sort"]

    def __init__(self, data: Any = None, queryset: Any = None, *, authority: Partner, actor: Any, **kwargs: Any):
        super().__init__(data, queryset, **kwargs)
        self.authority = authority
        self.actor = actor

    def filter_verdict(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        return queryset.filter(
            Exists(TrustEvaluation.objects.filter(consignment=OuterRef("pk"), authority=self.authority, status=value))
        )

    def filter_open_alerts(self, queryset: QuerySet[Consignment], name: str, value: bool) -> QuerySet[Consignment]:
        alerts = Alert.objects.visible_to(self.actor).open().filter(consignment=OuterRef("pk"))
        return queryset.filter(Exists(alerts)) if value else queryset.exclude(Exists(alerts))

    def filter_undecided(self, queryset: QuerySet[Consignment], name: str, value: bool) -> QuerySet[Consignment]:
        decided = ReviewDecision.objects.filter(consignment=OuterRef("pk"), authority=self.authority)
        return queryset.exclude(Exists(decided)) if value else queryset.filter(Exists(decided))

    def filter_sort(self, queryset: QuerySet[Consignment], name: str, value: str) -> QuerySet[Consignment]:
        if value == "arrival":
            return queryset.order_by(F("planned_arrival").asc(nulls_last=True), "-created_at", "-id")
        if value == "-arrival":
            return queryset.order_by(F("planned_arrival").desc(nulls_last=True), "-created_at", "-id")
        return queryset.order_by("-created_at", "-id")
