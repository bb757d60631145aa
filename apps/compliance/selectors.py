"""Reads of the compliance domain: the registry as pure trust inputs, and trust verdicts on consignments.

Rows become the frozen inputs of :mod:`apps.compliance.trust` here and nowhere else. Authorities and
holders are named by partner slug. Loading is by whole batches, so the number of queries does not
grow with the number of consignments evaluated (the in-transit re-evaluation runs thousands).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from apps.compliance import trust
from apps.compliance.choices import SYSTEM_STATUS_REASONS, CertificateStatus, CertificateType, ChainStatus
from apps.compliance.models import (
    AeoCertificate,
    CertificateStatusChange,
    Mra,
    MraParticipant,
    ReviewDecision,
    TrustEvaluation,
    ValidityPeriod,
)
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from apps.credentials import selectors as credentials
from apps.credentials import verification
from apps.credentials.models import ChainEntry, Credential
from apps.credentials.services.identifiers import credential_url
from apps.disruptions.models import Alert
from apps.partners.access import Actor, Rule, require
from apps.partners.choices import PartnerKind
from apps.partners.models import Partner
from apps.shipments import selectors as shipments
from apps.shipments.choices import ConsignmentStatus, PartyRole
from apps.shipments.models import Consignment, ConsignmentParty, EventLink, Leg
from apps.shipments.selectors import consignment_countries
from apps.shipments.steps import step_label

# Consignments whose trust still matters to customs: not yet released or delivered.
OPEN_STATUSES = (
    ConsignmentStatus.BOOKED,
    ConsignmentStatus.IN_TRANSIT,
    ConsignmentStatus.ARRIVED,
    ConsignmentStatus.EXCEPTION,
)


def certificate_list(*, actor: Actor) -> QuerySet[AeoCertificate]:
    return (
        AeoCertificate.objects.visible_to(actor)
        .select_related("holder", "authority")
        .prefetch_related("validity_periods", "status_changes")
    )


def mra_list(*, actor: Actor) -> QuerySet[Mra]:
    return Mra.objects.visible_to(actor).prefetch_related(
        Prefetch("participants", queryset=MraParticipant.objects.select_related("authority")), "history"
    )


def review_decision_list(*, actor: Actor) -> QuerySet[ReviewDecision]:
    return ReviewDecision.objects.visible_to(actor).select_related("authority", "consignment", "officer")


def trust_evaluation_list(*, actor: Actor) -> QuerySet[TrustEvaluation]:
    return TrustEvaluation.objects.visible_to(actor).select_related("authority", "consignment")


# ----------------------------------------------------------------------------------- rows → trust inputs


def certificates_load(*, holder_ids: Iterable[Any] | None = None) -> list[trust.Certificate]:
    """Certificates (of these holders, or all) as trust inputs, in three queries.

    Plain values rather than model instances with prefetches: the re-evaluation after an MRA change
    loads tens of thousands of certificates, and building model rows cost three quarters of its time.
    ``holder_ids`` may be a queryset of partner ids, which stays a subquery.
    """
    rows = AeoCertificate.objects.all()
    if holder_ids is not None:
        rows = rows.filter(holder_id__in=holder_ids if isinstance(holder_ids, QuerySet) else list(holder_ids))
    chosen = rows.values("pk")
    periods: dict[Any, list[trust.ValidityPeriod]] = defaultdict(list)
    for certificate_id, valid_from, valid_until in (
        ValidityPeriod.objects.filter(certificate__in=chosen)
        .order_by("valid_from")
        .values_list("certificate_id", "valid_from", "valid_until")
    ):
        periods[certificate_id].append(trust.ValidityPeriod(valid_from, valid_until))
    history: dict[Any, list[trust.StatusChange]] = defaultdict(list)
    for certificate_id, effective_on, status, reason in (
        CertificateStatusChange.objects.filter(certificate__in=chosen)
        .order_by("effective_on", "recorded_at", "id")
        .values_list("certificate_id", "effective_on", "status", "reason")
    ):
        history[certificate_id].append(trust.StatusChange(effective_on, status, reason))
    return [
        trust.Certificate(
            number=number,
            holder=holder,
            authority=authority,
            authority_country=country,
            type=certificate_type,
            status_history=tuple(history[pk]),
            validity_periods=tuple(periods[pk]),
        )
        for pk, number, holder, authority, country, certificate_type in rows.values_list(
            "pk", "number", "holder__slug", "authority__slug", "authority__serves_country", "certificate_type"
        )
    ]


def _mra(row: Mra) -> trust.Mra:
    participants = list(row.participants.all())
    slugs = tuple(p.authority.slug for p in participants)
    granting = frozenset(p.authority.slug for p in participants if p.grants_recognition)
    return trust.Mra(
        key=row.key,
        name=row.name,
        parties=slugs,
        recognised_types={
            p.authority.slug: frozenset(p.recognised_types) for p in participants if p.recognised_types is not None
        },
        signed_on=row.signed_on,
        in_force_from=row.in_force_from,
        in_force_until=row.in_force_until,
        status=row.status,
        mutual=granting == frozenset(slugs),
        recognisers=granting,
        direction_note=row.direction_note,
        implementation_dates={p.authority.slug: p.implemented_from for p in participants} if row.plurilateral else {},
        notes=row.notes,
    )


def mras_load() -> trust.MraIndex:
    """Every MRA as a trust index, in two queries."""
    rows = Mra.objects.prefetch_related(
        Prefetch("participants", queryset=MraParticipant.objects.select_related("authority"))
    )
    return trust.MraIndex(_mra(row) for row in rows)


# ------------------------------------------------------------------------------------ chains to judge


def _customs_slugs() -> set[str]:
    return set(Partner.objects.filter(kind_links__kind=PartnerKind.CUSTOMS_AUTHORITY).values_list("slug", flat=True))


def chain_parties(consignment_ids: Sequence[Any]) -> dict[Any, list[trust.Party]]:
    """Each consignment's parties in their roles, and the partners that recorded its steps (two queries)."""
    customs = _customs_slugs()
    parties: dict[Any, list[trust.Party]] = defaultdict(list)
    rows = ConsignmentParty.objects.filter(consignment_id__in=consignment_ids).order_by("consignment_id", "id")
    for consignment_id, slug, role in rows.values_list("consignment_id", "partner__slug", "role"):
        parties[consignment_id].append(trust.Party(slug, trust.Role.CUSTOMS_AUTHORITY if slug in customs else role))
    recorders = (
        EventLink.objects.filter(consignment_id__in=consignment_ids)
        .values_list("consignment_id", "event__recorder__slug")
        .distinct()
    )
    for consignment_id, slug in sorted(recorders):
        role = trust.Role.CUSTOMS_AUTHORITY if slug in customs else trust.Role.STEP_RECORDER
        parties[consignment_id].append(trust.Party(slug, role))
    return parties


