"""The corridor watch's scan (writes): consignments in transit checked in batches, findings brought in line
with the alert inbox.

A scan is a ledger (DESIGN §10): ``scan_create`` stores one ``Scan`` row and its ``ScanBatch`` rows (slices
of the consignments in transit) in one transaction, and the tasks run each batch under a claim.
``batch_run`` judges its consignments with every per-consignment detector, sends each finding to every
partner who may see the consignment (``selectors.consignment_audiences``), and calls ``alerts_sync`` with
what it checked, so a condition that cleared resolves its alert and a second run raises nothing new.
The worker that finishes the last batch (or the sweep) runs ``scan_finish``: congestion per node, over
the stays all batches reported, for the corridors' owners and members.

``consignments_check`` runs the same judgement, without a ledger row, for the consignments a new batch of
events touched (the domain events' subscriber); a lost message there is caught by the next scan.
Every "now" is the scan's ``as_of``.
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.db import bulk_upsert_values
from apps.core.words import Text, gettext_noop, joined
from apps.core.work import claim_lifetime, claimed, stale
from apps.corridors import selectors
from apps.corridors.detectors import CONSIGNMENT_DETECTORS, Stay, congestion, detect, stay_of
from apps.corridors.models import ConsignmentWatch, Corridor, Scan, ScanBatch
from apps.corridors.notices.propagation import consignments_notices_check
from apps.corridors.services import eta_inputs, eta_store
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import Finding, SyncResult, alerts_sync
from apps.shipments.models import Consignment

COUNT_NAMES = ("found", "raised", "refreshed", "resolved")


class _QueryCounter:
    """Counts the queries a block runs (an ``execute_wrapper``), for the batch's cost figures."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _counts(result: SyncResult, found: Counter[str]) -> dict[str, dict[str, int]]:
    return {
        "found": dict(found),
        "raised": dict(result.raised),
        "refreshed": dict(result.refreshed),
        "resolved": dict(result.resolved),
    }


