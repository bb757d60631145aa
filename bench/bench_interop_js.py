"""Corridor against Digital Bazaar's JavaScript implementation, signing and verifying the same step credential
in one run (issue 5: "the ratio to the Digital Bazaar JavaScript implementation ... in the same run").

    .venv/bin/python bench/bench_interop_js.py [N]     (needs node and `npm ci --prefix tests/interop`)

The credential is bench_credentials.py's named reference: a step credential for the first event of GS1's
``Example_9.6.1-ObjectEvent.jsonld`` (``tests.credentials.samples.step_credential``), issued by a did:key.
Both sides sign it N times, each time with its own ``created`` (so every proof configuration is
canonicalized), then verify every signed copy; ``bench/bench_interop_js.mjs`` is the JavaScript side.
Both use the same test key, so their first proofs must be identical, which is checked. Medians of
single-credential timings; credentials/s per core = 1 / median.
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.credentials import dataintegrity
from apps.credentials.dataintegrity import sign, verify
from apps.credentials.multikey import did_key, did_key_verification_method, resolve_did_key
from tests.credentials.samples import EXAMPLE_9_6_1, step_credential

DEFAULT_N = 500
START = datetime(2026, 1, 1, tzinfo=UTC)  # the JavaScript side's first `created` too
SEED = bytes([7] * 32)  # a public test seed, the same as bench_interop_js.mjs uses
ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT / "tests" / "interop"


def corridor(unsigned: dict, key: Ed25519PrivateKey, count: int) -> tuple[list[float], list[float], str]:
    method = did_key_verification_method(key.public_key())
    dataintegrity._proof_config_hash.cache_clear()
    for number in range(50):  # warm up, as the JavaScript side does
        created = START + timedelta(days=1, seconds=number)
        verify(
            sign(unsigned, private_key=key, verification_method=method, created=created), resolve_key=resolve_did_key
        )
    gc.collect()
    signed, sign_times = [], []
    for number in range(count):
        began = time.perf_counter()
        signed.append(
            sign(unsigned, private_key=key, verification_method=method, created=START + timedelta(seconds=number))
        )
        sign_times.append(time.perf_counter() - began)
    dataintegrity._proof_config_hash.cache_clear()  # verification must canonicalize each proof configuration
    verify_times = []
    for document in signed:
        began = time.perf_counter()
        assert verify(document, resolve_key=resolve_did_key).verified
        verify_times.append(time.perf_counter() - began)
    return sign_times, verify_times, signed[0]["proof"]["proofValue"]


def reference_credential() -> tuple[dict, Ed25519PrivateKey]:
    """The named reference, issued by the test key's did:key, and that key (the JavaScript side's too)."""
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    return {**step_credential(number=0), "issuer": did_key(key.public_key())}, key


def digital_bazaar(unsigned: dict, count: int) -> dict:
    """Run ``bench_interop_js.mjs`` on ``unsigned``: its JSON report (RuntimeError without node or the packages)."""
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise RuntimeError("node / npm packages absent: run `npm ci --prefix tests/interop`")
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as folder:
        path = Path(folder) / "step-credential.json"
        path.write_text(json.dumps(unsigned, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run(
            [node, str(ROOT / "bench" / "bench_interop_js.mjs"), str(path), "--n", str(count)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_N
    unsigned, key = reference_credential()
    sign_times, verify_times, our_first = corridor(unsigned, key, count)
    try:
        js = digital_bazaar(unsigned, count)
    except RuntimeError as error:
        print(f"skipped: {error}")
        return 0

    ours = {"sign": statistics.median(sign_times) * 1e3, "verify": statistics.median(verify_times) * 1e3}
    print(
        f"step credential for the first event of {EXAMPLE_9_6_1.name} ({len(json.dumps(unsigned))} bytes unsigned), "
        f"{count} credentials per side, each with its own `created`; medians of single timings, one core each"
    )
    print(f"  {'':<34} {'sign ms':>8} {'sign/s':>8} {'verify ms':>10} {'verify/s':>9}")
    for label, sign_ms, verify_ms in (
        ("Corridor (Python)", ours["sign"], ours["verify"]),
        (f"Digital Bazaar (node {js['node']})", js["sign"]["median_ms"], js["verify"]["median_ms"]),
    ):
        print(f"  {label:<34} {sign_ms:8.3f} {1e3 / sign_ms:8,.0f} {verify_ms:10.3f} {1e3 / verify_ms:9,.0f}")
    print(
        f"  Corridor / JavaScript throughput: sign {js['sign']['median_ms'] / ours['sign']:.2f}x, "
        f"verify {js['verify']['median_ms'] / ours['verify']:.2f}x (above 1: Corridor is faster per core)"
    )
    print(f"  JavaScript packages: {', '.join(f'{name} {version}' for name, version in js['packages'].items())}")
    same = our_first == js["first_proof_value"]
    print(f"  first proofs identical (same key, same created): {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
