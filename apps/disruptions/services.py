"""Writes of alerts: raised once while open, refreshed while found again, resolved by people or when the
condition clears; every write is audited and announced to the partner's webhooks.

Two ways in:

- ``alerts_sync`` for watchers that re-check conditions (the corridor scan): it takes what a check found
  (``Finding`` rows, per partner) and what it checked, and brings the open alerts in line, in bulk;
- ``alert_raise`` and ``trust_change_alerts_raise`` for things that happen once (a certificate about to
  expire, a verdict that changed), which stay open until a person resolves them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.db import bulk_insert_new_values, bulk_update_values
from apps.core.errors import ConflictError
from apps.core.services import audit_record, audit_record_many
from apps.core.words import Text, text_data
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertState, AlertSubject, WebhookMessageType
from apps.disruptions.models import Alert
from apps.disruptions.webhooks import services as webhooks
from apps.partners.access import Actor, require, system_actor
from apps.partners.choices import MemberRole
from apps.partners.models import Partner

# Rows per IN (...) list: well under SQLite's limit on query parameters, large enough to keep queries few.
CHUNK = 2000


def dedupe_key_for(subject_type: str, subject_id: str, rule: str = "") -> str:
    """The default name of a finding: its subject, and its rule when the kind has several."""
    key = f"{subject_type}:{subject_id}"
    return f"{key}:{rule}" if rule else key


@dataclass(frozen=True)
class Finding:
    """What a check found about one subject, to be raised (or kept open) as an alert for a partner.

    ``title`` is in words a person reads (no raw codes). ``evidence`` is what a person can check:
    ``{"summary": str, "events": [{"event_id": <as the recorder sent it>, "recorder": <partner slug>,
    "event_time": iso, "place": locode}], "thresholds": {...}, "baseline": {...}, ...}``.
    ``corridor_id`` is the corridor's slug, kept on the alert for filtering.
    """

    kind: str
    subject_type: str
    subject_id: str
    title: str
    evidence: dict
    rule: str = ""
    severity: str = AlertSeverity.WARNING
    consignment_id: str | None = None
    corridor_id: str | None = None
    # False: the raiser's presenter says the title and summary again from the evidence (a notice's alerts, raised
    # by the ten thousand, would otherwise store the same words for each).
    worded: bool = True

    @property
    def dedupe_key(self) -> str:
        return dedupe_key_for(self.subject_type, self.subject_id, self.rule)

    @cached_property
    def wording(self) -> dict[str, Any]:
        # Cached: one finding is raised for every partner who may see it (a notice: tens of thousands).
        """The title and evidence texts that are :class:`~apps.core.words.Text`, as ``Alert.wording`` keeps them."""
        return alert_wording(self.title, self.evidence) if self.worded else {}


def _evidence_texts(value: Mapping[str, Any] | Sequence[Any], path: str, found: dict[str, Any]) -> None:
    # Only containers are descended into: a notice's evidence is walked once per touched consignment.
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            if isinstance(item, Text):
                found[f"{path}{key}"] = text_data(item)
        elif isinstance(item, Mapping | list | tuple):
            _evidence_texts(item, f"{path}{key}.", found)


def alert_wording(title: str, evidence: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``Alert.wording``: the title and each evidence text (by its dotted path, ``summary``, ``expected.what``)
    that is a :class:`~apps.core.words.Text`, so a page says them in its reader's language."""
    wording: dict[str, Any] = {}
    if isinstance(title, Text):
        wording["title"] = text_data(title)
    texts: dict[str, Any] = {}
    _evidence_texts(evidence or {}, "", texts)
    if texts:
        wording["evidence"] = texts
    return wording


@dataclass
class SyncResult:
    """What one ``alerts_sync`` did, as counts per alert kind; results of several batches add up with ``+``."""

    raised: Counter[str] = field(default_factory=Counter)
    refreshed: Counter[str] = field(default_factory=Counter)
    resolved: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: SyncResult) -> SyncResult:
        return SyncResult(
            raised=self.raised + other.raised,
            refreshed=self.refreshed + other.refreshed,
            resolved=self.resolved + other.resolved,
        )


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# The enums' ``values`` are computed anew on each access: read once (a busy notice checks 10^4-10^5 findings).
_KINDS, _SUBJECTS, _SEVERITIES = (
    frozenset(AlertKind.values),
    frozenset(AlertSubject.values),
    frozenset(AlertSeverity.values),
)


