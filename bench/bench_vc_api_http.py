"""The VC API through HTTP: ``POST /credentials/issue`` and ``/credentials/verify`` served by gunicorn. Run by hand:

    .venv/bin/python bench/bench_vc_api_http.py [--requests 600] [--concurrency 4] [--workers 2]

Corridor runs as in production (``CORRIDOR_ENV=production``, DEBUG off) under gunicorn with ``--workers``
sync workers on 127.0.0.1 and the local PostgreSQL; there is no TLS proxy on loopback, so the SSL redirect
is off. A partner's write-scope API token issues a small VC 2.0 credential (a certificate of origin, no
context but the VC 2.0 one) and the credentials it got back are then verified. ``--concurrency`` client
threads, each with its own ``http.client`` connection (a sync worker closes the connection after every
answer, so each request opens a new loopback connection, as it would behind a proxy that does not pool),
send ``--requests`` requests per run after a warm-up that reaches every worker.

Baseline in the same run: the same service functions called directly in this process, one at a time
(``credential_issue_api`` as the token's actor, ``credential_verify``), for the same credential: requests/s
on one core. Every answer is checked (issue: 201 with a ``DataIntegrityProof``; verify: 200 with
``verified: true``); anything else counts as an error. Requests/s are the median of ``--runs`` runs
(range in brackets), latencies p50/p95 over all runs' requests. The client, gunicorn's workers and
PostgreSQL share this machine's cores, so HTTP's ceiling is about cores times the in-process rate, less what
the client and the database take. The load average is printed before and after: other work on the machine
skews every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchdb

ROOT = benchdb.ROOT
# Its own database: gunicorn holds connections to it for the whole run, and another benchmark starting
# meanwhile drops ``corridor_bench`` WITH (FORCE).
benchdb.BENCH_DB = "corridor_bench_http"
os.environ["CORRIDOR_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{benchdb.BENCH_DB}"
HOST = "127.0.0.1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def configure(port: int, var_dir: str) -> None:
    """The production shape for this process and gunicorn alike: they must share keys and URLs."""
    os.environ.update(
        {
            "CORRIDOR_ENV": "production",
            "CORRIDOR_SECRET_KEY": "bench-secret-key-" + "x" * 40,
            "CORRIDOR_KEY_ENCRYPTION_KEY": "bench-key-encryption-key",
            "CORRIDOR_SSL_REDIRECT": "false",
            "CORRIDOR_ALLOWED_HOSTS": f"{HOST},localhost",
            "CORRIDOR_BASE_URL": f"http://{HOST}:{port}",
            "CORRIDOR_DID_HOST": f"localhost%3A{port}",  # did:web names a domain, never an IP
            "CORRIDOR_VAR_DIR": var_dir,
            "CORRIDOR_LOG_LEVEL": "WARNING",
        }
    )


def unsigned(number: int) -> dict[str, Any]:
    return {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "name": "Certificate of origin",
        "description": "Goods wholly obtained in Taiwan (bench)",
        "credentialSubject": {"id": f"did:example:consignee-{number}", "name": f"Consignee {number}"},
    }


def issue_problem(status: int, body: Any) -> str:
    """What is wrong with an issue answer ('' when it is a 201 carrying a DataIntegrityProof)."""
    if status != 201:
        return f"issue answered {status}"
    proof = body.get("verifiableCredential", {}).get("proof") if isinstance(body, dict) else None
    if not (isinstance(proof, dict) and proof.get("type") == "DataIntegrityProof"):
        return "issue answered 201 without a DataIntegrityProof"
    if not str(proof.get("proofValue", "")).startswith("z"):
        return "issue answered a proof without a base58btc proofValue"
    return ""


def verify_problem(status: int, body: Any) -> str:
    if status != 200 or not isinstance(body, dict) or body.get("verified") is not True:
        detail = body.get("problemDetails") if isinstance(body, dict) else body
        return f"verify answered {status}: {str(detail)[:200]}"
    return ""


@dataclass
class Run:
    seconds: float
    latencies: list[float]
    errors: list[str] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


# --- HTTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    port: int
    headers: dict[str, str]
    threads: int

    def run(self, path: str, bodies: list[bytes], check: Callable[[int, Any], str]) -> Run:
        """POST every body to ``path`` from ``threads`` connections; latencies include server queueing."""
        return http_run(self, path, bodies, check)


def http_run(client: Client, path: str, bodies: list[bytes], check: Callable[[int, Any], str]) -> Run:
    lock = threading.Lock()
    next_index = iter(range(len(bodies)))
    latencies: list[float] = []
    errors: list[str] = []
    answers: list[Any] = [None] * len(bodies)

    def send() -> None:
        connection = http.client.HTTPConnection(HOST, client.port, timeout=60)
        try:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                began = time.perf_counter()
                try:
                    connection.request("POST", path, body=bodies[index], headers=client.headers)
                    response = connection.getresponse()
                    raw = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    problem, body = f"{type(exc).__name__}: {exc}", None
                else:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                    problem = check(status, body)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        errors.append(problem)
                    else:
                        answers[index] = body
        finally:
            connection.close()

    workers = [threading.Thread(target=send, daemon=True) for _ in range(client.threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Run(time.perf_counter() - began, latencies, errors, answers)


def gunicorn_start(port: int, workers: int, log_path: Path) -> subprocess.Popen:
    """gunicorn in its own session, so a Ctrl-C reaches only this script, which then stops it."""
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "corridor.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/contexts/corridor/v1")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within 60 s; see {log_path}")


def gunicorn_stop(process: subprocess.Popen) -> None:
    """SIGTERM: the master lets workers finish their request and exits; its whole group is killed if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