def _add_counts(total: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    merged = {name: dict(total.get(name, {})) for name in COUNT_NAMES}
    for name, kinds in more.items():
        for kind, count in kinds.items():
            merged.setdefault(name, {})[kind] = merged.get(name, {}).get(kind, 0) + count
    return merged


# --- Judging consignments ------------------------------------------------------------------------------


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (reference counting still frees what it drops).

    A batch makes some 10^5 tuples and dicts that stay alive until it ends, and every 700 allocations started a
    collection that walked the young ones again (and, every hundred, all of them): a third of a batch's CPU
    (1,000 consignments took 0.50 s with it, 0.36 s without). Whatever cycles the block leaves are collected
    by the next automatic collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def judge(
    consignment_ids: Sequence[Any], *, as_of: datetime, refresh_eta: bool = False
) -> tuple[dict[str, dict[str, int]], list[Stay], dict]:
    """Run every per-consignment detector over the consignments at ``as_of`` and bring their alerts in line;
    with ``refresh_eta``, store their ETAs from the same reading (the scan's second duty).

    Returns (counts, the stays for congestion, the corridor slug of each stay's consignment). A fixed number
    of queries whatever the number of consignments (``selectors.watch_batch`` and ``alerts_sync``).
    """
    with _collector_paused():
        return _judge(consignment_ids, as_of=as_of, refresh_eta=refresh_eta)


def _judge(
    consignment_ids: Sequence[Any], *, as_of: datetime, refresh_eta: bool
) -> tuple[dict[str, dict[str, int]], list[Stay], dict]:
    # The ledger's clock, not the judgement's: what this reading can have seen (``ConsignmentWatch``).
    judged_at = min(as_of, timezone.now())
    batch = selectors.watch_batch(consignment_ids, as_of=as_of)
    findings_by_partner: dict[Any, list[Finding]] = defaultdict(list)
    checked: set[tuple[str, str, str]] = set()
    found: Counter[str] = Counter()
    stays: list[Stay] = []
    corridor_of: dict[str, str] = {}
    for watched in batch.watched:
        for kind in CONSIGNMENT_DETECTORS:
            checked.add((kind, AlertSubject.CONSIGNMENT, watched.consignment_id))
        findings = detect(watched, as_of=as_of)
        found.update(f.kind for f in findings)
        for partner in batch.audiences.get(watched.consignment_id, ()):
            findings_by_partner[partner].extend(findings)
        stay = stay_of(watched)
        if stay is not None and watched.corridor:
            stays.append(stay)
            corridor_of[watched.consignment_id] = watched.corridor
    result = alerts_sync(findings_by_partner=findings_by_partner, checked=checked, as_of=as_of)
    bulk_upsert_values(
        ConsignmentWatch,
        ("consignment_id", "judged_at"),
        [(w.consignment_id, judged_at) for w in batch.watched],
        unique_field="consignment",
    )
    if refresh_eta:
        eta_store(eta_inputs(batch), as_of=as_of)
    return _counts(result, found), stays, corridor_of


def consignments_check(
    *, consignment_ids: Iterable[Any], as_of: datetime, fresh_since: datetime | None = None
) -> dict[str, dict[str, int]]:
    """Judge the given consignments now (after new events) and store their ETAs from the same reading, in
    batches of ``CORRIDOR_SCAN_BATCH_SIZE``.

    ``fresh_since``: when the triggering events were committed. A consignment judged after it is skipped
    (``ConsignmentWatch``): a backlog of event batches for the same consignments costs one judgement.
    """
    ids = list(dict.fromkeys(str(pk) for pk in consignment_ids))
    if fresh_since is not None:
        ids = selectors.not_done_since(
            ConsignmentWatch.objects.all(), ids=ids, moment_field="judged_at", since=fresh_since
        )
    total: dict[str, dict[str, int]] = {}
    size = settings.CORRIDOR_SCAN_BATCH_SIZE
    for start in range(0, len(ids), size):
        counts, _, _ = judge(ids[start : start + size], as_of=as_of, refresh_eta=True)
        total = _add_counts(total, counts)
        # New events move the route a notice is judged on (a departure, an arrival, a new leg): this batch's
        # notice alerts now, the rest of each notice's reach at its next propagation.
        result = consignments_notices_check(consignment_ids=ids[start : start + size], as_of=as_of)
        total = _add_counts(total, _counts(result, Counter()))
    return total


# --- The scan's ledger ---------------------------------------------------------------------------------


def scan_create(*, as_of: datetime, corridor: Corridor | None = None, batch_size: int | None = None) -> Scan:
    """Store a scan of the consignments in transit (on ``corridor``, or all) and its batches; nothing runs yet."""
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be timezone-aware")
    size = batch_size or settings.CORRIDOR_SCAN_BATCH_SIZE
    ids = [str(pk) for pk in selectors.watch_candidates(corridor=corridor).order_by("pk").values_list("pk", flat=True)]
    slices = [ids[start : start + size] for start in range(0, len(ids), size)]
    with transaction.atomic():
        scan = Scan.objects.create(as_of=as_of, corridor=corridor.slug if corridor else "", batch_count=len(slices))
        ScanBatch.objects.bulk_create(
            ScanBatch(scan=scan, sequence=index, consignment_ids=chunk) for index, chunk in enumerate(slices)
        )
    return scan


def batch_run(batch_id: Any) -> bool:
    """Work one batch under a claim: judge its consignments, refresh their ETAs, record the stays and the cost.

    False if another worker holds it or it is done. The worker whose batch completes the scan finishes it.
    """
    pending = ScanBatch.objects.filter(done_at__isnull=True)
    with claimed(pending, batch_id, stale_after=claim_lifetime()) as won:
        if not won:
            return False
        batch = ScanBatch.objects.select_related("scan").get(pk=batch_id)
        as_of = batch.scan.as_of
        counter = _QueryCounter()
        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counter):
            counts, stays, corridor_of = judge(
                batch.consignment_ids, as_of=as_of, refresh_eta=settings.CORRIDOR_SCAN_REFRESHES_ETA
            )
            with transaction.atomic():
                updated = ScanBatch.objects.filter(pk=batch.pk, done_at__isnull=True).update(
                    done_at=timezone.now(),
                    counts=counts,
                    stays=[
                        [s.consignment_id, corridor_of[s.consignment_id], s.node, s.since.isoformat()] for s in stays
                    ],
                    queries=counter.count + 2,
                    seconds=time.perf_counter() - started,
                    cpu_seconds=time.process_time() - cpu_started,
                )
                if updated:
                    Scan.objects.filter(pk=batch.scan_id).update(batches_done=F("batches_done") + 1)
    scan_finish_if_done(batch.scan_id)
    return True