def deciding_authorities(consignment_ids: Sequence[Any]) -> dict[Any, list[Partner]]:
    """The customs authorities of the countries each consignment touches (three queries, whatever the number)."""
    consignments = Consignment.objects.filter(pk__in=consignment_ids).prefetch_related("legs")
    by_country: dict[str, list[Partner]] = defaultdict(list)
    for authority in Partner.objects.filter(kind_links__kind=PartnerKind.CUSTOMS_AUTHORITY).exclude(serves_country=""):
        by_country[authority.serves_country].append(authority)
    return {
        consignment.pk: sorted(
            {a for code in consignment_countries(consignment=consignment) for a in by_country.get(code, [])},
            key=lambda a: a.slug,
        )
        for consignment in consignments
    }


@dataclass(frozen=True)
class Registry:
    """Certificates and MRAs loaded once for many evaluations."""

    certificates: trust.CertificateIndex
    mras: trust.MraIndex


def registry_for(parties: Iterable[trust.Party]) -> Registry:
    """The certificates of these parties' partners and every MRA (constant number of queries)."""
    holders = Partner.objects.filter(slug__in={p.partner for p in parties}).values_list("pk", flat=True)
    return Registry(trust.CertificateIndex(certificates_load(holder_ids=holders)), mras_load())


def chain_verdict(
    *, consignment: Consignment, authority: Partner, as_of: date, registry: Registry | None = None
) -> trust.ChainVerdict:
    """The trust verdict of ``authority`` on one consignment's chain on ``as_of``."""
    parties = chain_parties([consignment.pk]).get(consignment.pk, [])
    registry = registry or registry_for(parties)
    return trust.chain_evaluate(
        parties=parties,
        certificates=registry.certificates,
        mras=registry.mras,
        deciding_authority=authority.slug,
        as_of=as_of,
    )


