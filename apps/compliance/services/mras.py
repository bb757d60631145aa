"""Writes of mutual recognition arrangements (MRAs): platform staff record them and their changes.

Each change is kept in the MRA's history with the values before and after, audited, and announced
(``MraChanged``): compliance's subscribers re-judge the consignments in transit whose deciding
authorities it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.compliance.choices import MraStatus
from apps.compliance.models import Mra, MraChange, MraParticipant
from apps.compliance.services.checks import acting_user, clean_text
from apps.core.domain_events import MraChanged, publish
from apps.core.errors import ApplicationError, ConflictError
from apps.core.services import audit_record
from apps.partners.access import Actor, require
from apps.partners.models import Partner

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@dataclass(frozen=True)
class ParticipantIn:
    """One authority's side of an MRA as a request names it."""

    authority: Partner
    recognised_types: tuple[str, ...] | None = None
    grants_recognition: bool = True
    implemented_from: date | None = None


def _check_mra(
    *,
    participants: Sequence[ParticipantIn],
    signed_on: date | None,
    in_force_from: date | None,
    in_force_until: date | None,
    status: str,
) -> None:
    authorities = [p.authority for p in participants]
    if len({a.pk for a in authorities}) < 2:
        raise ApplicationError(_("An MRA needs at least two distinct customs authorities."), field="participants")
    if len({a.pk for a in authorities}) != len(authorities):
        raise ApplicationError(_("An authority is listed twice."), field="participants")
    for index, authority in enumerate(authorities):
        if not authority.is_customs_authority:
            raise ApplicationError(
                _("'%(authority)s' is not a customs authority.") % {"authority": authority.slug},
                field=f"participants.{index}.authority",
            )
    if status not in MraStatus.values:
        raise ApplicationError(
            _("Unknown status '%(status)s'; one of %(choices)s.")
            % {"status": status, "choices": ", ".join(MraStatus.values)},
            field="status",
        )
    # Without an in-force date the MRA counts from its signing (DESIGN §10), so its end may not precede that.
    start, start_name = (in_force_from, "in_force_from") if in_force_from else (signed_on, "signed_on")
    if start and in_force_until and in_force_until < start:
        raise ApplicationError(
            _("in_force_until %(until)s is before %(name)s %(start)s.")
            % {"until": in_force_until.isoformat(), "name": start_name, "start": start.isoformat()},
            field="in_force_until",
        )
    if signed_on and in_force_from and in_force_from < signed_on:
        raise ApplicationError(
            _("in_force_from %(start)s is before signing on %(signed)s.")
            % {"start": in_force_from.isoformat(), "signed": signed_on.isoformat()},
            field="in_force_from",
        )
    if not any(p.grants_recognition for p in participants):
        raise ApplicationError(_("At least one side must grant recognition."), field="participants")


def _mra_values(mra: Mra) -> dict[str, Any]:
    return {
        "name": mra.name,
        "signed_on": mra.signed_on and mra.signed_on.isoformat(),
        "in_force_from": mra.in_force_from and mra.in_force_from.isoformat(),
        "in_force_until": mra.in_force_until and mra.in_force_until.isoformat(),
        "status": mra.status,
        "plurilateral": mra.plurilateral,
        "direction_note": mra.direction_note,
        "notes": mra.notes,
        "participants": [
            {
                "authority": p.authority.slug,
                "recognised_types": p.recognised_types,
                "grants_recognition": p.grants_recognition,
                "implemented_from": p.implemented_from and p.implemented_from.isoformat(),
            }
            for p in mra.participants.select_related("authority").order_by("authority__slug")
        ],
    }


def _write_participants(mra: Mra, participants: Iterable[ParticipantIn]) -> None:
    mra.participants.all().delete()
    MraParticipant.objects.bulk_create(
        MraParticipant(
            mra=mra,
            authority=p.authority,
            recognised_types=list(p.recognised_types) if p.recognised_types is not None else None,
            grants_recognition=p.grants_recognition,
            implemented_from=p.implemented_from,
        )
        for p in participants
    )


