"""How long does re-evaluating the trust of every in-transit consignment take after an MRA change? Run by hand:
``.venv/bin/python bench/bench_trust.py``.

Issue 6 sets the target: 10,000 consignments against 50,000 certificates and 100 MRAs in under 10 s
on this machine. The registry is built here (seeded, so runs compare): the 92 bundled reference MRAs
(91 bilateral + the ASEAN AAMRA) plus 8 synthetic bilateral ones; 50,000 certificates held by 40,000
traders (five-year periods, most renewed once, some suspended or revoked, 10,000 second certificates from
another authority); 10,000 consignments of six commercial parties and a customs authority, judged by
a deciding authority on a date between 2015 and 2026. The certificate and MRA indexes are built once,
as the re-evaluation task would, and their build time is reported apart from the evaluation.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.compliance.reference_data import PROGRAMME_TYPES, TERRITORIES, load_reference_data
from apps.compliance.trust import (
    Certificate,
    CertificateIndex,
    ChainVerdict,
    Mra,
    MraIndex,
    Party,
    Role,
    chain_evaluate,
)

SEED = 6
CONSIGNMENTS = 10_000
CERTIFICATES = 50_000
HOLDERS = 40_000
PARTNERS = 50_000
MRAS = 100
TARGET_SECONDS = 10.0
ROLES = (
    Role.CONSIGNOR,
    Role.FREIGHT_FORWARDER,
    Role.CARRIER,
    Role.TERMINAL_OPERATOR,
    Role.CUSTOMS_BROKER,
    Role.CONSIGNEE,
)
DECIDERS = ("US", "KR", "TW", "JP", "CN", "SG", "TH", "DE", "AU", "CA")
START = date(2015, 1, 1)
SPAN_DAYS = (date(2026, 12, 31) - START).days


def registry(rnd: random.Random) -> tuple[list[Certificate], list[Mra]]:
    """The bundled MRAs topped up to 100, and 50,000 certificates from their parties' authorities."""
    mras = list(load_reference_data().mras)
    issuers = sorted({p for m in mras for p in m.parties if p != "EU"} | {"DE", "FR", "NL"})
    existing = {frozenset(m.parties) for m in mras if not m.plurilateral}
    while len(mras) < MRAS:
        a, b = sorted(rnd.sample(issuers, 2))
        if frozenset((a, b)) in existing:
            continue
        existing.add(frozenset((a, b)))
        signed = START + timedelta(days=rnd.randrange(SPAN_DAYS))
        mras.append(Mra(key=f"SYN-{a}-{b}", name=f"{a}-{b} (synthetic)", parties=(a, b), signed_on=signed))

    weighted = [*issuers, *("US", "KR", "TW", "CN", "JP", "SG", "DE") * 6]
    certificates = []
    for n in range(CERTIFICATES):
        holder = f"t{n}" if n < HOLDERS else f"t{rnd.randrange(HOLDERS)}"
        authority = rnd.choice(weighted)
        economy = TERRITORIES.get(authority, authority)
        cert_type = rnd.choice(PROGRAMME_TYPES.get(economy, ("AEO",)))
        start = START - timedelta(days=5 * 365) + timedelta(days=rnd.randrange(SPAN_DAYS))
        end = start + timedelta(days=5 * 365)
        periods = [(start, end)]
        if rnd.random() < 0.6:
            periods.append((end + timedelta(days=1 + rnd.randrange(60)), end + timedelta(days=10 * 365)))
        history = [(start, "valid", "granted")]
        if rnd.random() < 0.08:
            status = rnd.choice(("suspended", "revoked"))
            history.append((start + timedelta(days=rnd.randrange(1000)), status, "post-audit finding"))
        certificates.append(
            Certificate(f"{authority}-{n:06d}", holder, authority, authority, cert_type, history, periods)
        )
    return certificates, mras


def consignments(rnd: random.Random) -> list[tuple[list[Party], str, date]]:
    """Six commercial parties (a fifth of partners hold no certificate) and the deciding customs, per consignment."""
    chains = []
    for _ in range(CONSIGNMENTS):
        deciding = rnd.choice(DECIDERS)
        parties = [Party(f"t{rnd.randrange(PARTNERS)}", role) for role in ROLES]
        parties.append(Party(f"customs-{deciding}", Role.CUSTOMS_AUTHORITY))
        chains.append((parties, deciding, START + timedelta(days=rnd.randrange(SPAN_DAYS))))
    return chains


def main() -> None:
    rnd = random.Random(SEED)
    certificates, mras = registry(rnd)
    chains = consignments(rnd)

    began = time.perf_counter()
    cert_index, mra_index = CertificateIndex(certificates), MraIndex(mras)
    index_seconds = time.perf_counter() - began

    verdicts: list[ChainVerdict] = []
    each: list[float] = []
    began = time.perf_counter()
    for parties, deciding, as_of in chains:
        one = time.perf_counter()
        verdicts.append(
            chain_evaluate(
                parties=parties,
                certificates=cert_index,
                mras=mra_index,
                deciding_authority=deciding,
                as_of=as_of,
                territories=TERRITORIES,
            )
        )
        each.append(time.perf_counter() - one)
    total = time.perf_counter() - began

    outcomes = Counter(p.outcome.value for v in verdicts for p in v.parties)
    chains_by_verdict = Counter(v.verdict.value for v in verdicts)
    judged = sum(v.judged_count for v in verdicts)
    print(f"registry: {len(cert_index):,} certificates of {HOLDERS:,} holders, {len(mra_index)} MRAs")
    print(f"indexes built once in {index_seconds:.3f} s")
    print(f"evaluated {len(verdicts):,} consignments ({judged:,} parties judged) in {total:.2f} s")
    print(f"per consignment: median {statistics.median(each) * 1e6:.0f} us, p95 {_p95(each) * 1e6:.0f} us")
    print(f"target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'MISSED'}")
    print("party outcomes:", dict(outcomes.most_common()))
    print("chain verdicts:", dict(chains_by_verdict.most_common()))


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


if __name__ == "__main__":
    main()
