"""The external notice: what happened (kind, words, source), where (a UN/LOCODE and/or a voyage), when.

A notice is also a ledger row (DESIGN §10): ``propagation_due_at`` is set by every write and cleared by
the task that propagated it, so a lost message or a dead worker leaves visible work for the sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.validators import validate_unlocode
from apps.core.words import Text, gettext_noop
from apps.core.work import Claimable
from apps.disruptions.choices import AlertKind
from apps.disruptions.models import Alert


class NoticeKind(models.TextChoices):
    PORT_CLOSURE = "port_closure", _("Port closure")
    WEATHER = "weather", _("Weather")
    STRIKE = "strike", _("Strike")
    CONFLICT = "conflict", _("Conflict")
    TARIFF_CHANGE = "tariff_change", _("Tariff change")


class NoticeSource(models.TextChoices):
    """How the notice came in."""

    ENTERED = "entered", _("Entered by staff")
    API = "api", _("API (JSON)")
    CSV = "csv", _("CSV import")


class NoticeQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> NoticeQuerySet:
        """A partner sees the notices that reached it: those it has (or had) a ``notice`` alert of."""
        keys = Alert.objects.filter(partner=partner, kind=AlertKind.NOTICE).values("rule")
        return self.filter(key__in=keys)

    def in_force_or_ahead(self, as_of: datetime) -> NoticeQuerySet:
        """Notices whose window has not passed at ``as_of`` (ended early or not)."""
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gte=as_of)).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)
        )


class Notice(Claimable, TimestampedModel):
    """An external notice for a place (UN/LOCODE) and/or a voyage (vessel IMO and voyage number) in a window.

    ``key`` (the id's hex) is the ``rule`` of every alert the notice raises, so each notice's alerts are
    raised and resolved on their own even when two notices touch one consignment. ``ends_at`` empty:
    until further notice; ``ended_at`` is when staff ended it early (the window then closes there).
    """

    key = models.CharField(max_length=32, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    place = models.CharField(
        "place (UN/LOCODE)", max_length=5, blank=True, db_index=True, validators=[validate_unlocode]
    )
    vessel_imo = models.CharField("vessel IMO number", max_length=7, blank=True)
    voyage_number = models.CharField(max_length=32, blank=True, help_text="Voyage number as the legs name it")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until further notice")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When staff ended it early")
    source = models.CharField(max_length=300, help_text="Who said so: an authority's bulletin, a URL")
    origin = models.CharField(max_length=8, choices=NoticeSource.choices, default=NoticeSource.ENTERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=200, blank=True, help_text="Who entered it (user or API token)")
    # The ledger of propagation: due since when (empty: nothing pending), and the last run's as-of and reach.
    propagation_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    propagated_at = models.DateTimeField(null=True, blank=True, help_text="As of when it was last propagated")
    reach = models.JSONField(default=dict, blank=True, help_text="What the last propagation reached, as counts")

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")), name="notice_window_ordered"
            ),
            models.CheckConstraint(condition=~Q(place="") | ~Q(voyage_number=""), name="notice_has_place_or_voyage"),
            models.CheckConstraint(
                condition=Q(kind__in=[value for value, _ in NoticeKind.choices]), name="notice_kind_valid"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key:
            self.key = self.pk.hex
        super().save(*args, **kwargs)

    @property
    def voyage(self) -> str:
        """The voyage as alerts name it: ``IMO/number``, or the number alone."""
        if not self.voyage_number:
            return ""
        return f"{self.vessel_imo}/{self.voyage_number}" if self.vessel_imo else self.voyage_number

    def window_end(self) -> datetime | None:
        """Where the window really closes: its end, or earlier if staff ended it."""
        ends = [moment for moment in (self.ends_at, self.ended_at) if moment is not None]
        return min(ends) if ends else None

    def __str__(self) -> str:
        where = " / ".join(part for part in (self.place, self.voyage) if part)
        # Worded (the kind as its label's English, the catalogue's msgid), so the audit page, which records
        # this, says it in its reader's language; the title is a person's and stays as written.
        with translation.override("en"):
            kind = Text(str(self.get_kind_display()))
        return Text(gettext_noop("%(kind)s at %(where)s: %(title)s"), kind=kind, where=where, title=self.title)