def _announce(mra: Mra, *, former_authority_ids: Iterable[Any] = ()) -> None:
    """Say the MRA changed, naming its authorities and any it no longer includes (their verdicts may change)."""
    authority_ids = {str(pk) for pk in mra.participants.values_list("authority_id", flat=True)}
    authority_ids |= {str(pk) for pk in former_authority_ids}
    publish(MraChanged(mra_id=str(mra.pk), authority_ids=tuple(sorted(authority_ids))))


def mra_create(
    *,
    actor: Actor,
    key: str,
    name: str,
    participants: Sequence[ParticipantIn],
    signed_on: date | None = None,
    in_force_from: date | None = None,
    in_force_until: date | None = None,
    status: str = MraStatus.IN_FORCE,
    plurilateral: bool = False,
    direction_note: str = "",
    notes: str = "",
    reason: str = "created",
) -> Mra:
    """Record an MRA between two or more customs authorities; its history starts with this entry."""
    require(actor, staff=True, to=gettext_noop("manage mutual recognition arrangements"))
    key = clean_text(key, "key", 80)
    if not SLUG.fullmatch(key):
        raise ApplicationError(
            _("key '%(key)s' must be letters, digits, hyphens or underscores (e.g. kr-tw).") % {"key": key}, field="key"
        )
    _check_mra(
        participants=participants,
        signed_on=signed_on,
        in_force_from=in_force_from,
        in_force_until=in_force_until,
        status=status,
    )
    with transaction.atomic():
        taken = ConflictError(_("An MRA with key '%(key)s' exists.") % {"key": key}, field="key")
        if Mra.objects.filter(key=key).exists():
            raise taken
        try:
            with transaction.atomic():
                mra = Mra.objects.create(
                    key=key,
                    name=clean_text(name, "name", 200),
                    signed_on=signed_on,
                    in_force_from=in_force_from,
                    in_force_until=in_force_until,
                    status=status,
                    plurilateral=plurilateral,
                    direction_note=direction_note,
                    notes=notes,
                )
        except IntegrityError as exc:
            raise taken from exc
        _write_participants(mra, participants)
        values = _mra_values(mra)
        MraChange.objects.create(mra=mra, changed_by=acting_user(actor), changes={"after": values}, reason=reason)
        audit_record(actor=actor, action="mra.create", target=mra, changes=values)
        _announce(mra)
    return mra


MRA_FIELDS = (
    "name",
    "signed_on",
    "in_force_from",
    "in_force_until",
    "status",
    "plurilateral",
    "direction_note",
    "notes",
)


def mra_update(
    *,
    actor: Actor,
    mra: Mra,
    reason: str,
    participants: Sequence[ParticipantIn] | None = None,
    **fields: Any,
) -> Mra:
    """Change an MRA (dates, status, participants); the history keeps the values before and after."""
    require(actor, staff=True, to=gettext_noop("manage mutual recognition arrangements"))
    unknown = set(fields) - set(MRA_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown MRA field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    reason = clean_text(reason, "reason", 500)
    if "name" in fields:
        fields["name"] = clean_text(fields["name"], "name", 200)
    with transaction.atomic():
        mra = Mra.objects.select_for_update().get(pk=mra.pk)
        before = _mra_values(mra)
        current = [
            ParticipantIn(
                authority=p.authority,
                recognised_types=tuple(p.recognised_types) if p.recognised_types is not None else None,
                grants_recognition=p.grants_recognition,
                implemented_from=p.implemented_from,
            )
            for p in mra.participants.select_related("authority")
        ]
        merged = {name: fields.get(name, getattr(mra, name)) for name in MRA_FIELDS}
        _check_mra(
            participants=participants if participants is not None else current,
            signed_on=merged["signed_on"],
            in_force_from=merged["in_force_from"],
            in_force_until=merged["in_force_until"],
            status=merged["status"],
        )
        for name, value in fields.items():
            setattr(mra, name, value)
        mra.save()
        if participants is not None:
            _write_participants(mra, participants)
        after = _mra_values(mra)
        if after == before:
            return mra
        MraChange.objects.create(
            mra=mra, changed_by=acting_user(actor), changes={"before": before, "after": after}, reason=reason
        )
        audit_record(actor=actor, action="mra.update", target=mra, changes={"before": before, "after": after})
        _announce(mra, former_authority_ids=[p.authority.pk for p in current])
    return mra