# Who sees trust verdicts: customs authorities (their own authority's), staff (any authority's).
SEE_VERDICTS = Rule(kind=PartnerKind.CUSTOMS_AUTHORITY)


def consignment_trust(*, actor: Actor, consignment_id: Any, authority_slug: str | None, as_of: date) -> dict[str, Any]:
    """The trust view a customs caller may see: its own authority's verdict (staff: any authority's)."""
    require(actor, **SEE_VERDICTS)
    consignment = Consignment.objects.visible_to(actor).filter(pk=consignment_id).first()
    if consignment is None:
        raise NotFoundError("No such consignment.")
    if authority_slug is None:
        if actor.partner is None or not actor.partner.is_customs_authority:
            raise ApplicationError("Say which customs authority decides.", field="authority")
        authority = actor.partner
    else:
        authority = Partner.objects.filter(slug=authority_slug).first()
        if authority is None or not authority.is_customs_authority:
            raise ApplicationError(f"'{authority_slug}' is not a customs authority.", field="authority")
        require(
            actor, **SEE_VERDICTS, owner=authority, visible=True, field="authority", to=gettext_noop("see its verdicts")
        )
    verdict = chain_verdict(consignment=consignment, authority=authority, as_of=as_of)
    return {"consignment": str(consignment.pk), "reference": consignment.reference, **verdict.to_dict()}


def open_consignments_touched(*, holder_ids: Iterable[Any] = (), mra_id: Any = None) -> list[Any]:
    """Open consignments a certificate (by its holder) or an MRA change may re-decide."""
    open_rows = Consignment.objects.filter(status__in=OPEN_STATUSES)
    if mra_id is not None:
        return list(open_rows.values_list("pk", flat=True).order_by("pk"))
    holder_ids = list(holder_ids)
    by_party = open_rows.filter(parties__partner_id__in=holder_ids).values_list("pk", flat=True)
    by_step = open_rows.filter(event_links__event__recorder_id__in=holder_ids).values_list("pk", flat=True)
    return sorted(set(by_party) | set(by_step))


# ------------------------------------------------------------------------------------- customs review


def consignment_customs_decisions(*, actor: Actor, consignment: Consignment) -> list[dict[str, Any]] | None:
    """Customs review decisions on the consignment as status only, newest first; None where the rule hides them.

    Status only: the decision, the deciding authority and when. The officer, the reason and the evaluation
    stay with the authority (its review pages and API). Who is told is the consignment's disclosure rule.
    """
    if shipments.CUSTOMS_DECISIONS not in shipments.consignment_disclosure(actor=actor, consignment=consignment):
        return None
    rows = (
        ReviewDecision.objects.visible_to(actor)
        .filter(consignment=consignment)
        .select_related("authority")
        .order_by("-created_at", "-id")
    )
    return [
        {
            "decision": row.decision,
            "authority": row.authority.slug,
            "authority_name": row.authority.name,
            "decided_at": row.created_at,
        }
        for row in rows
    ]


def review_decision_shows_details(*, actor: Actor, decision: ReviewDecision) -> bool:
    """Whether the actor sees a decision's reason, evaluation and officer, or its status only.

    The deciding authority (and staff) see everything; the consignee and customs broker are told
    the decision, not the risk assessment behind it.
    """
    return actor.is_staff or (actor.partner is not None and decision.authority_id == actor.partner.pk)


