"""Corridors (watched trade lanes), their legs and members, baselines, and each consignment's ETA."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.validators import validate_unlocode
from apps.core.work import Claimable
from apps.corridors.choices import BaselineKind, BaselineSource
from apps.corridors.thresholds import default_thresholds
from apps.partners.models import Partner
from apps.shipments.choices import TransportMode


class CorridorQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> CorridorQuerySet:
        """Its owner and its members see a corridor; nobody else learns it exists."""
        return self.filter(Q(owner=partner) | Q(members=partner)).distinct()

    def active(self) -> CorridorQuerySet:
        return self.filter(is_active=True)


class Corridor(TimestampedModel):
    """A trade lane watched as a whole: ordered nodes (UN/LOCODEs), the legs between them, who watches it.

    The owner (a partner) edits its thresholds; members see it, its consignments they may see, and its
    node alerts. ``thresholds`` holds only validated figures (``apps.corridors.thresholds``).
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="owned_corridors")
    nodes = models.JSONField(default=list, help_text="UN/LOCODEs in the order goods pass them")
    thresholds = models.JSONField(default=default_thresholds)
    members = models.ManyToManyField(Partner, blank=True, related_name="corridors")
    is_active = models.BooleanField(default=True)

    objects = CorridorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self) -> str:
        return f"{self.name} ({' → '.join(self.nodes)})"


class CorridorLeg(models.Model):
    """One leg of a corridor between two consecutive nodes, by one mode of transport."""

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveIntegerField()
    from_locode = models.CharField("from (UN/LOCODE)", max_length=5, validators=[validate_unlocode])
    to_locode = models.CharField("to (UN/LOCODE)", max_length=5, validators=[validate_unlocode])
    mode = models.CharField(max_length=16, choices=TransportMode.choices, default=TransportMode.SEA)

    class Meta:
        ordering = ["corridor", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["corridor", "sequence"], name="corridor_leg_sequence_unique"),
            models.CheckConstraint(condition=~Q(from_locode=F("to_locode")), name="corridor_leg_moves_somewhere"),
            models.CheckConstraint(condition=Q(mode__in=TransportMode.values), name="corridor_leg_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.from_locode}→{self.to_locode} ({self.mode})"


class CorridorConsignment(models.Model):
    """A consignment placed on a corridor explicitly (otherwise it belongs by matching its route)."""

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="consignment_links")
    consignment = models.ForeignKey("shipments.Consignment", on_delete=models.CASCADE, related_name="corridor_links")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["corridor", "consignment"], name="corridor_consignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.consignment_id} on {self.corridor_id}"


class Baseline(models.Model):
    """How long a leg (transit) or a node (dwell) usually takes on a corridor: median, p10, p90, samples.

    For a dwell baseline ``from_locode`` and ``to_locode`` are the same node. ``source`` says whether
    the figures come from completed consignments or, with too few of them, from the schedule or distance.
    """

    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="baselines")
    kind = models.CharField(max_length=8, choices=BaselineKind.choices)
    from_locode = models.CharField(max_length=5, validators=[validate_unlocode])
    to_locode = models.CharField(max_length=5, validators=[validate_unlocode])
    mode = models.CharField(max_length=16, choices=TransportMode.choices, default=TransportMode.SEA)
    median_seconds = models.FloatField()
    p10_seconds = models.FloatField()
    p90_seconds = models.FloatField()
    samples = models.PositiveIntegerField(default=0, help_text="Completed consignments measured (history only)")
    source = models.CharField(max_length=8, choices=BaselineSource.choices)
    computed_at = models.DateTimeField()
    window_days = models.PositiveIntegerField()

    class Meta:
        ordering = ["corridor", "kind", "from_locode", "to_locode"]
        constraints = [
            models.UniqueConstraint(
                fields=["corridor", "kind", "from_locode", "to_locode", "mode"], name="baseline_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=BaselineKind.values), name="baseline_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=BaselineSource.values), name="baseline_source_valid"),
            models.CheckConstraint(
                condition=Q(
                    p10_seconds__gte=0, median_seconds__gte=F("p10_seconds"), p90_seconds__gte=F("median_seconds")
                ),
                name="baseline_quantiles_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind=BaselineKind.TRANSIT) | Q(from_locode=F("to_locode")), name="baseline_dwell_one_node"
            ),
        ]

    def __str__(self) -> str:
        where = self.from_locode if self.kind == BaselineKind.DWELL else f"{self.from_locode}→{self.to_locode}"
        return f"{self.kind} {where}: median {self.median_seconds / 3600:.1f} h ({self.source})"

    @property
    def hours(self) -> tuple[int, int, int]:
        """Median, p10 and p90 in whole hours, as the corridor page shows them."""
        return round(self.median_seconds / 3600), round(self.p10_seconds / 3600), round(self.p90_seconds / 3600)