def _finding_check(finding: Finding) -> None:
    # A caller's mistake, not a user's input: fail loudly before anything is written.
    if finding.kind not in _KINDS:
        raise ValueError(f"unknown alert kind {finding.kind!r}")
    if finding.subject_type not in _SUBJECTS:
        raise ValueError(f"unknown alert subject type {finding.subject_type!r}")
    if finding.severity not in _SEVERITIES:
        raise ValueError(f"unknown alert severity {finding.severity!r}")


def alerts_sync(
    *,
    findings_by_partner: Mapping[Any, Iterable[Finding]],
    checked: Iterable[tuple[str, str, str]],
    as_of: datetime,
    checked_rules: Iterable[tuple[str, str]] = (),
) -> SyncResult:
    """Bring open alerts in line with one batch of checks, judged as of ``as_of``.

    - A finding with no open alert of its partner, kind and key raises one (``first_seen_at = as_of``).
    - A finding with an open alert refreshes it: ``last_seen_at``, title, evidence and severity.
    - An open alert whose (kind, subject type, subject id) is in ``checked`` and was not found again is
      resolved automatically (``resolved_by`` empty, ``resolved_at = as_of``); so is every open alert of a
      (kind, rule) pair in ``checked_rules`` not found again, whatever its subject (a watcher that re-checks
      everything one rule covers, such as an external notice, names the rule instead of every subject).

    Idempotent: the same call again changes nothing (not even ``last_seen_at``, which only moves forward;
    an alert last seen after ``as_of`` is neither refreshed nor resolved by an older judgement). The
    number of queries depends on the batch's size only through ``CHUNK``-sized IN lists. One audit
    record per partner whose alerts were raised or resolved; subscribed webhooks get each change.
    """
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be timezone-aware")
    wanted: dict[tuple[Any, str, str], Finding] = {}
    keys: dict[int, str] = {}  # one finding is often shared by several partners: checked and named once
    for partner_id, findings in findings_by_partner.items():
        # Ids as the database returns them (UUIDs), whether the caller passed UUIDs or strings.
        partner_pk = Partner._meta.pk.to_python(partner_id)
        for finding in findings:
            key = keys.get(id(finding))
            if key is None:
                _finding_check(finding)
                key = keys[id(finding)] = finding.dedupe_key
            wanted[(partner_pk, finding.kind, key)] = finding
    checked_subjects = set(checked)
    rules = set(checked_rules)
    # A finding of a checked rule can only match an open alert of that rule (the rule is in its key), and those
    # are all read by rule below: only the other findings and the checked subjects are looked up by subject.
    by_subject = [f for f in wanted.values() if (f.kind, f.rule) not in rules]
    subject_ids = sorted({f.subject_id for f in by_subject} | {subject for _, _, subject in checked_subjects})
    kinds = {f.kind for f in by_subject} | {kind for kind, _, _ in checked_subjects}
    result = SyncResult()
    if not subject_ids and not rules:
        return result

    with transaction.atomic():
        open_alerts: dict[tuple[Any, str, str], _Open] = {}
        for chunk in _chunks(subject_ids):
            for row in Alert.objects.open().filter(kind__in=kinds, subject_id__in=chunk).values_list(*_Open._fields):
                alert = _Open(*row)
                open_alerts[(alert.partner_id, alert.kind, alert.dedupe_key)] = alert
        for kind, rule in rules:
            for row in Alert.objects.open().filter(kind=kind, rule=rule).values_list(*_Open._fields):
                alert = _Open(*row)
                open_alerts.setdefault((alert.partner_id, alert.kind, alert.dedupe_key), alert)

        raised = _raise_new(
            [(key[0], finding) for key, finding in wanted.items() if key not in open_alerts], as_of=as_of
        )
        result.raised.update(alert.kind for alert in raised)

        found_again = [(open_alerts[key], finding) for key, finding in wanted.items() if key in open_alerts]
        _refresh(found_again, as_of=as_of)
        result.refreshed.update(alert.kind for alert, _ in found_again)

        cleared = [
            alert
            for key, alert in open_alerts.items()
            if key not in wanted
            and (
                (alert.kind, alert.subject_type, alert.subject_id) in checked_subjects
                or (alert.kind, alert.rule) in rules
            )
            and alert.last_seen_at <= as_of
        ]
        resolved = _resolve_cleared(cleared, as_of=as_of)
        result.resolved.update(alert.kind for alert in resolved)

        _audit_sync(raised=raised, resolved=resolved)
        webhooks.alert_messages_record(alerts=raised, message_type=WebhookMessageType.ALERT_RAISED)
        webhooks.alert_messages_record(alerts=resolved, message_type=WebhookMessageType.ALERT_RESOLVED)
    return result


