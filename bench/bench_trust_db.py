"""How long does re-judging every in-transit consignment take after an MRA change, on PostgreSQL? Run by
hand: ``.venv/bin/python bench/bench_trust_db.py`` (needs the local PostgreSQL; see benchdb.py).

Issue 6 sets the target: 10,000 in-transit consignments against 50,000 certificates and 100 MRAs in
under 10 s, with a constant number of queries per consignment. The registry is bench_trust.py's (same
seed: the bundled reference MRAs topped up to 100, 50,000 certificates with periods and status
histories), bulk-inserted with its partners, plus 10,000 consignments of six commercial parties between
ten customs countries. Then:

1. the first evaluation of every consignment for every customs authority it touches (the baseline rows);
2. the KR-US MRA ended and restored in turn, each time ``apps.compliance.tasks.trust_reevaluate`` run
   in-process with the MRA's id (what the worker runs after ``mra_update``): median of the runs;
3. the same task when nothing changed (idempotent rerun);
4. queries: one batch of 1,000 consignments against the task over all 10,000 (ten batches);
5. the baseline: the pure ``chain_evaluate`` over the same inputs, loaded once, for the same pairs.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdb
from bench_trust import CONSIGNMENTS, DECIDERS, PARTNERS, ROLES, SEED, TARGET_SECONDS, registry

AS_OF = date(2024, 6, 1)
RUNS = 5
CHANGED_MRA = "KR-US"
BATCH_ROWS = 5000


def _customs(codes: set[str]) -> dict[str, object]:
    from apps.partners.access import system_actor
    from apps.partners.services import partner_create

    actor = system_actor("bench")
    authorities = {}
    for code in sorted(codes):
        # The EU is a customs territory, not a country: its authority stands in for Belgium (no consignment goes there).
        authorities[code] = partner_create(
            actor=actor,
            name=f"Customs {code} (bench)",
            slug=f"customs-{code.lower()}",
            country="BE" if code == "EU" else code,
            serves_country="BE" if code == "EU" else code,
            kinds=["customs_authority"],
        )
    return authorities


def load(rnd: random.Random) -> dict[str, object]:
    """Bulk-insert partners, the registry and the consignments; return what the runs need."""
    from apps.compliance.models import AeoCertificate, CertificateStatusChange, Mra, MraParticipant, ValidityPeriod
    from apps.partners.models import Partner
    from apps.shipments.models import Consignment, ConsignmentParty

    certificates, mras = registry(rnd)
    codes = {c.authority for c in certificates} | {p for m in mras for p in m.parties} | set(DECIDERS)
    authorities = _customs(codes)
    slug = {code: partner.slug for code, partner in authorities.items()}

    traders = Partner.objects.bulk_create(
        (Partner(slug=f"t{n}", name=f"Trader {n}", country="TW") for n in range(PARTNERS)), batch_size=BATCH_ROWS
    )
    trader_id = {p.slug: p.pk for p in traders}

    rows = [
        AeoCertificate(
            holder_id=trader_id[c.holder],
            authority_id=authorities[c.authority].pk,
            number=c.number,
            certificate_type=c.type,
            status=c.status_history[-1].status,
        )
        for c in certificates
    ]
    AeoCertificate.objects.bulk_create(rows, batch_size=BATCH_ROWS)
    ValidityPeriod.objects.bulk_create(
        (
            ValidityPeriod(certificate=row, valid_from=p.valid_from, valid_until=p.valid_until)
            for row, c in zip(rows, certificates, strict=True)
            for p in c.validity_periods
        ),
        batch_size=BATCH_ROWS,
    )
    CertificateStatusChange.objects.bulk_create(
        (
            CertificateStatusChange(certificate=row, status=s.status, effective_on=s.on, reason=s.reason)
            for row, c in zip(rows, certificates, strict=True)
            for s in c.status_history
        ),
        batch_size=BATCH_ROWS,
    )

    mra_rows = Mra.objects.bulk_create(
        Mra(
            key=m.key.lower(),
            name=m.name,
            signed_on=m.signed_on,
            in_force_from=m.in_force_from,
            in_force_until=m.in_force_until,
            status=m.status,
            plurilateral=m.plurilateral,
            direction_note=m.direction_note,
        )
        for m in mras
    )
    MraParticipant.objects.bulk_create(
        MraParticipant(
            mra=row,
            authority=authorities[party],
            recognised_types=sorted(m.recognised_types[party]) if m.recognised_types.get(party) else None,
            grants_recognition=m.mutual or party in m.recognisers,
            implemented_from=m.implementation_dates.get(party),
        )
        for row, m in zip(mra_rows, mras, strict=True)
        for party in m.parties
    )

    forwarder = Partner.objects.create(slug="bench-forwarder", name="Bench Forwarding", country="TW")
    consignments = Consignment.objects.bulk_create(
        (
            Consignment(
                reference=f"TRUST-{i:05d}",
                origin=f"{rnd.choice(DECIDERS)}AAA",
                destination=f"{rnd.choice(DECIDERS)}BBB",
                status="in_transit",
                created_by=forwarder,
            )
            for i in range(CONSIGNMENTS)
        ),
        batch_size=BATCH_ROWS,
    )
    ConsignmentParty.objects.bulk_create(
        (
            ConsignmentParty(consignment=c, partner_id=trader_id[f"t{rnd.randrange(PARTNERS)}"], role=role)
            for c in consignments
            for role in ROLES
        ),
        batch_size=BATCH_ROWS,
        ignore_conflicts=True,
    )
    return {
        "ids": [c.pk for c in consignments],
        "mra": Mra.objects.get(key=CHANGED_MRA.lower()),
        "counts": (len(certificates), ValidityPeriod.objects.count(), CertificateStatusChange.objects.count()),
        "slugs": slug,
    }


def _mra_end(mra, ended: bool) -> None:
    from apps.compliance.models import Mra

    Mra.objects.filter(pk=mra.pk).update(in_force_until=AS_OF - timedelta(days=1) if ended else None)


def _queries(call) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def pure_baseline(ids: list, authority_ids: list[str]) -> tuple[float, float, int]:
    """Load the same inputs once, then time the pure evaluation for the same (consignment, authority) pairs."""
    from apps.compliance import selectors, trust

    began = time.perf_counter()
    parties = selectors.chain_parties(ids)
    deciders = selectors.deciding_authorities(ids)
    reg = selectors.registry_for([p for chain in parties.values() for p in chain])
    load_seconds = time.perf_counter() - began
    wanted = set(authority_ids)
    pairs = [(pk, a.slug) for pk in ids for a in deciders.get(pk, []) if str(a.pk) in wanted]
    began = time.perf_counter()
    for pk, authority in pairs:
        trust.chain_evaluate(
            parties=parties.get(pk, []),
            certificates=reg.certificates,
            mras=reg.mras,
            deciding_authority=authority,
            as_of=AS_OF,
        ).to_dict()
    return load_seconds, time.perf_counter() - began, len(pairs)


def main() -> None:
    benchdb.fresh_django()
    from apps.compliance import tasks
    from apps.compliance.models import MraParticipant, TrustEvaluation
    from apps.compliance.services import reevaluation
    from apps.disruptions.models import Alert
    from apps.shipments.models import Consignment

    rnd = random.Random(SEED)
    began = time.perf_counter()
    data = load(rnd)
    ids, mra = data["ids"], data["mra"]
    certs, periods, changes = data["counts"]
    print(
        f"loaded {len(ids):,} in-transit consignments, {certs:,} certificates ({periods:,} periods, "
        f"{changes:,} status changes), {mra.__class__.objects.count()} MRAs in {time.perf_counter() - began:.1f} s"
    )

    began = time.perf_counter()
    for start in range(0, len(ids), tasks.BATCH):
        reevaluation.trust_reevaluate_consignments(consignment_ids=ids[start : start + tasks.BATCH], as_of=AS_OF)
    print(
        f"first evaluation (every authority, {TrustEvaluation.objects.count():,} verdicts stored): "
        f"{time.perf_counter() - began:.2f} s"
    )

    authority_ids = [str(pk) for pk in MraParticipant.objects.filter(mra=mra).values_list("authority_id", flat=True)]
    seconds, changed = [], []
    for run in range(RUNS):
        _mra_end(mra, ended=run % 2 == 0)
        began = time.perf_counter()
        changed.append(tasks.trust_reevaluate(mra_id=str(mra.pk), as_of=AS_OF.isoformat()))
        seconds.append(time.perf_counter() - began)
    median = statistics.median(seconds)
    print(
        f"re-evaluation after the {CHANGED_MRA} MRA changed ({RUNS} runs, ended/restored in turn): "
        f"median {median:.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}); "
        f"verdicts changed per run {changed}; alerts raised in all {Alert.objects.count():,}"
    )
    print(f"target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}")

    began = time.perf_counter()
    unchanged = tasks.trust_reevaluate(mra_id=str(mra.pk), as_of=AS_OF.isoformat())
    print(f"idempotent rerun (nothing changed, {unchanged} writes): {time.perf_counter() - began:.2f} s")

    # Queries for 1,000 open consignments (the others delivered for the moment), then for all 10,000 once
    # every verdict agrees with the registry again; each time the MRA flips, so every touched verdict changes.
    ended = RUNS % 2 == 1  # the state of the MRA after the timed runs
    Consignment.objects.filter(pk__in=ids[tasks.BATCH :]).update(status="delivered")
    ended = not ended
    _mra_end(mra, ended=ended)
    one_batch, flipped = _queries(lambda: tasks.trust_reevaluate(mra_id=str(mra.pk), as_of=AS_OF.isoformat()))
    Consignment.objects.filter(pk__in=ids[tasks.BATCH :]).update(status="in_transit")
    tasks.trust_reevaluate(mra_id=str(mra.pk), as_of=AS_OF.isoformat())
    ended = not ended
    _mra_end(mra, ended=ended)
    per_batch: list[int] = []
    evaluate = reevaluation.trust_reevaluate_consignments

    def counted(**kwargs):
        count, result = _queries(lambda: evaluate(**kwargs))
        per_batch.append(count)
        return result

    reevaluation.trust_reevaluate_consignments = counted
    try:
        everything, flipped_all = _queries(lambda: tasks.trust_reevaluate(mra_id=str(mra.pk), as_of=AS_OF.isoformat()))
    finally:
        reevaluation.trust_reevaluate_consignments = evaluate
    print(
        f"queries: {one_batch} for {tasks.BATCH:,} consignments ({flipped} verdicts changed); {everything} for "
        f"{len(ids):,} ({flipped_all} changed) in {len(per_batch)} batches of {per_batch} queries; "
        f"per consignment {one_batch / tasks.BATCH:.4f} vs {everything / len(ids):.4f}"
    )

    load_seconds, pure_seconds, pairs = pure_baseline(ids, authority_ids)
    print(
        f"baseline, pure chain_evaluate over the same inputs ({pairs:,} consignment-authority pairs): "
        f"{pure_seconds:.2f} s (+ {load_seconds:.2f} s to load them once); "
        f"re-evaluation / pure = {median / pure_seconds:.1f}x"
    )


if __name__ == "__main__":
    main()
