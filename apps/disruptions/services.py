"""Writes of alerts: raised once per finding (de-duplicated by key), acknowledged, resolved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.disruptions.choices import AlertKind, AlertSeverity, AlertState
from apps.disruptions.models import Alert
from apps.partners.access import Actor, system_actor
from apps.partners.models import Partner


def alert_raise(
    *,
    partner: Partner,
    kind: str,
    title: str,
    dedupe_key: str,
    details: Mapping[str, Any] | None = None,
    severity: str = AlertSeverity.WARNING,
    consignment_id: Any = None,
) -> tuple[Alert, bool]:
    """Raise a finding for a partner once: a second call with the same key returns the first alert."""
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            partner=partner,
            dedupe_key=dedupe_key,
            defaults={
                "kind": kind,
                "title": title[:300],
                "details": dict(details or {}),
                "severity": severity,
                "consignment_id": consignment_id,
            },
        )
        if created:
            audit_record(actor=system_actor(f"alert {kind}"), action="alert.raise", target=alert, partner=partner)
    return alert, created


_SEVERITY_BY_VERDICT = {"fully_trusted": AlertSeverity.INFO, "partially_trusted": AlertSeverity.WARNING}


def trust_change_alerts_raise(*, changes: Iterable[Mapping[str, Any]]) -> int:
    """One alert per changed chain verdict, keyed on the consignment and the new evaluation.

    Raised in bulk, because one MRA change can re-decide thousands of consignments: a fixed number of
    queries whatever the number of changes, and one audit record per partner alerted (as event batches
    are audited), listing the alerts it received.
    """
    wanted: dict[tuple[Any, str], Alert] = {}
    for change in changes:
        evaluation = change["evaluation"]
        key = f"trust:{change['consignment_id']}:{change['before']}>{change['after']}:{evaluation['as_of']}"
        wanted[(change["partner"].pk, key)] = Alert(
            partner=change["partner"],
            kind=AlertKind.TRUST_CHANGED,
            title=f"Trust verdict changed from {change['before']} to {change['after']}",
            dedupe_key=key,
            details={"before": change["before"], "after": change["after"], "evaluation": evaluation},
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
        # (partner, dedupe_key) constraint keeps one, and only the rows that really landed are audited.
        Alert.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
        landed = set(Alert.objects.filter(pk__in=[a.pk for a in fresh]).values_list("pk", flat=True))
        by_partner: dict[Any, list[Alert]] = {}
        for alert in fresh:
            if alert.pk in landed:
                by_partner.setdefault(alert.partner_id, []).append(alert)
        actor = system_actor(f"alert {AlertKind.TRUST_CHANGED}")
        for raised in by_partner.values():
            audit_record(
                actor=actor,
                action="alert.raise",
                partner=raised[0].partner,
                object_type=Alert._meta.label_lower,
                object_id=str(raised[0].pk),
                object_repr=f"{len(raised)} trust alert(s)",
                changes={"kind": AlertKind.TRUST_CHANGED, "count": len(raised), "alerts": [str(a.pk) for a in raised]},
            )
    return len(landed)


def alert_state_set(*, actor: Actor, alert: Alert, state: str) -> Alert:
    """Acknowledge or resolve an alert (compare-and-set, so two officers cannot both resolve it)."""
    if state not in (AlertState.ACKNOWLEDGED, AlertState.RESOLVED):
        raise ApplicationError("state must be acknowledged or resolved.", field="state")
    with transaction.atomic():
        updated = (
            Alert.objects.filter(pk=alert.pk)
            .exclude(state=AlertState.RESOLVED)
            .update(state=state, resolved_at=timezone.now() if state == AlertState.RESOLVED else None)
        )
        if not updated:
            raise ApplicationError("This alert is already resolved.", status=409, code="conflict", field="state")
        audit_record(actor=actor, action=f"alert.{state}", target=alert, partner=alert.partner)
    alert.refresh_from_db()
    return alert