def chain_verification_summary(*, consignment: Consignment, entries: Sequence[Any] | None = None) -> dict[str, Any]:
    """Every step credential of the consignment's chain verified: ``{verified, steps, failures}``.

    A chain with no credentials is not verified: there is nothing that vouches for its steps.
    ``entries`` is the chain when the caller has read it (``credentials.consignment_chain``).
    """
    if entries is None:
        entries = credentials.consignment_chain(consignment=consignment)
    failures = []
    outcomes = verification.chain_entries_verify(entries)
    for entry, outcome in zip(entries, outcomes, strict=True):
        if not outcome.verified:
            failures.append(
                {
                    "position": entry.position,
                    "credential": credential_url(entry.credential_id),
                    "issuer": entry.credential.issuer.slug,
                    "errors": [{"check": e["check"], "detail": e.get("detail", "")} for e in outcome.errors],
                }
            )
    return {"verified": bool(entries) and not failures, "steps": len(entries), "failures": failures}


# ------------------------------------------------------------------------------------- AEO credentials


def aeo_credential_for(*, actor: Actor, certificate: AeoCertificate) -> Credential:
    """The certificate's current AEO credential, for its holder (to present) and its issuing authority.

    An invisible certificate answers 404; other customs authorities see the register but not the
    credential (403: the holder presents it); a certificate with no credential yet answers 404.
    """
    if not AeoCertificate.objects.visible_to(actor).filter(pk=certificate.pk).exists():
        raise NotFoundError("No such AEO certificate.")
    party = actor.partner is not None and actor.partner.pk in (certificate.holder_id, certificate.authority_id)
    if not (actor.is_staff or party):
        raise PermissionDeniedError(
            "Only the holder and the issuing authority receive the AEO credential; ask the holder to present it."
        )
    credential = Credential.objects.filter(pk=certificate.credential_id).first() if certificate.credential_id else None
    if credential is None:
        raise NotFoundError(f"Certificate {certificate.number} has no credential yet: one is issued while it is valid.")
    return credential


# --------------------------------------------------------------------------------- customs review queue

REVIEW_QUEUE_PAGE_SIZE = 25
OUTCOME_LABELS = {
    trust.Outcome.TRUSTED_OWN_AEO: _("Trusted (own AEO)"),
    trust.Outcome.TRUSTED_MRA: _("Trusted through an MRA"),
    trust.Outcome.NOT_RECOGNISED: _("AEO not covered by an MRA in force"),
    trust.Outcome.SUSPENDED_OR_REVOKED: _("AEO suspended or revoked"),
    trust.Outcome.EXPIRED: _("AEO expired"),
    trust.Outcome.NO_CERTIFICATE: _("No AEO certificate"),
}


def review_queue(*, actor: Actor, authority: Partner) -> QuerySet[Consignment]:
    """Open consignments arriving in or transiting the authority's country, among those the actor sees.

    Arriving: the destination is in the country; transiting: a leg ends there (a port of call or
    transhipment). A consignment only leaving the country (export) is not in the queue.
    """
    country = authority.serves_country
    if not country:
        return Consignment.objects.none()
    return (
        Consignment.objects.visible_to(actor)
        .touching_country(country, places=("destination",))
        .filter(status__in=OPEN_STATUSES)
        # The planned arrival at the end of the route: the last leg's.
        .annotate(
            planned_arrival=Subquery(
                Leg.objects.filter(consignment=OuterRef("pk")).order_by("-sequence").values("planned_arrival")[:1]
            )
        )
        .prefetch_related(Prefetch("legs", queryset=Leg.objects.order_by("sequence")))
        .order_by("-created_at", "-id")
    )


def chain_states(consignment_ids: Sequence[Any]) -> dict[Any, dict[str, int]]:
    """The stored state of each consignment's credential chain: steps, revoked, suspended (one query).

    Cheap enough for a list; verifying every proof is for one consignment (``chain_verification_summary``).
    """
    rows = (
        ChainEntry.objects.filter(consignment_id__in=consignment_ids)
        .values("consignment_id")
        .annotate(
            steps=Count("id"),
            revoked=Count("id", filter=Q(credential__revoked_at__isnull=False)),
            suspended=Count("id", filter=Q(credential__suspended=True)),
        )
    )
    states = {pk: {"steps": 0, "revoked": 0, "suspended": 0} for pk in consignment_ids}
    for row in rows:
        states[row["consignment_id"]] = {k: row[k] for k in ("steps", "revoked", "suspended")}
    return states