def scan_finish_if_done(scan_id: Any) -> bool:
    """Finish the scan if all its batches are done and nobody finished it yet (claimed, so once)."""
    scan = Scan.objects.filter(pk=scan_id, finished_at__isnull=True).first()
    if scan is None or scan.batches.filter(done_at__isnull=True).exists():
        return False
    with claimed(Scan.objects.filter(finished_at__isnull=True), scan_id, stale_after=claim_lifetime()) as won:
        if not won:
            return False
        scan_finish(Scan.objects.get(pk=scan_id))
    return True


def scan_finish(scan: Scan) -> dict[str, dict[str, int]]:
    """The scan's last step: congestion per node of each corridor scanned, then the totals on the scan row."""
    corridors = list(
        Corridor.objects.active().filter(**({"slug": scan.corridor} if scan.corridor else {})).select_related("owner")
    )
    stays_by_corridor: dict[str, list[Stay]] = defaultdict(list)
    batches = list(scan.batches.values_list("stays", "counts"))
    for stays, _ in batches:
        for consignment_id, slug, node, since in stays:
            stays_by_corridor[slug].append(Stay(consignment_id, node, datetime.fromisoformat(since)))
    counts = _congestion_sync(corridors, stays_by_corridor, as_of=scan.as_of, scoped=bool(scan.corridor))
    total: dict[str, dict[str, int]] = {}
    for _, batch_counts in batches:
        total = _add_counts(total, batch_counts)
    total = _add_counts(total, counts)
    Scan.objects.filter(pk=scan.pk).update(finished_at=timezone.now(), counts=total)
    scan.counts = total
    return total


def _congestion_sync(
    corridors: Sequence[Corridor], stays_by_corridor: dict[str, list[Stay]], *, as_of: datetime, scoped: bool = False
) -> dict[str, dict[str, int]]:
    """Congestion findings per node for each corridor's owner and members; each sees its own consignments'
    references among those staying, and only the count of the others.

    A node is one alert per partner (its subject): a partner of two corridors congested at the same port
    gets one alert, whose evidence gives each corridor's figures. A ``scoped`` scan (one corridor) sees
    only its own corridor's stays, so it leaves open the alerts of nodes other active corridors share.
    """
    figures = selectors.baseline_figures([c.pk for c in corridors])
    members: dict[Any, set[Any]] = defaultdict(set)
    for corridor_id, partner_id in Corridor.members.through.objects.filter(
        corridor_id__in=[c.pk for c in corridors]
    ).values_list("corridor_id", "partner_id"):
        members[corridor_id].add(partner_id)
    shared: set[str] = set()
    if scoped:
        scanned = {c.pk for c in corridors}
        for nodes in Corridor.objects.active().exclude(pk__in=scanned).values_list("nodes", flat=True):
            shared.update(nodes)
    found: list[tuple[Corridor, Finding]] = []
    checked: set[tuple[str, str, str]] = set()
    for corridor in corridors:
        for node in corridor.nodes:
            if node not in shared:
                checked.add((AlertKind.CONGESTION, AlertSubject.NODE, node))
        for finding in congestion(
            stays_by_corridor.get(corridor.slug, ()),
            corridor=corridor.slug,
            baselines=figures.get(str(corridor.pk), {}),
            thresholds=selectors.corridor_thresholds(corridor),
            as_of=as_of,
        ):
            found.append((corridor, finding))
    staying = sorted({cid for _, f in found for cid in f.evidence["consignments"]})
    rows = list(
        Consignment.objects.filter(pk__in=staying).only("pk", "reference", "origin", "destination", "created_by_id")
    )
    references = {str(c.pk): c.reference for c in rows}
    audiences = selectors.consignment_audiences(rows, selectors.route_leg_rows(staying))
    per_node: dict[tuple[Any, str], list[Finding]] = defaultdict(list)
    for corridor, finding in found:
        for partner in {corridor.owner_id} | members[corridor.pk]:
            yours = [references[c] for c in finding.evidence["consignments"] if partner in audiences.get(c, ())]
            evidence = {key: value for key, value in finding.evidence.items() if key != "consignments"}
            evidence["your_consignments"] = yours
            per_node[(partner, finding.subject_id)].append(replace(finding, evidence=evidence))
    findings_by_partner: dict[Any, list[Finding]] = defaultdict(list)
    for (partner, _), findings in per_node.items():
        findings_by_partner[partner].append(findings[0] if len(findings) == 1 else _congestion_merged(findings))
    result = alerts_sync(findings_by_partner=findings_by_partner, checked=checked, as_of=as_of)
    return _counts(result, Counter(f.kind for _, f in found))


