"""Re-evaluating trust: the ledger of requested re-evaluations, and re-judging consignments.

A change that may alter verdicts (a certificate, an MRA, a chain that grew) records a request in the
ledger inside its own transaction and announces it (``TrustRecheckRequested``); compliance's
subscriber enqueues the work after commit. The task claims the request's key, so one worker at a
time runs it, clears the entries it covered, and a sweep re-enqueues the ones a lost message or a
dead worker left behind (DESIGN §10: the database is the ledger, the broker a doorbell).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from apps.compliance import selectors, trust
from apps.compliance.alerts import verdict_words
from apps.compliance.models import TrustEvaluation, TrustRecheck
from apps.core import work
from apps.core.domain_events import DomainEvent, publish
from apps.disruptions import services as alerts


@dataclass(frozen=True)
class TrustRecheckRequested(DomainEvent):
    """A re-evaluation is in the ledger; ``params`` are the keyword arguments of ``tasks.trust_reevaluate``.

    Compliance's own doorbell: its subscriber enqueues the task once the request commits (the
    services do not import the tasks, which import them).
    """

    params: dict[str, Any]


def _english(words: Any, value: str) -> str:
    """``words(value)`` in English: stored titles are, whatever language the request that caused them spoke."""
    with translation.override("en"):
        return str(words(value))


def trust_recheck_key(
    *,
    holder_ids: Iterable[str] | None = None,
    mra_id: str | None = None,
    as_of: str | None = None,
    authority_ids: Iterable[str] | None = None,
    consignment_ids: Iterable[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The ledger key and canonical parameters of one re-evaluation request (the task computes the same)."""
    params: dict[str, Any] = {
        "holder_ids": sorted(holder_ids) if holder_ids is not None else None,
        "mra_id": mra_id,
        "as_of": as_of,
        "authority_ids": sorted(authority_ids) if authority_ids is not None else None,
    }
    if consignment_ids is not None:
        # Only when given: the keys of the other kinds of request stay what they were.
        params["consignment_ids"] = sorted(consignment_ids)
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(), params


def trust_recheck_request(**given: Any) -> None:
    """Record a re-evaluation in the ledger (inside the caller's transaction); it is enqueued after commit."""
    key, params = trust_recheck_key(**given)
    TrustRecheck.objects.create(key=key, params=params, requested_at=timezone.now())
    publish(TrustRecheckRequested(params=given))


def trust_recheck_chains(*, consignment_ids: Sequence[str]) -> None:
    """Ask to re-judge consignments whose chains may have new parties (new steps, changed parties).

    Only when one of them has a stored verdict: the others have nothing that can be stale (the review
    queue judges them when shown), so recording events for them costs one indexed query, no request.
    """
    if consignment_ids and TrustEvaluation.objects.filter(consignment_id__in=consignment_ids).exists():
        trust_recheck_request(consignment_ids=list(consignment_ids))


@contextmanager
def trust_recheck_claimed(*, key: str) -> Iterator[bool]:
    """Hold the re-evaluation ``key`` for this worker while the block runs; yields False if another runs it.

    The claim is taken on the key's oldest pending entry, so two workers racing for one key race for
    one row and the database lets one win; while any entry of the key is held, no other worker starts.
    A key with nothing pending (a direct call, a message repeated after the work was done) has no
    entry to guard and runs: re-evaluating is idempotent.
    """
    pending = TrustRecheck.objects.filter(key=key)
    if work.held(pending, stale_after=work.claim_lifetime()).exists():
        yield False
        return
    oldest = pending.order_by("requested_at", "pk").values_list("pk", flat=True).first()
    if oldest is None:
        yield True
        return
    with work.claimed(pending, oldest, stale_after=work.claim_lifetime()) as won:
        yield won


def trust_rechecks_done(*, key: str, started: Any) -> int:
    """Clear the ledger entries a finished re-evaluation covered (those asked before it started)."""
    return TrustRecheck.objects.filter(key=key, requested_at__lte=started).delete()[0]


def trust_rechecks_overdue() -> list[dict[str, Any]]:
    """Parameters of the re-evaluations a lost message or a dead worker left pending, one per key.

    An entry waits one sweep interval for its own message; a key some worker holds is left to it.
    """
    held = work.held(TrustRecheck, stale_after=work.claim_lifetime()).values("key")
    pending = (
        work.stale(
            TrustRecheck,
            waiting_since="requested_at",
            waited=timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS),
            stale_after=work.claim_lifetime(),
        )
        .exclude(key__in=held)
        .order_by("requested_at")
    )
    overdue: dict[str, dict[str, Any]] = {}
    for key, params in pending.values_list("key", "params"):
        overdue.setdefault(key, params)
    return list(overdue.values())