# --- In process ------------------------------------------------------------------------------


def inprocess_run(count: int, call: Callable[[int], str]) -> Run:
    """``call(i)`` for i in range(count), one at a time on one core; ``call`` returns a problem or ''."""
    latencies: list[float] = []
    errors: list[str] = []
    began = time.perf_counter()
    for number in range(count):
        t0 = time.perf_counter()
        problem = call(number)
        latencies.append(time.perf_counter() - t0)
        if problem:
            errors.append(problem)
    return Run(time.perf_counter() - began, latencies, errors)


# --- Report ----------------------------------------------------------------------------------


def summary(runs: list[Run]) -> tuple[float, str]:
    rates = [run.rate for run in runs]
    latencies = [value for run in runs for value in run.latencies]
    errors = sum(len(run.errors) for run in runs)
    text = (
        f"{statistics.median(rates):8,.0f} req/s [{min(rates):,.0f}-{max(rates):,.0f}]  "
        f"p50 {percentile(latencies, 50) * 1e3:6.2f} ms  p95 {percentile(latencies, 95) * 1e3:6.2f} ms  "
        f"errors {errors}/{len(latencies)}"
    )
    return statistics.median(rates), text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600, help="requests per run and endpoint")
    parser.add_argument("--warmup", type=int, default=60, help="requests per endpoint before measuring")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="corridor-bench-http-"))
    configure(port, str(scratch))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop gunicorn on a kill too (the finally below)
    benchdb.fresh_django()
    from apps.credentials.services.vc_api import credential_issue_api
    from apps.credentials.verification import credential_verify
    from apps.partners.access import actor_for_token, system_actor
    from apps.partners.services import api_token_create, partner_create

    exporter = partner_create(actor=system_actor("bench"), name="Bench Exporter", country="TW", kinds=["shipper"])
    token_row, token = api_token_create(
        actor=system_actor("bench"), partner=exporter, name="bench VC API", scope="write"
    )
    actor = actor_for_token(token_row)
    client = Client(
        port, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}, threads=args.concurrency
    )
    serial = iter(range(10**9))

    def issue_bodies(count: int) -> list[bytes]:
        return [json.dumps({"credential": unsigned(next(serial)), "options": {}}).encode() for _ in range(count)]

    def verify_bodies(credentials: list[Any]) -> list[bytes]:
        return [json.dumps({"verifiableCredential": vc, "options": {}}).encode() for vc in credentials]

    def inprocess_issue(count: int) -> tuple[Run, list[dict[str, Any]]]:
        issued: list[dict[str, Any]] = []

        def call(_number: int) -> str:
            row = credential_issue_api(actor=actor, credential=unsigned(next(serial)))
            document = json.loads(bytes(row.document))
            issued.append(document)
            return issue_problem(201, {"verifiableCredential": document})

        return inprocess_run(count, call), issued

    def inprocess_verify(credentials: list[dict[str, Any]]) -> Run:
        return inprocess_run(
            len(credentials),
            lambda number: "" if credential_verify(credentials[number]).verified else "verify: not verified",
        )

    log_path = scratch / "gunicorn.log"
    load_before = os.getloadavg()[0]
    server = gunicorn_start(port, args.workers, log_path)
    try:
        warm = client.run("/credentials/issue", issue_bodies(args.warmup), issue_problem)
        issued = [answer["verifiableCredential"] for answer in warm.answers if answer]
        warm_verify = client.run("/credentials/verify", verify_bodies(issued), verify_problem)
        _, local = inprocess_issue(args.warmup // 2)
        inprocess_verify(local)
        if warm.errors or warm_verify.errors:
            print(f"warm-up failed: {(warm.errors + warm_verify.errors)[:3]}; gunicorn log: {log_path}")
            return 1

        results: dict[str, list[Run]] = {"issue http": [], "verify http": [], "issue local": [], "verify local": []}
        for _ in range(args.runs):
            run, local = inprocess_issue(args.requests)
            results["issue local"].append(run)
            results["verify local"].append(inprocess_verify(local))
            run = client.run("/credentials/issue", issue_bodies(args.requests), issue_problem)
            results["issue http"].append(run)
            credentials = [answer["verifiableCredential"] for answer in run.answers if answer]
            results["verify http"].append(client.run("/credentials/verify", verify_bodies(credentials), verify_problem))
    finally:
        gunicorn_stop(server)

    cores = os.cpu_count() or 1
    print(
        f"VC API on PostgreSQL: gunicorn {args.workers} sync workers, {args.concurrency} client connections, "
        f"{cores} cores shared with PostgreSQL and the client; {args.requests} requests per run after "
        f"{args.warmup} warm-up, median of {args.runs} runs; the issued credential is "
        f"{len(json.dumps(local[0])):,} bytes of JSON; load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    rates = {}
    for name, runs in results.items():
        rates[name], text = summary(runs)
        print(f"  {name:<13} {text}")
    for action in ("issue", "verify"):
        http_rate, local_rate = rates[f"{action} http"], rates[f"{action} local"]
        print(
            f"  {action}: HTTP/in-process (one core) {http_rate / local_rate:.2f}x; "
            f"HTTP reaches {http_rate / cores / local_rate:.0%} of {cores} cores at the in-process rate"
        )
    failures = [error for runs in results.values() for run in runs for error in run.errors]
    if failures:
        print(f"first errors: {failures[:3]}; gunicorn log: {log_path}")
        return 1
    shutil.rmtree(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
