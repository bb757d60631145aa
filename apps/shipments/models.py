"""Consignments, what they are made of, how they move, and the events that record it."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from apps.core.models import ScopedQuerySet, TimestampedModel
from apps.core.validators import validate_country, validate_unlocode
from apps.core.words import Text, gettext_noop
from apps.core.work import Claimable
from apps.partners.models import Partner
from apps.shipments.choices import (
    CaptureState,
    ConsignmentStatus,
    EventSource,
    EventType,
    LinkVia,
    LocationKind,
    PartyRole,
    TransportDocumentType,
    TransportMode,
)

# A consignment touches the country of each of these places, on itself and on every one of its legs,
# transit included (DESIGN §10, "a country it touches"); a UN/LOCODE's first two letters are its ISO 3166
# alpha-2 country. ``ConsignmentQuerySet.touching_country`` asks the database and
# ``apps.shipments.selectors.consignment_countries`` reads loaded rows; both take the places from here.
TOUCHING_PLACES = ("origin", "destination")


def _touching_country(country: str, places: tuple[str, ...]) -> Q:
    """The consignment's own ends, or a semi-join on its legs' (not a join of every consignment to its legs:
    PostgreSQL then tests a consignment's own columns first and probes the legs by index only for one row)."""
    own, legs = Q(), Q()
    for place in places:
        own |= Q(**{f"{place}__startswith": country})
        legs |= Q(**{f"{place}__startswith": country})
    return own | Q(pk__in=Leg.objects.filter(legs).values("consignment_id"))


class ConsignmentQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> ConsignmentQuerySet:
        """A party sees its consignments; a customs authority those touching its country.

        The same rule says who may record events for a consignment (the ingest service uses it).
        """
        # Each branch a semi-join of its own (not one OR over a join with the parties): PostgreSQL then
        # reads the partner's rows by index instead of joining every consignment to every party.
        visible = Q(pk__in=ConsignmentParty.objects.filter(partner=partner).values("consignment_id"))
        visible |= Q(created_by=partner)
        if partner.serves_country:
            visible |= _touching_country(partner.serves_country, TOUCHING_PLACES)
        return self.filter(visible)

    def touching_country(self, country: str, *, places: tuple[str, ...] = TOUCHING_PLACES) -> ConsignmentQuerySet:
        """The consignments touching ``country`` (ISO 3166 alpha-2): origin, destination or a leg's end there.

        ``places`` narrows which ends count: ``("destination",)`` is "arriving in or transiting" (the
        consignment or one of its legs ends there), what a customs review queue lists.
        """
        if not country:
            return self.none()
        return self.filter(_touching_country(country, places))


class Consignment(TimestampedModel):
    """Goods moved under one transport contract from a consignor to a consignee.

    ``status`` is derived from the consignment's events by the ingest service, never set by hand.
    """

    reference = models.CharField(max_length=64, help_text="The creating partner's own reference")
    transport_document_type = models.CharField(
        max_length=8, choices=TransportDocumentType.choices, default=TransportDocumentType.BILL_OF_LADING
    )
    transport_document_number = models.CharField(max_length=64, blank=True, db_index=True)
    booking_reference = models.CharField(max_length=64, blank=True, db_index=True)
    origin = models.CharField(max_length=5, validators=[validate_unlocode], help_text="UN/LOCODE")
    destination = models.CharField(max_length=5, validators=[validate_unlocode], help_text="UN/LOCODE")
    corridor = models.CharField(max_length=80, blank=True, help_text="The trade lane it travels, if watched")
    status = models.CharField(max_length=16, choices=ConsignmentStatus.choices, default=ConsignmentStatus.BOOKED)
    created_by = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="created_consignments")

    objects = ConsignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The consignments list's default order (most recently updated first): its first page is read
        # from this index instead of sorting every consignment the partner sees.
        indexes = [models.Index(fields=["updated_at", "id"], name="consignment_updated_idx")]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "reference"], name="consignment_reference_unique"),
            models.CheckConstraint(condition=Q(status__in=ConsignmentStatus.values), name="consignment_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.origin}→{self.destination})"


class ConsignmentParty(models.Model):
    """A partner's role in one consignment; parties may record its events and see it."""

    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="parties")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="consignment_roles")
    role = models.CharField(max_length=24, choices=PartyRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consignment", "partner", "role"], name="consignment_party_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} as {self.get_role_display()} of {self.consignment.reference}"