def consignments_with_new_judged_parties(*, consignment_ids: Sequence[Any]) -> list[Any]:
    """Of these open consignments, those where a stored verdict was made on other partners than the chain's
    judged ones now (three queries): a partner joined, left, or records steps where it was only notified.

    A consignment never evaluated is left out (nothing stored can be stale); a new role of a partner
    already judged changes no verdict, so it is left out too.
    """
    stored: dict[Any, list[dict[str, Any]]] = {}
    rows = TrustEvaluation.objects.filter(
        consignment_id__in=list(consignment_ids), consignment__status__in=selectors.OPEN_STATUSES
    ).values_list("consignment_id", "evaluation")
    for consignment_id, evaluation in rows:
        stored.setdefault(consignment_id, []).append(evaluation)
    if not stored:
        return []
    current = selectors.chain_parties(list(stored))
    changed = []
    for consignment_id, evaluations in stored.items():
        parties = current.get(consignment_id, [])
        for evaluation in evaluations:
            judged = trust.judged_partners(parties, deciding_authority=evaluation["deciding_authority"])
            if set(judged) != {party["partner"] for party in evaluation["parties"]}:
                changed.append(consignment_id)
                break
    return sorted(changed, key=str)


def trust_reevaluate_consignments(
    *, consignment_ids: Sequence[Any], as_of: date, authority_ids: Iterable[Any] | None = None
) -> int:
    """Re-judge these consignments for every customs authority they touch; alert on each changed verdict.

    The first evaluation is recorded without an alert (there is nothing to compare with); later ones
    raise one alert per change, addressed to the deciding authority. Idempotent: an unchanged verdict
    writes nothing. Queries per call do not depend on the number of consignments.
    """
    consignment_ids = list(consignment_ids)
    if not consignment_ids:
        return 0
    wanted = {str(pk) for pk in authority_ids} if authority_ids is not None else None
    authorities = selectors.deciding_authorities(consignment_ids)
    if wanted is not None:
        # After an MRA change only its authorities decide differently: skip loading the other chains.
        consignment_ids = [pk for pk in consignment_ids if any(str(a.pk) in wanted for a in authorities.get(pk, ()))]
        if not consignment_ids:
            return 0
    parties = selectors.chain_parties(consignment_ids)
    registry = selectors.registry_for([p for chain in parties.values() for p in chain])
    previous = {
        (e.consignment_id, e.authority_id): e
        for e in TrustEvaluation.objects.filter(consignment_id__in=consignment_ids)
    }
    changed = 0
    creates: list[TrustEvaluation] = []
    updates: list[TrustEvaluation] = []
    raised: list[dict[str, Any]] = []
    for consignment_id in consignment_ids:
        for authority in authorities.get(consignment_id, []):
            if wanted is not None and str(authority.pk) not in wanted:
                continue
            verdict = trust.chain_evaluate(
                parties=parties.get(consignment_id, []),
                certificates=registry.certificates,
                mras=registry.mras,
                deciding_authority=authority.slug,
                as_of=as_of,
            )
            snapshot = verdict.to_dict()
            before = previous.get((consignment_id, authority.pk))
            if before is None:
                creates.append(
                    TrustEvaluation(
                        consignment_id=consignment_id,
                        authority=authority,
                        status=verdict.verdict,
                        share_trusted=verdict.share_trusted,
                        as_of=as_of,
                        evaluation=snapshot,
                    )
                )
                continue
            if before.evaluation.get("parties") == snapshot["parties"] and before.status == verdict.verdict:
                continue
            changed += 1
            if before.status != verdict.verdict:
                raised.append(
                    {
                        "partner": authority,
                        "consignment_id": consignment_id,
                        "before": before.status,
                        "after": str(verdict.verdict),
                        "before_label": _english(verdict_words, before.status),
                        "after_label": _english(verdict_words, verdict.verdict),
                        "evaluation": snapshot,
                    }
                )
            before.status, before.share_trusted = verdict.verdict, verdict.share_trusted
            before.as_of, before.evaluation = as_of, snapshot
            updates.append(before)
    with transaction.atomic():
        TrustEvaluation.objects.bulk_create(creates, batch_size=1000, ignore_conflicts=True)
        TrustEvaluation.objects.bulk_update(updates, ["status", "share_trusted", "as_of", "evaluation"], batch_size=500)
        alerts.trust_change_alerts_raise(changes=raised)
    return changed