def _route(consignment: Consignment) -> list[str]:
    stops = [consignment.origin]
    for leg in consignment.legs.all():
        stops += [code for code in (leg.origin, leg.destination) if code and code != stops[-1]]
    if stops[-1] != consignment.destination:
        stops.append(consignment.destination)
    return stops


def review_queue_rows(
    *, actor: Actor, authority: Partner, consignments: Sequence[Consignment], as_of: date
) -> list[dict[str, Any]]:
    """One queue row per consignment: verdict, chain state, open alerts, latest decision.

    The verdict is the stored evaluation when there is one (re-evaluation keeps it current), else it is
    judged here for ``as_of``; all consignments of a page together, so the queries do not grow with rows.
    """
    ids = [c.pk for c in consignments]
    stored = {
        e.consignment_id: e
        for e in TrustEvaluation.objects.filter(authority=authority, consignment_id__in=ids).only(
            "consignment_id", "status", "share_trusted", "as_of"
        )
    }
    missing = [pk for pk in ids if pk not in stored]
    computed: dict[Any, trust.ChainVerdict] = {}
    if missing:
        parties = chain_parties(missing)
        registry = registry_for([p for chain in parties.values() for p in chain])
        for pk in missing:
            computed[pk] = trust.chain_evaluate(
                parties=parties.get(pk, []),
                certificates=registry.certificates,
                mras=registry.mras,
                deciding_authority=authority.slug,
                as_of=as_of,
            )
    alerts = dict(
        Alert.objects.visible_to(actor)
        .open()
        .filter(consignment_id__in=ids)
        .values("consignment_id")
        .annotate(n=Count("id"))
        .values_list("consignment_id", "n")
    )
    latest: dict[Any, ReviewDecision] = {}
    decisions = ReviewDecision.objects.visible_to(actor).filter(authority=authority, consignment_id__in=ids)
    for decision in decisions.order_by("-created_at", "-id"):
        latest.setdefault(decision.consignment_id, decision)
    chains = chain_states(ids)
    statuses = dict(ConsignmentStatus.choices)  # get_status_display would rebuild this dict for every row
    rows = []
    for consignment in consignments:
        evaluation = stored.get(consignment.pk)
        if evaluation is not None:
            verdict = {
                "status": evaluation.status,
                "label": evaluation.get_status_display(),
                "share_trusted": evaluation.share_trusted,
                "as_of": evaluation.as_of,
                "stored": True,
            }
        else:
            judged = computed[consignment.pk]
            verdict = {
                "status": str(judged.verdict),
                "label": ChainStatus(judged.verdict).label,
                "share_trusted": judged.share_trusted,
                "as_of": as_of,
                "stored": False,
            }
        rows.append(
            {
                "consignment": consignment,
                "status_label": statuses.get(consignment.status, consignment.status),
                "route": _route(consignment),
                "verdict": verdict,
                "chain": chains[consignment.pk],
                "open_alerts": alerts.get(consignment.pk, 0),
                "latest_decision": latest.get(consignment.pk),
            }
        )
    return rows