class ConsignmentEta(models.Model):
    """A consignment's predicted arrival at its destination, with a p10 to p90 interval, as of its last event.

    Recomputed on each new event and by the scan; one row per consignment, replaced in place.
    ``basis`` records what the prediction stood on: the last event and each remaining leg's baseline.
    """

    consignment = models.OneToOneField(
        "shipments.Consignment", on_delete=models.CASCADE, primary_key=True, related_name="eta"
    )
    corridor = models.ForeignKey(Corridor, null=True, blank=True, on_delete=models.SET_NULL, related_name="etas")
    destination = models.CharField(max_length=5, validators=[validate_unlocode])
    predicted_arrival = models.DateTimeField(help_text="Median prediction")
    p10 = models.DateTimeField()
    p90 = models.DateTimeField()
    last_event_time = models.DateTimeField(null=True, blank=True)
    basis = models.JSONField(default=dict)
    computed_at = models.DateTimeField(help_text="The as-of moment of the computation")

    class Meta:
        verbose_name = "consignment ETA"
        verbose_name_plural = "consignment ETAs"
        constraints = [
            models.CheckConstraint(
                condition=Q(predicted_arrival__gte=F("p10"), p90__gte=F("predicted_arrival")),
                name="eta_interval_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"ETA {self.destination} {self.predicted_arrival:%Y-%m-%d %H:%M}"


class ConsignmentWatch(models.Model):
    """When the watch's detectors last judged a consignment: ``judged_at`` is the earlier of the judgement's
    ``as_of`` and the moment its reading began.

    A check queued after a batch of events skips a consignment judged after that batch was committed (the
    judgement read those events, and judged them no earlier), so a backlog of batches for the same
    consignments is judged once, not once per batch. One row per consignment, replaced in place.
    """

    consignment = models.OneToOneField(
        "shipments.Consignment", on_delete=models.CASCADE, primary_key=True, related_name="watch"
    )
    judged_at = models.DateTimeField()

    class Meta:
        verbose_name = "consignment watch"

    def __str__(self) -> str:
        return f"judged {self.judged_at:%Y-%m-%d %H:%M:%S}"


class Scan(Claimable, TimestampedModel):
    """One run of the corridor watch over the consignments in transit, judged as of ``as_of``.

    Its batches (``ScanBatch``) are the ledger of the work; the worker that finishes the last batch
    (or the sweep, if that worker died) claims the scan and runs its last step, congestion per node,
    over the stays every batch reported. ``corridor`` is the slug scanned alone, or empty for all.
    """

    as_of = models.DateTimeField()
    corridor = models.CharField(max_length=80, blank=True)
    batch_count = models.PositiveIntegerField(default=0)
    batches_done = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Alerts raised, refreshed, resolved per kind")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"scan as of {self.as_of:%Y-%m-%d %H:%M} ({self.batches_done}/{self.batch_count})"


class ScanBatch(Claimable, TimestampedModel):
    """A slice of one scan's consignments, worked by one worker under a claim; ``done_at`` once checked.

    ``stays`` carries, for the scan's last step, who stays at which node since when
    (``[consignment id, corridor slug, UN/LOCODE, ISO time]``); ``queries``, ``seconds`` and
    ``cpu_seconds`` say what the batch cost.
    """

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="batches")
    sequence = models.PositiveIntegerField()
    consignment_ids = models.JSONField(default=list)
    done_at = models.DateTimeField(null=True, blank=True)
    stays = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    queries = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    cpu_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["scan", "sequence"]
        verbose_name_plural = "scan batches"
        constraints = [models.UniqueConstraint(fields=["scan", "sequence"], name="scan_batch_sequence_unique")]
        indexes = [models.Index(fields=["done_at", "created_at"], name="scan_batch_pending")]

    def __str__(self) -> str:
        return f"batch {self.sequence} of {self.scan_id}"


# External notices live in their own module (apps.corridors.notices); Django finds models here.
from apps.corridors.notices.models import Notice  # noqa: E402, F401