def _congestion_merged(findings: list[Finding]) -> Finding:
    """One node's congestion on several corridors, as one finding: the largest corridor's, with every corridor's
    count, baseline and thresholds in ``corridors`` and the partner's consignments on all of them."""
    findings = sorted(findings, key=lambda f: (-f.evidence["count"], f.corridor_id or ""))
    first = findings[0]
    node, total = first.subject_id, sum(f.evidence["count"] for f in findings)
    evidence = {
        **first.evidence,
        "summary": joined([f.evidence["summary"] for f in findings], " "),
        "count": total,
        "your_consignments": sorted({ref for f in findings for ref in f.evidence["your_consignments"]}),
        "corridors": [
            {
                "corridor": f.corridor_id,
                "count": f.evidence["count"],
                "baseline": f.evidence["baseline"],
                "thresholds": f.evidence["thresholds"],
            }
            for f in findings
        ],
    }
    title = Text(
        gettext_noop(
            "Congestion at %(node)s: %(count)s consignments on %(corridors)s corridors staying longer than usual"
        ),
        node=node,
        count=total,
        corridors=len(findings),
    )
    return replace(first, title=title, evidence=evidence)


def scan_run(*, as_of: datetime, corridor: Corridor | None = None) -> Scan:
    """Create a scan and run every batch here, synchronously (the management command; tests)."""
    scan = scan_create(as_of=as_of, corridor=corridor)
    for batch_id in scan.batches.order_by("sequence").values_list("pk", flat=True):
        batch_run(batch_id)
    if scan.batch_count == 0:
        scan_finish_if_done(scan.pk)
    scan.refresh_from_db()
    return scan


# --- Sweeping ------------------------------------------------------------------------------------------


def batches_to_resend(*, limit: int = 1000) -> list[Any]:
    """Batches not done whose message was lost (unclaimed longer than the sweep interval) or whose worker died."""
    waited = timedelta(seconds=settings.CORRIDOR_SWEEP_INTERVAL_SECONDS)
    rows = stale(
        ScanBatch.objects.filter(done_at__isnull=True),
        waiting_since="created_at",
        waited=waited,
        stale_after=claim_lifetime(),
    )
    return list(rows.order_by("created_at").values_list("pk", flat=True)[:limit])


def scans_to_finish() -> list[Any]:
    """Scans whose batches are all done but which nobody finished (the finishing worker died)."""
    cutoff = timezone.now() - claim_lifetime()
    return list(
        Scan.objects.filter(finished_at__isnull=True, batches_done__gte=F("batch_count"))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff))
        .values_list("pk", flat=True)
    )


def scans_purge(*, now: datetime) -> int:
    """Delete finished scans older than ``CORRIDOR_SCAN_KEEP_DAYS`` (their alerts stay)."""
    cutoff = now - timedelta(days=settings.CORRIDOR_SCAN_KEEP_DAYS)
    deleted, _ = Scan.objects.filter(finished_at__lt=cutoff).delete()
    return deleted