def _name_parties(evaluation: dict[str, Any], *, authority: Partner) -> None:
    """People's words on the review page: partner names for the slugs in the parties, their certificates'
    authorities and their reasons; each certificate and MRA with the page it links to."""
    certificates = [p["certificate"] for p in evaluation["parties"] if p["certificate"]]
    slugs = {p["partner"] for p in (*evaluation["parties"], *evaluation["not_judged"])}
    slugs |= {c["authority"] for c in certificates} | {authority.slug}
    names = dict(Partner.objects.filter(slug__in=slugs).values_list("slug", "name"))
    pks = {
        (number, slug): pk
        for number, slug, pk in AeoCertificate.objects.filter(
            number__in={c["number"] for c in certificates}, authority__slug__in={c["authority"] for c in certificates}
        ).values_list("number", "authority__slug", "pk")
    }
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w-])"
    )

    def named(text: str) -> str:
        if text in CertificateType.values:
            return certificate_type_label(text)  # a reason's argument is a whole code, name or date
        return pattern.sub(lambda match: names[match.group(1)], text) if names else text

    role_labels = {**dict(PartyRole.choices), "step_recorder": _("step recorder")}
    for party in (*evaluation["parties"], *evaluation["not_judged"]):
        party["name"] = names.get(party["partner"], party["partner"])
    for party in evaluation["not_judged"]:
        party["role_label"] = role_labels.get(party["role"], party["role"])
    for party in evaluation["parties"]:
        party["outcome_label"] = OUTCOME_LABELS.get(party["outcome"], party["outcome"])
        party["roles_label"] = ", ".join(str(role_labels.get(role, role.replace("_", " "))) for role in party["roles"])
        reason = party["reason"]
        # In the page's language, each partner named; the evaluation itself keeps the English sentence.
        party["reason"] = reason.render(gettext, named) if isinstance(reason, trust.Reason) else named(reason)
        if certificate := party["certificate"]:
            certificate["authority_name"] = names.get(certificate["authority"], certificate["authority"])
            certificate["pk"] = pks.get((certificate["number"], certificate["authority"]))
            # A WCO type is a code with a label; a programme's own tier (AEOS, Tier III) is said as it is.
            certificate["type_label"] = certificate_type_label(certificate["type"])
        if status := party["status"]:
            status["status_label"] = dict(CertificateStatus.choices).get(status["status"], status["status"])
            status["reason"] = status_reason(status["reason"])


def status_reason(reason: str) -> str:
    """A status change's reason in the reader's words when the platform recorded it; a person's as written."""
    return gettext(reason) if reason in SYSTEM_STATUS_REASONS else reason


def certificate_type_label(certificate_type: str) -> str:
    """A certificate's type in the reader's words: a WCO type's label; a programme's own tier as it is."""
    if certificate_type in CertificateType.values:
        return str(CertificateType(certificate_type).label)
    return certificate_type


def _step_label(entry: ChainEntry) -> Any:
    """The step a chain entry's credential attests, in words (its code on hover); None when it names no event."""
    event = entry.credential.event
    if event is None:
        return None
    return step_label(biz_step=event.biz_step, event_code=event.event_code, event_type=event.event_type)


def review_detail(*, actor: Actor, authority: Partner, consignment: Consignment, as_of: date) -> dict[str, Any]:
    """What an officer reviews on one consignment: the verdict with reasons, the verified chain, alerts, decisions."""
    evaluation = chain_verdict(consignment=consignment, authority=authority, as_of=as_of).to_dict()
    entries = credentials.consignment_chain(consignment=consignment)
    chain = chain_verification_summary(consignment=consignment, entries=entries)
    failures = {failure["position"]: failure["errors"] for failure in chain["failures"]}
    steps = [
        {
            "entry": entry,
            "verified": entry.position not in failures,
            "errors": failures.get(entry.position, []),
            "label": _step_label(entry),
        }
        for entry in entries
    ]
    decisions = list(
        ReviewDecision.objects.visible_to(actor)
        .filter(consignment=consignment)
        .select_related("authority", "officer")
        .order_by("-created_at", "-id")
    )
    _name_parties(evaluation, authority=authority)
    verdict_labels = dict(ChainStatus.choices)
    for decision in decisions:
        decision.verdict_label = verdict_labels.get(decision.evaluation.get("verdict"), _("unknown verdict"))
    evaluation["verdict_label"] = ChainStatus(evaluation["verdict"]).label
    return {
        "consignment": consignment,
        "route": _route(consignment),
        "evaluation": evaluation,
        "chain": chain,
        "steps": steps,
        "alerts": list(
            Alert.objects.visible_to(actor).open().filter(consignment=consignment).select_related("consignment")
        ),
        "decisions": decisions,
        "disclosure": shipments.consignment_disclosure(actor=actor, consignment=consignment),
    }
