"""Trusted-chain evaluation: which parties of a consignment a customs authority trusts on a date, and why.

Pure Python, no Django: selectors turn rows into the frozen inputs below (:class:`Certificate`,
:class:`Mra`, :class:`Party`) and :func:`chain_evaluate` decides. Nothing reads the clock or the
database, so a decision taken on any past date can be reproduced exactly from the same inputs, and
an officer's decision can store the :class:`ChainVerdict` it was based on (:meth:`ChainVerdict.to_dict`).

The rules are DESIGN.md §10 ("Trust (AEO/MRA issue)"):

- Only commercial parties are judged (consignor, consignee, forwarder, carrier, terminal operators,
  broker, partners that recorded steps); customs authorities never are. A notify party is not one
  of the listed roles and is not judged either, unless it also plays a judged role.
- Per certificate: validity period first, then status at ``as_of``, then recognition. Dates are
  inclusive: ``valid_from <= as_of <= valid_until``, and a status change counts from its own date.
- A certificate of the deciding authority is an own AEO whatever its tier and wins over a foreign
  one. Consequently a suspension or revocation by the deciding authority itself decides the party
  even if a foreign certificate would be recognised: the authority has withdrawn its own trust.
- MRAs are mutual unless ``mutual=False`` says which parties grant recognition, and cover the
  certificate types listed for each side (``None``: all types).
- An MRA whose in-force date is unknown is in force from its signing date and the reason says
  "assumed in force from signing"; one with neither date, or with status "signed, not yet
  implemented", is not in force. A plurilateral arrangement (``implementation_dates`` given, e.g.
  the ASEAN AAMRA) covers a pair of members from the later of their two implementation dates; a
  member without one has not implemented it.

Authorities are plain identifiers (the reference data uses ISO 3166-1 codes and ``EU``). Where
several authorities issue for one customs territory (EU Member States for the EU), pass
``territories`` so that a German certificate counts as the EU's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import reduce
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from apps.core.words import Text

Precision = Literal["day", "month", "year"]
PRECISIONS: frozenset[str] = frozenset({"day", "month", "year"})

# A reason reads as English (the API answers it, a decision stores it) and keeps its template and arguments,
# so the review page says it in the officer's language.
Reason = Text

# ``_`` marks a reason's English template for the message catalogue (`make messages` finds it); a page
# translates it when it renders the reason. Nothing is translated here: this module imports no Django.
_ = Reason


def _listed(reasons: Iterable[Reason | str]) -> Reason | str:
    """Items joined two by two ("A, B, C"), so a language may join them its own way."""
    return reduce(lambda a, b: _("%(a)s, %(b)s", a=a, b=b), reasons)


def _either(reasons: Iterable[Reason | str]) -> Reason | str:
    """Reasons joined two by two ("A; B"), so a language may join them its own way."""
    return reduce(lambda a, b: _("%(a)s; %(b)s", a=a, b=b), reasons)


class Outcome(StrEnum):
    """What decided one party, best first (the order ranks a party's certificates against each other)."""

    TRUSTED_OWN_AEO = "trusted_own_aeo"
    TRUSTED_MRA = "trusted_mra"
    NOT_RECOGNISED = "not_recognised"
    SUSPENDED_OR_REVOKED = "suspended_or_revoked"
    EXPIRED = "expired"
    NO_CERTIFICATE = "no_certificate"


TRUSTED_OUTCOMES = frozenset({Outcome.TRUSTED_OWN_AEO, Outcome.TRUSTED_MRA})
_RANK = {outcome: rank for rank, outcome in enumerate(Outcome)}


class ChainStatus(StrEnum):
    """The verdict on a whole chain."""

    FULLY_TRUSTED = "fully_trusted"
    PARTIALLY_TRUSTED = "partially_trusted"
    NOT_TRUSTED = "not_trusted"


class CertificateStatus(StrEnum):
    """Status of an AEO certificate, as its status history records it."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class CertificateType(StrEnum):
    """WCO SAFE generic AEO types; a programme's own tiers (e.g. CTPAT tier 3, KR AAA) are free text."""

    SECURITY_AND_SAFETY = "security and safety"
    CUSTOMS_SIMPLIFICATIONS = "customs simplifications"
    FULL = "full"


class MraStatus(StrEnum):
    """Status vocabulary of the reference data (apps/compliance/data/README.md)."""

    IN_FORCE = "in force"
    SIGNED = "signed"
    NOT_YET_IMPLEMENTED = "signed, not yet implemented"
    ENDED = "ended"


class Role(StrEnum):
    """A party's role in a consignment: the shipments PartyRole values plus step recorders and customs."""

    CONSIGNOR = "consignor"
    CONSIGNEE = "consignee"
    FREIGHT_FORWARDER = "freight_forwarder"
    CARRIER = "carrier"
    TERMINAL_OPERATOR = "terminal_operator"
    CUSTOMS_BROKER = "customs_broker"
    NOTIFY_PARTY = "notify_party"
    STEP_RECORDER = "step_recorder"
    CUSTOMS_AUTHORITY = "customs_authority"


JUDGED_ROLES = frozenset(Role) - {Role.NOTIFY_PARTY, Role.CUSTOMS_AUTHORITY}
_ROLES = frozenset(Role)
_CERTIFICATE_STATUSES = frozenset(CertificateStatus)
# A status as a reason says it ("was suspended on ..."), in the page's language.
_STATUS_WORDS = {
    CertificateStatus.SUSPENDED: _("suspended"),
    CertificateStatus.REVOKED: _("revoked"),
    CertificateStatus.EXPIRED: _("expired"),
}
_MRA_STATUSES = frozenset(MraStatus)

# The WCO SAFE generic type names and the EU codes name the same three kinds of AEO, so a certificate
# registered as "security and safety" matches an MRA listing "AEOS" (e.g. the TW side of KR-TW).
_TYPE_ALIASES = {
    CertificateType.SECURITY_AND_SAFETY: "aeos",
    "safety and security": "aeos",
    CertificateType.CUSTOMS_SIMPLIFICATIONS: "aeoc",
    CertificateType.FULL: "aeof",
}


def canonical_type(cert_type: str) -> str:
    """Compare certificate types case- and space-insensitively, with the WCO names folded onto AEOS/AEOC/AEOF."""
    folded = re.sub(r"\s+", " ", cert_type).strip().casefold()
    return _TYPE_ALIASES.get(folded, folded)


def show_date(value: date, precision: str = "day") -> str:
    """Show a date as the source gave it, saying which day a month- or year-only date was taken as."""
    if precision == "month":
        return _("%(month)s (month only, taken as %(day)s)", month=f"{value:%Y-%m}", day=value.isoformat())
    if precision == "year":
        return _("%(year)s (year only, taken as %(day)s)", year=f"{value:%Y}", day=value.isoformat())
    return value.isoformat()


# ---------------------------------------------------------------------------------------------- inputs


class StatusChange(NamedTuple):
    """One entry of a certificate's status history; the status holds from ``on`` (inclusive)."""

    on: date
    status: str
    reason: str


class ValidityPeriod(NamedTuple):
    """One validity period of a certificate, both ends inclusive; ``valid_until`` None means open-ended."""

    valid_from: date
    valid_until: date | None

    def contains(self, day: date) -> bool:
        """True when ``day`` falls inside the period, both ends included."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def describe(self) -> str:
        """The period in words for reasons."""
        until = self.valid_until.isoformat() if self.valid_until else _("open")
        return _("valid %(start)s to %(end)s", start=self.valid_from.isoformat(), end=until)


@dataclass(frozen=True)
class Certificate:
    """An AEO certificate: one number per issuing authority, renewals are further validity periods.

    ``status_history`` and ``validity_periods`` accept plain tuples; they are kept sorted by date, and
    periods may not overlap (a renewal starts after the previous period ends).
    """

    number: str
    holder: str
    authority: str
    authority_country: str
    type: str
    status_history: tuple[StatusChange, ...] = ()
    validity_periods: tuple[ValidityPeriod, ...] = ()

    def __post_init__(self) -> None:
        history = tuple(sorted((StatusChange(*entry) for entry in self.status_history), key=lambda c: c.on))
        periods = tuple(sorted((ValidityPeriod(*p) for p in self.validity_periods), key=lambda p: p.valid_from))
        label = f"certificate {self.number} of {self.authority}"
        for change in history:
            if change.status not in _CERTIFICATE_STATUSES:
                raise ValueError(f"{label}: unknown status {change.status!r}")
        if not periods:
            raise ValueError(f"{label}: at least one validity period is needed")
        for period in periods:
            if period.valid_until is not None and period.valid_until < period.valid_from:
                raise ValueError(f"{label}: period ends {period.valid_until} before it starts {period.valid_from}")
        for earlier, later in pairwise(periods):
            if earlier.valid_until is None or later.valid_from <= earlier.valid_until:
                raise ValueError(f"{label}: validity periods overlap ({earlier.describe()}; {later.describe()})")
        object.__setattr__(self, "status_history", history)
        object.__setattr__(self, "validity_periods", periods)

    def period_at(self, as_of: date) -> ValidityPeriod | None:
        """The validity period containing ``as_of``, if any."""
        return next((p for p in self.validity_periods if p.contains(as_of)), None)

    def status_at(self, as_of: date) -> StatusChange | None:
        """The status change in force on ``as_of`` (the latest dated on or before it); None before any."""
        current = None
        for change in self.status_history:
            if change.on > as_of:
                break
            current = change
        return current

    def describe(self) -> str:
        """The certificate in words for reasons."""
        return _(
            "certificate %(number)s (%(type)s) issued by %(authority)s",
            number=self.number,
            type=self.type,
            authority=self.authority,
        )


@dataclass(frozen=True)
class Mra:
    """A mutual recognition arrangement between two or more customs authorities.

    ``recognised_types`` maps a party to the types of *its own* AEOs the others recognise (missing
    or None: all types). ``mutual=False`` makes it one-directional: only ``recognisers`` grant
    recognition. ``implementation_dates`` marks a plurilateral arrangement implemented member by
    member (None: not implemented); then pairs, not the arrangement, carry the in-force dates.
    Equality compares every field; hashing uses ``key`` (the mappings are not hashable).
    """

    key: str
    name: str
    parties: tuple[str, ...]
    recognised_types: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    signed_on: date | None = None
    in_force_from: date | None = None
    in_force_until: date | None = None
    status: str = MraStatus.IN_FORCE
    mutual: bool = True
    recognisers: frozenset[str] = frozenset()
    direction_note: str = ""
    implementation_dates: Mapping[str, date | None] = field(default_factory=dict)
    signed_precision: Precision = "day"
    in_force_precision: Precision = "day"
    sources: tuple[str, ...] = ()
    notes: str = ""
    _types: Mapping[str, frozenset[str] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parties = tuple(self.parties)
        label = f"MRA {self.key}"
        if len(set(parties)) != len(parties) or len(parties) < 2:
            raise ValueError(f"{label}: needs at least two distinct parties, got {parties!r}")
        for name, keys in (
            ("recognised_types", self.recognised_types),
            ("implementation_dates", self.implementation_dates),
        ):
            if not set(keys) <= set(parties):
                raise ValueError(f"{label}: {name} names non-parties {sorted(set(keys) - set(parties))}")
        if self.status not in _MRA_STATUSES:
            raise ValueError(f"{label}: unknown status {self.status!r}")
        if self.signed_precision not in PRECISIONS or self.in_force_precision not in PRECISIONS:
            raise ValueError(f"{label}: precision must be one of {sorted(PRECISIONS)}")
        if self.in_force_from and self.in_force_until and self.in_force_until < self.in_force_from:
            raise ValueError(f"{label}: in force until {self.in_force_until} before from {self.in_force_from}")
        if not self.mutual and not (self.recognisers and self.recognisers <= set(parties)):
            raise ValueError(f"{label}: a one-directional MRA names which of its parties recognise")
        types = {p: None if t is None else frozenset(t) for p, t in self.recognised_types.items()}
        object.__setattr__(self, "status", MraStatus(self.status))
        object.__setattr__(self, "parties", parties)
        object.__setattr__(self, "recognisers", frozenset(self.recognisers))
        object.__setattr__(self, "recognised_types", MappingProxyType(types))
        object.__setattr__(self, "implementation_dates", MappingProxyType(dict(self.implementation_dates)))
        canonical = {p: None if t is None else frozenset(map(canonical_type, t)) for p, t in types.items()}
        object.__setattr__(self, "_types", MappingProxyType(canonical))

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def plurilateral(self) -> bool:
        """Implemented member by member, so coverage is decided per pair of members."""
        return bool(self.implementation_dates)

    def types_for(self, party: str) -> frozenset[str] | None:
        """Canonical types of ``party``'s AEOs that the arrangement covers; None means all."""
        return self._types.get(party)


@dataclass(frozen=True)
class Party:
    """One partner in one role of the consignment's chain."""

    partner: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in _ROLES:
            raise ValueError(f"party {self.partner}: unknown role {self.role!r}")


# ---------------------------------------------------------------------------------------------- indexes


class CertificateIndex:
    """Certificates by holder, built once and shared by many evaluations (the in-transit re-evaluation)."""

    __slots__ = ("_by_holder", "_count")

    def __init__(self, certificates: Iterable[Certificate]) -> None:
        by_holder: dict[str, list[Certificate]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for cert in certificates:
            natural_key = (cert.authority, cert.number)
            if natural_key in seen:
                raise ValueError(f"certificate number {cert.number} appears twice for authority {cert.authority}")
            seen.add(natural_key)
            by_holder[cert.holder].append(cert)
        self._by_holder = {h: tuple(sorted(cs, key=lambda c: (c.authority, c.number))) for h, cs in by_holder.items()}
        self._count = len(seen)

    def __len__(self) -> int:
        return self._count

    def for_holder(self, holder: str) -> tuple[Certificate, ...]:
        """The holder's certificates, ordered by authority and number."""
        return self._by_holder.get(holder, ())


class MraIndex:
    """MRAs by ordered pair of parties, so each party costs a dictionary lookup instead of a scan."""

    __slots__ = ("_by_pair", "_count")

    def __init__(self, mras: Iterable[Mra]) -> None:
        by_pair: dict[tuple[str, str], list[Mra]] = defaultdict(list)
        keys: set[str] = set()
        for mra in mras:
            if mra.key in keys:
                raise ValueError(f"MRA key {mra.key} appears twice")
            keys.add(mra.key)
            for a in mra.parties:
                for b in mra.parties:
                    if a != b:
                        by_pair[(a, b)].append(mra)
        self._by_pair = {pair: tuple(sorted(ms, key=lambda m: m.key)) for pair, ms in by_pair.items()}
        self._count = len(keys)

    def __len__(self) -> int:
        return self._count

    def between(self, deciding_authority: str, foreign_authority: str) -> tuple[Mra, ...]:
        """The arrangements both authorities are parties to, ordered by key."""
        return self._by_pair.get((deciding_authority, foreign_authority), ())


# ---------------------------------------------------------------------------------------------- MRAs


@dataclass(frozen=True)
class _Window:
    """When an arrangement (or one pair of its members) is in force, and how that was established."""

    start: date | None
    until: date | None
    assumed: bool
    basis: Reason


def _arrangement_window(mra: Mra) -> _Window:
    """The arrangement-level in-force window of a bilateral MRA, per §10."""
    if mra.status == MraStatus.NOT_YET_IMPLEMENTED:
        return _Window(None, None, False, _("signed, not yet implemented"))
    if mra.status == MraStatus.ENDED and mra.in_force_until is None:
        return _Window(None, None, False, _("marked ended, with no end date to date it by"))
    if mra.in_force_from is not None:
        basis = _("in force from %(date)s", date=show_date(mra.in_force_from, mra.in_force_precision))
        return _Window(mra.in_force_from, mra.in_force_until, False, basis)
    if mra.signed_on is not None:
        basis = _(
            "assumed in force from signing on %(date)s (no in-force date known)",
            date=show_date(mra.signed_on, mra.signed_precision),
        )
        return _Window(mra.signed_on, mra.in_force_until, True, basis)
    return _Window(None, None, False, _("neither a signing nor an in-force date is known"))


def _pair_window(mra: Mra, a: str, b: str) -> _Window:
    """The window in which ``mra`` covers the pair ``a``-``b``: a plurilateral pair starts at the later member."""
    if not mra.plurilateral or mra.status == MraStatus.NOT_YET_IMPLEMENTED:
        return _arrangement_window(mra)
    date_a, date_b = mra.implementation_dates.get(a), mra.implementation_dates.get(b)
    if date_a is None or date_b is None:
        missing = [m for m, d in ((a, date_a), (b, date_b)) if d is None]
        if len(missing) == 1:
            basis = _("%(member)s has not implemented it (no implementation date)", member=missing[0])
        else:
            basis = _("%(a)s and %(b)s have not implemented it (no implementation date)", a=a, b=b)
        return _Window(None, None, False, basis)
    start = max(date_a, date_b)
    basis = _(
        "covers %(a)s-%(b)s from %(start)s, the later of the two implementation dates"
        " (%(a)s %(date_a)s, %(b)s %(date_b)s)",
        a=a,
        b=b,
        start=start.isoformat(),
        date_a=date_a.isoformat(),
        date_b=date_b.isoformat(),
    )
    return _Window(start, mra.in_force_until, False, basis)


def _ended(subject: str, as_of: date, until: date) -> Reason:
    return _(
        "%(subject)s is not in force on %(day)s: it ended on %(end)s",
        subject=subject,
        day=as_of.isoformat(),
        end=until.isoformat(),
    )


def _window_verdict(subject: str, window: _Window, as_of: date) -> tuple[bool, Reason]:
    """Whether ``as_of`` falls in the window (both ends inclusive), with the reason in words."""
    day = as_of.isoformat()
    if window.start is None:
        return False, _("%(subject)s is not in force: %(basis)s", subject=subject, basis=window.basis)
    if as_of < window.start:
        return False, _(
            "%(subject)s is not in force on %(day)s: %(basis)s", subject=subject, day=day, basis=window.basis
        )
    if window.until is not None and as_of > window.until:
        return False, _ended(subject, as_of, window.until)
    return True, _("%(subject)s is in force on %(day)s: %(basis)s", subject=subject, day=day, basis=window.basis)


def mra_in_force(mra: Mra, as_of: date) -> tuple[bool, Reason]:
    """Whether the arrangement is in force on ``as_of`` and why.

    A plurilateral arrangement is in force once at least two members have implemented it; whether it
    covers a given pair is :func:`recognises`' question.
    """
    if not mra.plurilateral or mra.status == MraStatus.NOT_YET_IMPLEMENTED:
        return _window_verdict(mra.name, _arrangement_window(mra), as_of)
    if mra.in_force_until is not None and as_of > mra.in_force_until:
        return False, _ended(mra.name, as_of, mra.in_force_until)
    implemented = sorted((d, m) for m, d in mra.implementation_dates.items() if d is not None and d <= as_of)
    members = [_("%(member)s from %(day)s", member=m, day=d.isoformat()) for d, m in implemented]
    listed = _listed(members) if members else _("none")
    day = as_of.isoformat()
    if len(implemented) < 2:
        return False, _(
            "%(mra)s is not in force on %(day)s: fewer than two members implemented (%(listed)s)",
            mra=mra.name,
            day=day,
            listed=listed,
        )
    return True, _(
        "%(mra)s is in force on %(day)s between the members that implemented it (%(listed)s)",
        mra=mra.name,
        day=day,
        listed=listed,
    )


@dataclass(frozen=True)
class Recognition:
    """Whether one MRA makes ``deciding_authority`` recognise one foreign AEO on a date, with the dates used."""

    recognised: bool
    reason: Reason
    mra: Mra
    covered_from: date | None = None
    covered_until: date | None = None
    assumed_from_signing: bool = False


def _refusal(mra: Mra, deciding_authority: str, foreign_authority: str, cert_type: str) -> Reason | None:
    """Why the arrangement cannot cover this pair and type at any date, or None when it can."""
    for authority in (deciding_authority, foreign_authority):
        if authority not in mra.parties:
            return _("%(authority)s is not a party to %(mra)s", authority=authority, mra=mra.name)
    if deciding_authority == foreign_authority:
        return _("%(mra)s does not apply to an authority's own AEOs", mra=mra.name)
    if not mra.mutual and deciding_authority not in mra.recognisers:
        who = _listed(sorted(mra.recognisers))
        if mra.direction_note:
            return _(
                "%(mra)s is one-directional: only %(who)s recognises the other side's AEOs (%(note)s)",
                mra=mra.name,
                who=who,
                note=mra.direction_note,
            )
        return _("%(mra)s is one-directional: only %(who)s recognises the other side's AEOs", mra=mra.name, who=who)
    covered = mra.types_for(foreign_authority)
    if covered is not None and canonical_type(cert_type) not in covered:
        listed = ", ".join(sorted(mra.recognised_types[foreign_authority] or ()))
        return _(
            "%(mra)s covers only %(types)s AEOs of %(authority)s, not type %(type)s",
            mra=mra.name,
            types=listed,
            authority=foreign_authority,
            type=cert_type,
        )
    return None


def recognises(
    mra: Mra,
    *,
    deciding_authority: str,
    foreign_authority: str,
    cert_type: str,
    as_of: date,
) -> Recognition:
    """Whether, through ``mra``, the deciding authority recognises an AEO of type ``cert_type`` issued by
    ``foreign_authority`` on ``as_of``: parties, direction and type coverage first, then the in-force dates.

    Keyword-only so the deciding and the foreign authority cannot be swapped by position.
    """
    refusal = _refusal(mra, deciding_authority, foreign_authority, cert_type)
    if refusal is not None:
        return Recognition(False, refusal, mra)
    window = _pair_window(mra, deciding_authority, foreign_authority)
    in_force, reason = _window_verdict(mra.name, window, as_of)
    return Recognition(in_force, reason, mra, window.start, window.until, window.assumed)


# ---------------------------------------------------------------------------------------------- chain


@dataclass(frozen=True)
class PartyVerdict:
    """The outcome for one partner, with the certificate, period, status change and MRA that decided it."""

    partner: str
    roles: tuple[str, ...]
    outcome: Outcome
    reason: Reason
    certificate: Certificate | None = None
    validity: ValidityPeriod | None = None
    status_change: StatusChange | None = None
    recognition: Recognition | None = None

    @property
    def trusted(self) -> bool:
        """Trusted by own AEO or through an MRA."""
        return self.outcome in TRUSTED_OUTCOMES

    @property
    def mra(self) -> Mra | None:
        """The MRA through which the party is trusted (or the one that came closest), if any."""
        return self.recognition.mra if self.recognition else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able snapshot, so a decision can show later exactly what it was based on."""
        cert = self.certificate
        rec = self.recognition
        return {
            "partner": self.partner,
            "roles": list(self.roles),
            "outcome": str(self.outcome),
            "reason": self.reason,
            "certificate": None
            if cert is None
            else {"number": cert.number, "authority": cert.authority, "type": cert.type, "holder": cert.holder},
            "valid_from": _iso(self.validity.valid_from if self.validity else None),
            "valid_until": _iso(self.validity.valid_until if self.validity else None),
            "status": None
            if self.status_change is None
            else {
                "status": self.status_change.status,
                "on": _iso(self.status_change.on),
                "reason": self.status_change.reason,
            },
            "mra": None
            if rec is None
            else {
                "key": rec.mra.key,
                "name": rec.mra.name,
                "covered_from": _iso(rec.covered_from),
                "covered_until": _iso(rec.covered_until),
                "assumed_from_signing": rec.assumed_from_signing,
            },
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class ChainVerdict:
    """The verdict on one consignment's chain for one deciding authority on one date."""

    deciding_authority: str
    as_of: date
    verdict: ChainStatus
    parties: tuple[PartyVerdict, ...]
    not_judged: tuple[Party, ...]
    trusted_count: int
    judged_count: int

    @property
    def share_trusted(self) -> float:
        """Share of judged parties that are trusted (0.0 when there is no one to judge)."""
        return self.trusted_count / self.judged_count if self.judged_count else 0.0

    def party(self, partner: str) -> PartyVerdict:
        """The verdict for one judged partner (KeyError when it was not judged)."""
        for verdict in self.parties:
            if verdict.partner == partner:
                return verdict
        raise KeyError(partner)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able snapshot of the whole evaluation (verdict, per-party reasons, certificates and MRAs used)."""
        return {
            "deciding_authority": self.deciding_authority,
            "as_of": self.as_of.isoformat(),
            "verdict": str(self.verdict),
            "share_trusted": self.share_trusted,
            "trusted_count": self.trusted_count,
            "judged_count": self.judged_count,
            "parties": [p.to_dict() for p in self.parties],
            "not_judged": [{"partner": p.partner, "role": p.role} for p in self.not_judged],
        }


@dataclass(frozen=True)
class _Assessment:
    """One certificate judged for one party; the best assessment decides the party."""

    outcome: Outcome
    reason: Reason
    certificate: Certificate
    validity: ValidityPeriod | None
    status_change: StatusChange | None
    recognition: Recognition | None
    own: bool

    def sort_key(self) -> tuple[int, bool, str, str]:
        return (_RANK[self.outcome], not self.own, self.certificate.authority, self.certificate.number)


@dataclass(frozen=True)
class _Context:
    """What every party of one evaluation is judged against."""

    certificates: CertificateIndex
    mras: MraIndex
    deciding: str
    as_of: date
    territories: Mapping[str, str]


def _recognition(ctx: _Context, cert: Certificate, foreign: str) -> tuple[Recognition | None, Reason]:
    """The best recognition of ``cert`` among the MRAs between the two authorities, or why there is none.

    Among several MRAs that recognise it, one with a known in-force date beats one assumed from signing.
    """
    candidates = ctx.mras.between(ctx.deciding, foreign)
    if not candidates:
        return None, _("no MRA between %(deciding)s and %(foreign)s on record", deciding=ctx.deciding, foreign=foreign)
    results = [
        recognises(m, deciding_authority=ctx.deciding, foreign_authority=foreign, cert_type=cert.type, as_of=ctx.as_of)
        for m in candidates
    ]
    granted = [r for r in results if r.recognised]
    if granted:
        best = min(granted, key=lambda r: (r.assumed_from_signing, r.covered_from or date.min, r.mra.key))
        return best, best.reason
    return results[0], _either(r.reason for r in results)


def _assess(ctx: _Context, cert: Certificate) -> _Assessment:
    """Judge one certificate: validity period, then status on ``as_of``, then recognition (§10 order)."""
    issuer = ctx.territories.get(cert.authority, cert.authority)
    own = issuer == ctx.deciding
    period = cert.period_at(ctx.as_of)
    day = ctx.as_of.isoformat()
    if period is None:
        ended = [p for p in cert.validity_periods if p.valid_until is not None and p.valid_until < ctx.as_of]
        if ended:
            last = ended[-1]
            reason = _(
                "%(certificate)s expired on %(end)s (%(period)s), before %(day)s",
                certificate=cert.describe(),
                end=_iso(last.valid_until),
                period=last.describe(),
                day=day,
            )
            return _Assessment(Outcome.EXPIRED, reason, cert, last, None, None, own)
        first = cert.validity_periods[0]
        reason = _(
            "%(certificate)s is not valid yet on %(day)s (%(period)s)",
            certificate=cert.describe(),
            day=day,
            period=first.describe(),
        )
        return _Assessment(Outcome.NO_CERTIFICATE, reason, cert, first, None, None, own)
    change = cert.status_at(ctx.as_of)
    if change is not None and change.status != CertificateStatus.VALID:
        status = _STATUS_WORDS.get(change.status, change.status)
        facts = {"certificate": cert.describe(), "status": status, "on": change.on.isoformat(), "day": day}
        if change.reason:
            reason = _(
                "%(certificate)s was %(status)s on %(on)s: %(why)s (in effect on %(day)s)",
                # A reason the platform recorded ("validity period ended") is in the catalogue; a person's stays.
                why=Text(change.reason),
                **facts,
            )
        else:
            reason = _("%(certificate)s was %(status)s on %(on)s (in effect on %(day)s)", **facts)
        outcome = Outcome.EXPIRED if change.status == CertificateStatus.EXPIRED else Outcome.SUSPENDED_OR_REVOKED
        return _Assessment(outcome, reason, cert, period, change, None, own)
    if issuer != cert.authority:
        where = _(
            "%(certificate)s (territory %(territory)s), %(period)s",
            certificate=cert.describe(),
            territory=issuer,
            period=period.describe(),
        )
    else:
        where = _("%(certificate)s, %(period)s", certificate=cert.describe(), period=period.describe())
    if own:
        reason = _(
            "own AEO of %(authority)s: %(where)s, valid on %(day)s", authority=ctx.deciding, where=where, day=day
        )
        return _Assessment(Outcome.TRUSTED_OWN_AEO, reason, cert, period, change, None, own)
    recognition, why = _recognition(ctx, cert, issuer)
    if recognition is not None and recognition.recognised:
        reason = _(
            "recognised by %(authority)s through %(mra)s: %(where)s; %(why)s",
            authority=ctx.deciding,
            mra=recognition.mra.name,
            where=where,
            why=why,
        )
        return _Assessment(Outcome.TRUSTED_MRA, reason, cert, period, change, recognition, own)
    reason = _("not recognised by %(authority)s: %(where)s; %(why)s", authority=ctx.deciding, where=where, why=why)
    return _Assessment(Outcome.NOT_RECOGNISED, reason, cert, period, change, recognition, own)


def _judge(ctx: _Context, partner: str, roles: tuple[str, ...]) -> PartyVerdict:
    """Decide one partner from all its certificates: an own sanction decides, otherwise the best outcome."""
    certs = ctx.certificates.for_holder(partner)
    if not certs:
        reason = _("%(partner)s holds no AEO certificate on record", partner=partner)
        return PartyVerdict(partner, roles, Outcome.NO_CERTIFICATE, reason)
    assessments = sorted((_assess(ctx, c) for c in certs), key=_Assessment.sort_key)
    sanction = next((a for a in assessments if a.own and a.outcome == Outcome.SUSPENDED_OR_REVOKED), None)
    chosen = sanction or assessments[0]
    reason = chosen.reason
    if sanction is not None and len(assessments) > 1:
        reason = _(
            "%(reason)s; the deciding authority's own suspension or revocation prevails over foreign certificates",
            reason=reason,
        )
    return PartyVerdict(
        partner,
        roles,
        chosen.outcome,
        reason,
        chosen.certificate,
        chosen.validity,
        chosen.status_change,
        chosen.recognition,
    )


def judged_partners(parties: Iterable[Party], *, deciding_authority: str) -> list[str]:
    """The partners whose trust makes the chain's verdict, in the order first given.

    Not judged: a partner that appears as a customs authority anywhere in the chain, the deciding
    authority itself, or one that only plays roles outside :data:`JUDGED_ROLES` (a notify party).
    """
    roles: dict[str, set[str]] = {}
    for party in parties:
        roles.setdefault(party.partner, set()).add(party.role)
    return [
        p
        for p, rs in roles.items()
        if Role.CUSTOMS_AUTHORITY not in rs and p != deciding_authority and not rs.isdisjoint(JUDGED_ROLES)
    ]


def chain_evaluate(
    *,
    parties: Iterable[Party],
    certificates: CertificateIndex | Iterable[Certificate],
    mras: MraIndex | Iterable[Mra],
    deciding_authority: str,
    as_of: date,
    territories: Mapping[str, str] | None = None,
) -> ChainVerdict:
    """Judge every commercial party of one chain for ``deciding_authority`` on ``as_of`` (DESIGN §6, §10).

    Pure and reproducible: certificates and MRAs in any order give the same verdict; parties are
    reported in the order given, one verdict per partner with all its roles. The partners
    :func:`judged_partners` leaves out are listed in ``not_judged``. Pass indexes built once when
    evaluating many consignments against the same registry.
    """
    territories = territories or {}
    ctx = _Context(
        certificates=certificates if isinstance(certificates, CertificateIndex) else CertificateIndex(certificates),
        mras=mras if isinstance(mras, MraIndex) else MraIndex(mras),
        deciding=territories.get(deciding_authority, deciding_authority),
        as_of=as_of,
        territories=territories,
    )

    roles: dict[str, list[str]] = {}
    all_parties = list(parties)
    for party in all_parties:
        roles.setdefault(party.partner, [])
        if party.role not in roles[party.partner]:
            roles[party.partner].append(party.role)
    judged = judged_partners(all_parties, deciding_authority=deciding_authority)
    judged_set = set(judged)
    not_judged = tuple(p for p in all_parties if p.partner not in judged_set)
    verdicts = tuple(_judge(ctx, p, tuple(roles[p])) for p in judged)
    trusted = sum(v.trusted for v in verdicts)
    if verdicts and trusted == len(verdicts):
        status = ChainStatus.FULLY_TRUSTED
    elif trusted:
        status = ChainStatus.PARTIALLY_TRUSTED
    else:
        status = ChainStatus.NOT_TRUSTED
    return ChainVerdict(deciding_authority, as_of, status, verdicts, not_judged, trusted, len(verdicts))