class _Open(NamedTuple):
    """What a sync needs of an open alert (read as values: 10^4-10^5 of them for a busy notice)."""

    pk: Any
    partner_id: Any
    kind: str
    dedupe_key: str
    subject_type: str
    subject_id: str
    rule: str
    last_seen_at: datetime


class _Raised(NamedTuple):
    """What the audit and the webhooks need of a raised alert (no model instance: 10^4-10^5 of them at once)."""

    pk: Any
    partner_id: Any
    kind: str


def _raise_new(fresh: list[tuple[Any, Finding]], *, as_of: datetime) -> list[_Raised]:
    now = timezone.now()
    rows = [
        _alert_values(
            partner_id=partner_id,
            kind=finding.kind,
            severity=finding.severity,
            subject_type=finding.subject_type,
            subject_id=finding.subject_id,
            rule=finding.rule,
            consignment_id=finding.consignment_id,
            corridor=finding.corridor_id or "",
            title=finding.title[:300],
            evidence=finding.evidence,
            wording=finding.wording,
            dedupe_key=finding.dedupe_key,
            first_seen_at=as_of,
            last_seen_at=as_of,
            created_at=now,
            updated_at=now,
        )
        for partner_id, finding in fresh
    ]
    # A concurrent batch may raise the same finding between the read and the insert: the partial unique
    # constraint keeps one open alert, and only the rows that really landed count. COPY on PostgreSQL: a
    # notice for a busy port raises tens of thousands at once, where bulk_create's quoting dominated.
    landed = bulk_insert_new_values(Alert, _ALERT_FIELDS, rows)
    return [_Raised(row[0], row[_PARTNER], row[_KIND]) for row in rows if row[0] in landed]


_ALERT_DEFAULTS = {
    "state": AlertState.OPEN,
    "acknowledged_at": None,
    "acknowledged_by": None,
    "resolved_at": None,
    "resolved_by": None,
}


_ALERT_FIELDS = tuple(field.attname for field in Alert._meta.concrete_fields)
_PARTNER, _KIND = _ALERT_FIELDS.index("partner_id"), _ALERT_FIELDS.index("kind")


def _alert_values(**values: Any) -> tuple[Any, ...]:
    """An open alert's field values in ``_ALERT_FIELDS`` order, the id first (a new one; the rest as given)."""
    values = {"id": uuid.uuid4(), **_ALERT_DEFAULTS, **values}
    return tuple(values[name] for name in _ALERT_FIELDS)


def _refresh(found_again: list[tuple[_Open, Finding]], *, as_of: datetime) -> None:
    # Each row is rewritten anyway to move ``last_seen_at`` on, so its content is written with it, unread:
    # reading and comparing 10^4 evidence documents cost more than writing them.
    rows = [
        (alert.pk, finding.title[:300], finding.evidence, finding.wording, finding.severity)
        for alert, finding in found_again
        if alert.last_seen_at < as_of
    ]
    bulk_update_values(
        Alert,
        ("id", "title", "evidence", "wording", "severity"),
        rows,
        also={"last_seen_at": as_of, "updated_at": timezone.now()},
    )


def _resolve_cleared(cleared: list[_Open], *, as_of: datetime) -> list[_Open]:
    now = timezone.now()
    resolved: list[_Open] = []
    for chunk in _chunks(cleared):
        pks = [alert.pk for alert in chunk]
        # Compare-and-set: a person who resolved one meanwhile keeps the resolution (and its author).
        candidates = Alert.objects.open().filter(pk__in=pks, last_seen_at__lte=as_of)
        updated = candidates.update(state=AlertState.RESOLVED, resolved_at=as_of, resolved_by=None, updated_at=now)
        if updated == len(pks):
            done = set(pks)
        else:
            done = set(
                Alert.objects.filter(
                    pk__in=pks, state=AlertState.RESOLVED, resolved_at=as_of, resolved_by__isnull=True
                ).values_list("pk", flat=True)
            )
        resolved.extend(alert for alert in chunk if alert.pk in done)
    return resolved