class GoodsItem(models.Model):
    """One line of goods: HS code, description, packages, weight, value, origin."""

    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="goods_items")
    sequence = models.PositiveIntegerField()
    hs_code = models.CharField(max_length=10, help_text="Harmonized System code, 6 to 10 digits")
    description = models.CharField(max_length=500)
    packages = models.PositiveIntegerField(default=1)
    package_type = models.CharField(max_length=8, blank=True, help_text="UN/ECE Rec. 21 code, e.g. CT (carton)")
    gross_weight_kg = models.DecimalField(max_digits=14, decimal_places=3)
    value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217")
    country_of_origin = models.CharField(max_length=2, validators=[validate_country])

    class Meta:
        ordering = ["consignment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["consignment", "sequence"], name="goods_item_sequence_unique"),
            models.CheckConstraint(condition=Q(gross_weight_kg__gte=0), name="goods_item_weight_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.hs_code} {self.description[:40]}"


class Equipment(models.Model):
    """A container (ISO 6346 owner code, serial and check digit) or other transport unit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=11, unique=True, help_text="ISO 6346, e.g. MSCU1234566")
    size_type = models.CharField(max_length=4, blank=True, help_text="ISO 6346 size/type code, e.g. 42G1")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return self.number


class EquipmentAssignment(models.Model):
    """A container carrying (part of) a consignment, with its seals and the time it did so.

    Events of the container link to the consignment only within ``[assigned_from, assigned_until]``.
    """

    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="equipment_assignments")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="assignments")
    seal_numbers = models.JSONField(default=list, blank=True)
    assigned_from = models.DateTimeField(null=True, blank=True, help_text="Empty: from the start")
    assigned_until = models.DateTimeField(null=True, blank=True, help_text="Empty: still assigned")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consignment", "equipment"], name="equipment_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} carries {self.consignment.reference}"


class Leg(models.Model):
    """One movement of a consignment: mode, from and to, carrier, voyage or flight, times."""

    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveIntegerField()
    mode = models.CharField(max_length=16, choices=TransportMode.choices)
    origin = models.CharField(max_length=5, validators=[validate_unlocode])
    destination = models.CharField(max_length=5, validators=[validate_unlocode])
    carrier = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voyage_number = models.CharField(max_length=32, blank=True, help_text="Voyage or flight number")
    vessel_imo = models.CharField("vessel IMO number", max_length=7, blank=True)
    vessel_name = models.CharField(max_length=100, blank=True)
    planned_departure = models.DateTimeField(null=True, blank=True)
    planned_arrival = models.DateTimeField(null=True, blank=True)
    actual_departure = models.DateTimeField(null=True, blank=True)
    actual_arrival = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consignment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["consignment", "sequence"], name="leg_sequence_unique"),
            models.CheckConstraint(condition=~Q(origin=models.F("destination")), name="leg_moves_somewhere"),
        ]

    def __str__(self) -> str:
        return f"leg {self.sequence} {self.origin}→{self.destination} ({self.mode})"


class Location(models.Model):
    """A place by UN/LOCODE with coordinates; ports come from searoute, admins add the rest."""

    unlocode = models.CharField("UN/LOCODE", max_length=5, primary_key=True, validators=[validate_unlocode])
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=LocationKind.choices, default=LocationKind.OTHER)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        ordering = ["unlocode"]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="location_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="location_longitude_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unlocode} {self.name}"


class EventQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> EventQuerySet:
        """Its own events always; others' only through a consignment the partner may see.

        The link is an EXISTS, not an IN: inside the OR, PostgreSQL could only hash an IN list, building every
        event the partner may see to check a few; an EXISTS it can also probe per event through the link index.
        """
        consignments = Consignment.objects.for_partner(partner).values("pk")
        linked = EventLink.objects.filter(event_id=OuterRef("pk"), consignment__in=consignments)
        return self.filter(Q(recorder=partner) | Exists(linked))

    def current(self) -> EventQuerySet:
        return self.filter(is_latest=True)


class Event(models.Model):
    """One thing that happened, recorded by one partner, in whichever format it spoke.

    Unique per (recorder, event id, version): ids are the recorder's own namespace. A DCSA update
    (later ``eventUpdatedDateTime``) is a new version; only the latest has ``is_latest``. The
    original payload is kept verbatim.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recorder = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="recorded_events")
    event_id = models.CharField(max_length=500)
    version = models.PositiveIntegerField(default=1)
    is_latest = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    event_type = models.CharField(max_length=24, choices=EventType.choices)
    action = models.CharField(max_length=8, blank=True)
    biz_step = models.CharField(max_length=120, blank=True, db_index=True)
    disposition = models.CharField(max_length=120, blank=True)
    event_code = models.CharField(max_length=8, blank=True)
    event_classifier = models.CharField(max_length=4, blank=True)
    event_time = models.DateTimeField(db_index=True)
    event_time_zone_offset = models.CharField(max_length=6)
    record_time = models.DateTimeField(db_index=True, help_text="When Corridor recorded it")
    location = models.CharField(max_length=5, blank=True, db_index=True, help_text="UN/LOCODE")
    read_point = models.CharField(max_length=255, blank=True, db_index=True)
    biz_location = models.CharField(max_length=255, blank=True, db_index=True)
    epcs = models.JSONField(default=list, blank=True)
    parent_id = models.CharField(max_length=255, blank=True)
    child_epcs = models.JSONField(default=list, blank=True)
    equipment = models.JSONField(default=list, blank=True, help_text="ISO 6346 numbers")
    documents = models.JSONField(default=list, blank=True, help_text="[{type, value}] booking, B/L, ...")
    biz_transactions = models.JSONField(default=list, blank=True)
    sensor_readings = models.JSONField(default=list, blank=True)
    mode_of_transport = models.CharField(max_length=16, blank=True)
    vessel_imo = models.CharField(max_length=16, blank=True, help_text="As sent; see warnings if invalid")
    voyage_number = models.CharField(max_length=64, blank=True)
    hash_id = models.CharField(max_length=120, blank=True, db_index=True, help_text="CBV 2.0 event hash")
    content_digest = models.CharField(max_length=64, help_text="What 'same content' compares")
    source_updated_at = models.DateTimeField(null=True, blank=True, help_text="DCSA eventUpdatedDateTime")
    is_retracted = models.BooleanField(default=False)
    is_erroneous = models.BooleanField(default=False, help_text="Declared erroneous by an EPCIS correction")
    error_declaration = models.JSONField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    payload = models.JSONField(help_text="The event exactly as received")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["event_time", "record_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recorder", "event_id", "version"], name="event_recorder_id_version"),
            models.CheckConstraint(condition=Q(source__in=EventSource.values), name="event_source_valid"),
            models.CheckConstraint(condition=Q(event_type__in=EventType.values), name="event_type_valid"),
        ]
        indexes = [
            models.Index(fields=["recorder", "event_id"], name="event_recorder_id"),
            models.Index(fields=["record_time", "id"], name="event_record_cursor"),
            # A consignment's timeline inherits its voyages' events (a vessel's departure): found by vessel
            # and voyage, which without this index reads every event.
            models.Index(fields=["vessel_imo", "voyage_number"], name="event_vessel_voyage"),
        ]

    def __str__(self) -> str:
        step = self.biz_step or self.event_code or self.event_type
        return f"{self.event_id} {step} @ {self.location or '?'} {self.event_time:%Y-%m-%d %H:%M}"


