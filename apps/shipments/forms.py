"""Forms of the shipments pages: record an event for a consignment, upload an EPCIS or DCSA file."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core import identifiers
from apps.shipments.epcis.jobs import CAPTURE_ERROR_BEHAVIOURS
from apps.shipments.services import normalize_container_number, normalize_imo
from apps.shipments.steps import CBV_STEPS, DCSA_CODES

# DCSA codes by the event type that carries them; CBV business steps are recorded as EPCIS ObjectEvents.
TRANSPORT_CODES = ("DEPA", "ARRI")
EQUIPMENT_CODES = ("GTIN", "GTOT", "LOAD", "DISC", "STUF", "STRP", "PICK", "DROP", "INSP", "RSEA", "RMVD")
SHIPMENT_CODES = ("RECE", "ISSU", "CONF", "HOLD", "RELS", "CANC")
OFFERED_CBV_STEPS = ("packing", "shipping", "receiving", "accepting", "loading", "unloading", "storing", "inspecting")


def _step_choices() -> list[tuple[str, Any]]:
    def group(codes: tuple[str, ...], kind: str) -> list[tuple[str, str]]:
        return [(f"{kind}:{code}", f"{DCSA_CODES[code]} ({code})") for code in codes]

    return [
        ("", _("Choose what happened")),
        (_("Vessel (DCSA transport)"), group(TRANSPORT_CODES, "TRANSPORT")),
        (_("Container (DCSA equipment)"), group(EQUIPMENT_CODES, "EQUIPMENT")),
        (_("Documents and customs (DCSA shipment)"), group(SHIPMENT_CODES, "SHIPMENT")),
        (
            _("Goods (GS1 EPCIS business step)"),
            [(f"ObjectEvent:{step}", f"{CBV_STEPS[step]} ({step})") for step in OFFERED_CBV_STEPS],
        ),
    ]


class EventRecordForm(forms.Form):
    """One event of a consignment in its native fields; identifiers are checked here, at the field."""

    step = forms.ChoiceField(label=_("What happened"), choices=_step_choices)
    event_time = forms.DateTimeField(
        label=_("When (local time at the place)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Read in the place's own time zone, found from its UN/LOCODE."),
    )
    location = forms.CharField(
        label=_("Where (UN/LOCODE)"),
        max_length=12,
        help_text=_("Five letters: country and place, e.g. TWKHH for Kaohsiung."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    equipment = forms.CharField(
        label=_("Container (ISO 6346)"),
        max_length=16,
        required=False,
        help_text=_("Owner code, serial and check digit, e.g. MSKU1234565."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    voyage_number = forms.CharField(label=_("Voyage number"), max_length=32, required=False)
    vessel_imo = forms.CharField(label=_("Vessel IMO number"), max_length=12, required=False)
    event_id = forms.CharField(
        label=_("Your event id"),
        max_length=255,
        required=False,
        help_text=_("Optional: your own id, so sending it again records it once."),
    )

    def clean_location(self) -> str:
        try:
            return identifiers.normalize_unlocode(self.cleaned_data["location"])
        except identifiers.InvalidIdentifier as exc:
            raise forms.ValidationError(exc.render(gettext)) from exc

    def clean_equipment(self) -> str:
        value = self.cleaned_data["equipment"].strip()
        if not value:
            return ""
        try:
            return normalize_container_number(value)
        except identifiers.InvalidIdentifier as exc:
            raise forms.ValidationError(exc.render(gettext)) from exc

    def clean_vessel_imo(self) -> str:
        value = self.cleaned_data["vessel_imo"].strip()
        if not value:
            return ""
        try:
            return normalize_imo(value)
        except identifiers.InvalidIdentifier as exc:
            raise forms.ValidationError(exc.render(gettext)) from exc

    def payload(self, *, consignment_id: str, zone: str) -> dict[str, Any]:
        """The event as Corridor's JSON (what the events API takes), its time read in ``zone``."""
        data = self.cleaned_data
        kind, _, step = data["step"].partition(":")
        naive: datetime = data["event_time"].replace(tzinfo=None)
        moment = naive.replace(tzinfo=ZoneInfo(zone))
        event: dict[str, Any] = {
            "type": kind,
            "event_time": moment.isoformat(),
            "location": data["location"],
            "consignment": consignment_id,
        }
        if kind == "ObjectEvent":
            event.update(biz_step=step, action="OBSERVE")
        else:
            event["event_code"] = step
        for name in ("event_id", "voyage_number", "vessel_imo"):
            if data[name]:
                event[name] = data[name]
        if data["equipment"]:
            event["equipment"] = [data["equipment"]]
        return event


class UploadForm(forms.Form):
    """An EPCIS 2.0 document (captured as a job) or a DCSA Track & Trace event list (recorded at once)."""

    EPCIS = "epcis"
    DCSA_2 = "dcsa-2.2"
    DCSA_3 = "dcsa-3.0"

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (EPCIS, _("GS1 EPCIS 2.0 document (JSON or JSON-LD)")),
            (DCSA_2, _("DCSA Track & Trace 2.2 event list (JSON)")),
            (DCSA_3, _("DCSA Track & Trace 3.0 event list (JSON)")),
        ],
    )
    file = forms.FileField(label=_("File"))
    error_behaviour = forms.ChoiceField(
        label=_("If an event is invalid (EPCIS)"),
        choices=[
            (CAPTURE_ERROR_BEHAVIOURS[0], _("Record nothing (rollback)")),
            (CAPTURE_ERROR_BEHAVIOURS[1], _("Record the valid events (proceed)")),
        ],
        initial=CAPTURE_ERROR_BEHAVIOURS[0],
        required=False,
    )

    def clean_error_behaviour(self) -> str:
        return self.cleaned_data["error_behaviour"] or CAPTURE_ERROR_BEHAVIOURS[0]