def _audit_sync(*, raised: Sequence[Any], resolved: Sequence[Any]) -> None:
    by_partner: dict[Any, dict[str, list[Any]]] = {}
    for name, alerts in (("raised", raised), ("resolved", resolved)):
        for alert in alerts:
            by_partner.setdefault(alert.partner_id, {"raised": [], "resolved": []})[name].append(alert)
    if not by_partner:
        return
    partners = Partner.objects.in_bulk(list(by_partner))
    records = []
    for partner_id, changes in by_partner.items():
        raised_here, resolved_here = changes["raised"], changes["resolved"]
        records.append(
            {
                "partner": partners[partner_id],
                "object_type": Alert._meta.label_lower,
                "object_id": str((raised_here or resolved_here)[0].pk),
                "object_repr": _sync_said(len(raised_here), len(resolved_here)),
                "changes": {
                    "raised": dict(Counter(alert.kind for alert in raised_here)),
                    "resolved": dict(Counter(alert.kind for alert in resolved_here)),
                    # The first hundred of each, so a record stays small whatever the batch.
                    "raised_alerts": [str(alert.pk) for alert in raised_here[:100]],
                    "resolved_alerts": [str(alert.pk) for alert in resolved_here[:100]],
                },
            }
        )
    audit_record_many(actor=system_actor(Text(gettext_noop("alerts sync"))), action="alert.sync", records=records)


def _sync_said(raised: int, resolved: int) -> Text:
    if raised == 1:
        return Text(gettext_noop("1 alert raised, %(resolved)s resolved"), resolved=resolved)
    return Text(gettext_noop("%(raised)s alerts raised, %(resolved)s resolved"), raised=raised, resolved=resolved)


def alert_raise(
    *,
    partner: Partner,
    kind: str,
    title: str,
    subject_type: str,
    subject_id: str,
    evidence: Mapping[str, Any] | None = None,
    rule: str = "",
    severity: str = AlertSeverity.WARNING,
    consignment_id: Any = None,
    dedupe_key: str | None = None,
) -> tuple[Alert, bool]:
    """Raise a finding for a partner once while it is open: a second call with the same key returns the first alert.

    ``dedupe_key`` defaults to the subject and rule; a caller that warns more than once about one subject
    (a certificate 90, 30 and 7 days ahead) names each warning.
    """
    key = dedupe_key or dedupe_key_for(subject_type, subject_id, rule)
    with transaction.atomic():
        alert, created = Alert.objects.open().get_or_create(
            partner=partner,
            kind=kind,
            dedupe_key=key,
            defaults={
                "title": title[:300],
                "subject_type": subject_type,
                "subject_id": subject_id,
                "rule": rule,
                "evidence": dict(evidence or {}),
                "wording": alert_wording(title, evidence),
                "severity": severity,
                "consignment_id": consignment_id,
            },
        )
        if created:
            audit_record(
                actor=system_actor(Text(gettext_noop("alert %(kind)s"), kind=kind)),
                action="alert.raise",
                target=alert,
                partner=partner,
            )
            webhooks.alert_messages_record(alerts=[alert], message_type=WebhookMessageType.ALERT_RAISED)
    return alert, created


_SEVERITY_BY_VERDICT = {"fully_trusted": AlertSeverity.INFO, "partially_trusted": AlertSeverity.WARNING}