class EventObject(models.Model):
    """An identifier an event touches (EPC, container, document), indexed for matching and queries."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="touched_objects")
    role = models.CharField(max_length=16, help_text="epc, parent, child, equipment, document")
    value = models.CharField(max_length=255, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["role", "value"], name="event_object_role_value")]

    def __str__(self) -> str:
        return f"{self.role}:{self.value}"


class EventLink(models.Model):
    """An event belongs to a consignment, and how we know (id, document, booking, container)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="links")
    consignment = models.ForeignKey(Consignment, on_delete=models.CASCADE, related_name="event_links")
    via = models.CharField(max_length=24, choices=LinkVia.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "consignment"], name="event_link_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.consignment_id} via {self.via}"


class CaptureJobQuerySet(ScopedQuerySet):
    def for_partner(self, partner: Any) -> CaptureJobQuerySet:
        return self.filter(recorder=partner)


class CaptureJob(Claimable, TimestampedModel):
    """An EPCIS 2.0 capture: the document is kept as a file; the job reports running/success/failed.

    A running job is the ledger of its capture (DESIGN §10): one worker at a time claims it, and a beat
    sweep re-enqueues a job left unclaimed or claimed by a worker that is gone.
    """

    recorder = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="capture_jobs")
    state = models.CharField(max_length=8, choices=CaptureState.choices, default=CaptureState.RUNNING)
    error_behaviour = models.CharField(max_length=8, default="rollback")
    document = models.FileField(upload_to="epcis-captures/%Y/%m/")
    event_count = models.PositiveIntegerField(default=0)
    captured_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # Each error's detail as template and arguments (apps.core.words.text_data), by position, or null where it is plain
    # English: the job's page says them in the reader's language; the API answers ``errors`` alone, in English.
    # A job finished before they were kept has none, and its page shows ``errors`` as stored.
    error_words = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = CaptureJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return Text(gettext_noop("capture %(job)s (%(state)s)"), job=self.id, state=self.state)