def trust_change_alerts_raise(*, changes: Iterable[Mapping[str, Any]]) -> int:
    """One alert per changed chain verdict, keyed on the consignment and the new evaluation.

    Each change: ``partner``, ``consignment_id``, ``before``/``after`` (verdict codes, kept in the evidence),
    ``before_label``/``after_label`` (the verdicts in words, for the title; the codes if absent), ``evaluation``.

    Raised in bulk, because one MRA change can re-decide thousands of consignments: a fixed number of
    queries whatever the number of changes, and one audit record per partner alerted (as event batches
    are audited), listing the alerts it received. A change is raised once, even after it was resolved.
    """
    wanted: dict[tuple[Any, str], Alert] = {}
    for change in changes:
        evaluation = change["evaluation"]
        key = f"trust:{change['consignment_id']}:{change['before']}>{change['after']}:{evaluation['as_of']}"
        wanted[(change["partner"].pk, key)] = Alert(
            partner=change["partner"],
            kind=AlertKind.TRUST_CHANGE,
            # Titles are read by people (the API's and webhooks' too): the verdicts in words when the raiser
            # gives them, the codes stay in the evidence.
            title=f"Trust verdict changed from {change.get('before_label', change['before'])} "
            f"to {change.get('after_label', change['after'])}",
            subject_type=AlertSubject.CONSIGNMENT,
            subject_id=str(change["consignment_id"]),
            dedupe_key=key,
            evidence={"before": change["before"], "after": change["after"], "evaluation": evaluation},
            severity=_SEVERITY_BY_VERDICT.get(change["after"], AlertSeverity.CRITICAL),
            consignment_id=change["consignment_id"],
        )
    if not wanted:
        return 0
    with transaction.atomic():
        existing = set(
            Alert.objects.filter(
                partner_id__in={partner for partner, _ in wanted}, dedupe_key__in={key for _, key in wanted}
            ).values_list("partner_id", "dedupe_key")
        )
        fresh = [alert for natural_key, alert in wanted.items() if natural_key not in existing]
        # A concurrent run may insert the same finding between the read and the insert: the unique
        # constraint on open alerts keeps one, and only the rows that really landed are audited.
        Alert.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
        landed = set(Alert.objects.filter(pk__in=[a.pk for a in fresh]).values_list("pk", flat=True))
        by_partner: dict[Any, list[Alert]] = {}
        for alert in fresh:
            if alert.pk in landed:
                by_partner.setdefault(alert.partner_id, []).append(alert)
        audit_record_many(
            actor=system_actor(Text(gettext_noop("alert %(kind)s"), kind=AlertKind.TRUST_CHANGE.value)),
            action="alert.raise",
            records=[
                {
                    "partner": raised[0].partner,
                    "object_type": Alert._meta.label_lower,
                    "object_id": str(raised[0].pk),
                    "object_repr": Text(gettext_noop("1 trust alert"))
                    if len(raised) == 1
                    else Text(gettext_noop("%(count)s trust alerts"), count=len(raised)),
                    "changes": {
                        "kind": AlertKind.TRUST_CHANGE,
                        "count": len(raised),
                        "alerts": [str(a.pk) for a in raised],
                    },
                }
                for raised in by_partner.values()
            ],
        )
        webhooks.alert_messages_record(
            alerts=[alert for raised in by_partner.values() for alert in raised],
            message_type=WebhookMessageType.ALERT_RAISED,
        )
    return len(landed)


def alert_state_set(*, actor: Actor, alert: Alert, state: str) -> Alert:
    """Acknowledge an open alert, or resolve an open or acknowledged one, saying who and when.

    Compare-and-set, so two officers cannot both acknowledge or both resolve it: the second is told
    who did (409). Resolving is final.
    """
    require(
        actor,
        role=MemberRole.OPERATOR,
        owner=alert.partner,
        write=True,
        to=gettext_noop("acknowledge or resolve alerts"),
    )
    now = timezone.now()
    if state == AlertState.ACKNOWLEDGED:
        allowed = Q(state=AlertState.OPEN)
        changes = {"state": state, "acknowledged_at": now, "acknowledged_by": actor.label}
    elif state == AlertState.RESOLVED:
        allowed = ~Q(state=AlertState.RESOLVED)
        changes = {"state": state, "resolved_at": now, "resolved_by": actor.label}
    else:
        raise ValueError(f"an alert is set to acknowledged or resolved, not {state!r}")
    with transaction.atomic():
        if not Alert.objects.filter(allowed, pk=alert.pk).update(**changes, updated_at=now):
            alert.refresh_from_db()
            if alert.state == AlertState.RESOLVED:
                when = f"{alert.resolved_at:%Y-%m-%d %H:%M}"
                if alert.resolved_by:
                    text = _("This alert was already resolved by %(who)s at %(when)s UTC.")
                else:
                    text = _("This alert was already resolved automatically, its condition cleared, at %(when)s UTC.")
                raise ConflictError(text % {"who": alert.resolved_by, "when": when}, field="state")
            raise ConflictError(
                _("This alert was already acknowledged by %(who)s at %(when)s UTC.")
                % {"who": alert.acknowledged_by, "when": f"{alert.acknowledged_at:%Y-%m-%d %H:%M}"},
                field="state",
            )
        audit_record(actor=actor, action=f"alert.{state}", target=alert, partner=alert.partner)
        alert.refresh_from_db()
        if state == AlertState.RESOLVED:
            webhooks.alert_messages_record(alerts=[alert], message_type=WebhookMessageType.ALERT_RESOLVED)
    return alert
