"""The production shape under load, with one fault at a time: shared by tests/faults and bench/faults.py.

- ``corridor_load`` generates a corridor of native, EPCIS 2.0 and DCSA 2.2 events (from the samples in
  tests/vectors) for the consignments ``seed`` made, as the requests several clients send: batches of
  each format, exact resends and conflicting resends (which must be refused with 409 and change nothing).
- ``Stack`` runs gunicorn (2 workers), a Celery worker on Redis and beat as subprocesses on free ports,
  on a fresh PostgreSQL database cloned from a migrated and seeded template, with each service reached
  through a ``Proxy`` the fault pauses (the shared servers themselves are never stopped).
- ``push`` sends the load from several client threads that retry what a real client retries (a refused
  connection, a 502/503 with Retry-After); every 500 is counted.
- ``settle`` waits until the ledger is quiet, and ``audit`` checks what must hold after any fault: every
  event stored exactly once, every linked event with exactly one step credential, every chain without a
  fork or a gap, no capture job failed or still running.

Nothing here imports Django: the test process only talks HTTP to the stack and SQL to the database.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import redis

from tests.faults.proxy import Proxy

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

NATIVE, EPCIS, DCSA = "native", "epcis", "dcsa"
PATHS = {NATIVE: "/api/v1/events/", EPCIS: "/epcis/capture", DCSA: "/api/v1/dcsa/v2/events"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def services_missing(redis_db: int) -> str:
    """Why the fault runs cannot run here ('' when PostgreSQL and Redis both answer)."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            pass
    except Exception as exc:  # any failure to reach it is a reason to skip
        return f"PostgreSQL on 127.0.0.1:5432 is not reachable ({type(exc).__name__})"
    try:
        redis.Redis(*REDIS, db=redis_db, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis on 127.0.0.1:6379 is not reachable ({type(exc).__name__})"
    return ""


# --- The load -------------------------------------------------------------------------------------


@dataclass
class Request:
    """One HTTP request of the load: which client's token, which endpoint, and what it must come to."""

    kind: str
    sender: str  # partner slug whose token sends it
    body: Any
    events: list[str]  # event ids it carries (recorded by ``sender``)
    conflicting: bool = False  # a resend with different content: must be refused with 409

    @property
    def path(self) -> str:
        return PATHS[self.kind]


@dataclass
class Load:
    clients: list[list[Request]]
    expected: set[tuple[str, str]]  # (recorder slug, event id) of every event that must be stored once

    @property
    def requests(self) -> int:
        return sum(len(queue) for queue in self.clients)


def _epcis_template() -> tuple[list[Any], dict[str, Any]]:
    document = json.loads((VECTORS / "epcis" / "Example_9.6.1-ObjectEvent.jsonld").read_text(encoding="utf-8"))
    return document["@context"], document["epcisBody"]["eventList"][0]


def _dcsa_template() -> dict[str, Any]:
    events = json.loads((VECTORS / "dcsa" / "messages" / "tnt-220-response.json").read_text(encoding="utf-8"))
    return next(event for event in events if event["eventType"] == "EQUIPMENT")


def _stamp(base: datetime, hours: int) -> str:
    return (base + timedelta(hours=hours)).isoformat(timespec="seconds").replace("+00:00", "Z")


def corridor_load(
    seeded: dict[str, Any],
    *,
    per_format: int = 2,
    clients: int = 4,
    batch: int = 20,
    resend_every: int = 4,
    seed: int = 17,
) -> Load:
    """``per_format`` events of each format per consignment, batched, shuffled, dealt to ``clients``.

    Native events are the shipper's (linked by consignment reference), EPCIS ObjectEvents and DCSA
    equipment events the carrier's (linked by the B/L as a ``bol`` bizTransaction, and by the booking).
    Every ``resend_every``-th request is sent again by the same client once it was answered: exactly
    (idempotent) and, for the synchronous endpoints, one event of it with other content (409).
    """
    rng = random.Random(seed)  # noqa: S311 (a reproducible load, not a secret)
    shipper, carrier = seeded["shipper"], seeded["carrier"]
    context, epcis_event = _epcis_template()
    dcsa_event = _dcsa_template()
    base = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    events: dict[str, list[tuple[str, dict[str, Any]]]] = {NATIVE: [], EPCIS: [], DCSA: []}
    for number, keys in enumerate(seeded["consignments"]):
        for k in range(per_format):
            hours = 3 * k
            native_id = f"flt-{number:05d}-{k}"
            events[NATIVE].append(
                (
                    native_id,
                    {
                        "event_id": native_id,
                        "type": "TRANSPORT",
                        "event_code": "DEPA" if k % 2 == 0 else "ARRI",
                        "event_time": _stamp(base, hours),
                        "location": "TWKHH" if k % 2 == 0 else "USLAX",
                        "consignment": keys["reference"],
                    },
                )
            )
            epcis = copy.deepcopy(epcis_event)
            epcis_id = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
            epcis.update(eventID=epcis_id, eventTime=_stamp(base, hours + 1), eventTimeZoneOffset="+00:00")
            epcis["bizTransactionList"] = [*epcis["bizTransactionList"], {"type": "bol", "bizTransaction": keys["bl"]}]
            events[EPCIS].append((epcis_id, epcis))
            dcsa = copy.deepcopy(dcsa_event)
            dcsa_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            dcsa.update(eventID=dcsa_id, eventDateTime=_stamp(base, hours + 2), eventCreatedDateTime=_stamp(base, -24))
            dcsa["documentReferences"] = [{"documentReferenceType": "BKG", "documentReferenceValue": keys["booking"]}]
            events[DCSA].append((dcsa_id, dcsa))

    requests: list[Request] = []
    for kind, sender in ((NATIVE, shipper), (EPCIS, carrier), (DCSA, carrier)):
        items = events[kind]
        size = batch * 2 if kind == EPCIS else batch  # a capture document carries more than an API batch
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            ids = [event_id for event_id, _ in chunk]
            bodies = [body for _, body in chunk]
            if kind == EPCIS:
                body: Any = {
                    "@context": context,
                    "type": "EPCISDocument",
                    "schemaVersion": "2.0",
                    "creationDate": _stamp(base, 0),
                    "epcisBody": {"eventList": bodies},
                }
            else:
                body = bodies
            requests.append(Request(kind, sender, body, ids))
    rng.shuffle(requests)

    queues: list[list[Request]] = [[] for _ in range(clients)]
    for index, request in enumerate(requests):
        queue = queues[index % clients]
        queue.append(request)
        if index % resend_every == 0:
            queue.append(Request(request.kind, request.sender, request.body, request.events))
            if request.kind != EPCIS:
                one = copy.deepcopy(request.body[0])
                if request.kind == NATIVE:
                    one["location"] = "KRPUS"
                else:
                    one["eventDateTime"] = _stamp(base, 200)
                queue.append(Request(request.kind, request.sender, [one], request.events[:1], conflicting=True))
    expected = {(request.sender, event_id) for request in requests for event_id in request.events}
    return Load(queues, expected)


# --- Clients --------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw, for the fault table."""

    answers: Counter = field(default_factory=Counter)  # status code -> count
    server_errors: list[str] = field(default_factory=list)  # every 500 (and other 5xx than 502-504)
    unexpected: list[str] = field(default_factory=list)  # a refusal the load did not ask for, and the like
    retries: int = 0
    done: int = 0
    in_flight: Counter = field(default_factory=Counter)  # kind -> requests sent and not yet answered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int) -> None:
        with self.lock:
            self.answers[status] += 1


RETRYABLE = {502, 503, 504}
# What a client sees of a server that is not there or went away mid-answer.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Answer:
    status: int
    headers: Any
    text: str


def http(
    method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60
) -> Answer:
    """One request with the standard library; an error status is an answer, a broken connection raises."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read().decode(errors="replace"))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read().decode(errors="replace"))


def _send(base: str, tokens: dict[str, str], request: Request, tally: Tally, deadline: float) -> None:
    session_headers = {"Authorization": f"Bearer {tokens[request.sender]}"}
    if request.kind == EPCIS:
        session_headers["Content-Type"] = "application/ld+json"
        data = json.dumps(request.body).encode()
    else:
        session_headers["Content-Type"] = "application/json"
        data = json.dumps(request.body).encode()
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        with tally.lock:
            tally.in_flight[request.kind] += 1
        try:
            response = http("POST", base + request.path, data=data, headers=session_headers)
        except CONNECTION_ERRORS:
            with tally.lock:
                tally.in_flight[request.kind] -= 1
            with tally.lock:
                tally.retries += 1
            time.sleep(min(0.25 * attempt, 1.0))
            continue
        status = response.status
        with tally.lock:
            tally.in_flight[request.kind] -= 1
        tally.note(status)
        if status in RETRYABLE:
            with tally.lock:
                tally.retries += 1
            # Retry-After is honoured, capped: the suite measures recovery, not patience.
            wait = min(float(response.headers.get("Retry-After") or 1), 1.0)
            time.sleep(wait)
            continue
        if status >= 500:
            with tally.lock:
                tally.server_errors.append(f"{status} {request.path}: {response.text[:300]}")
                tally.retries += 1
            time.sleep(0.5)
            continue
        if request.conflicting:
            if status != 409:
                with tally.lock:
                    tally.unexpected.append(f"conflicting resend answered {status}: {response.text[:300]}")
            return
        if status in (200, 201, 202):
            return
        with tally.lock:
            tally.unexpected.append(f"{status} {request.path}: {response.text[:300]}")
        if status == 409:  # a concurrency conflict told to retry: retry, but it is counted above
            time.sleep(0.5)
            continue
        return
    with tally.lock:
        tally.unexpected.append(f"gave up on {request.path} after {attempt} attempts (deadline)")


def push(base: str, tokens: dict[str, str], load: Load, tally: Tally, *, timeout: float = 900) -> float:
    """Send the load from one thread per client; returns the seconds until every client was answered."""
    deadline = time.monotonic() + timeout

    def client(queue: list[Request]) -> None:
        for request in queue:
            _send(base, tokens, request, tally, deadline)
            with tally.lock:
                tally.done += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(queue,), daemon=True) for queue in load.clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


# --- The stack ------------------------------------------------------------------------------------


def _admin_execute(*statements: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


class Stack:
    """gunicorn, a Celery worker and beat on database ``name`` (cloned from ``template``) and Redis ``redis_db``,
    each service behind a proxy. ``settings`` adds CORRIDOR_* variables (e.g. shorter sweep thresholds)."""

    def __init__(self, *, template: str, name: str, redis_db: int, workdir: Path, settings: dict[str, str]) -> None:
        self.template, self.name, self.redis_db, self.workdir = template, name, redis_db, workdir
        self.pg_proxy = Proxy(PG, name="pg-proxy")
        self.redis_proxy = Proxy(REDIS, name="redis-proxy")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "corridor.settings",
                "CORRIDOR_VAR_DIR": str(workdir),
                "CORRIDOR_DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_proxy.port}/{name}",
                "CORRIDOR_BROKER_URL": f"redis://127.0.0.1:{self.redis_proxy.port}/{redis_db}",
                "CORRIDOR_LOG_LEVEL": "WARNING",
                **settings,
            }
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts: Counter = Counter()
        self.graceful_stops: list[bool] = []  # per SIGTERM: whether the process exited within its grace

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def start(self) -> None:
        _admin_execute(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"',
        )
        redis.Redis(*REDIS, db=self.redis_db).flushdb()
        self.start_worker()
        self.start_beat()
        self.start_web()
        self.wait_web()

    def _spawn(self, role: str, argv: list[str]) -> None:
        log = (self.workdir / f"{role}.log").open("ab")
        self.processes[role] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "corridor.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
            ],
        )

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "corridor",
                "worker",
                "--concurrency",
                "2",
                "--prefetch-multiplier",
                "1",
                "-O",
                "fair",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"faults-{self.name}@%h",
                "--loglevel",
                "WARNING",
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "corridor",
                "beat",
                "--schedule",
                str(self.workdir / "beat-schedule"),
                "--loglevel",
                "WARNING",
            ],
        )

    def wait_web(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["web"].poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.workdir / 'web.log'}")
            with contextlib.suppress(*CONNECTION_ERRORS):
                if http("GET", f"{self.base}/healthz", timeout=5).status < 500:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def kill(self, role: str) -> None:
        """SIGKILL the role's whole process group (a master and its pool), as an OOM killer or a crash would."""
        process = self.processes[role]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)

    def terminate(self, role: str, *, grace: float = 60) -> bool:
        """SIGTERM to the role's master only, as an orchestrator stops it; whether it exited within ``grace``.

        Celery's warm shutdown lets the pool finish its current task; a pool process signalled itself
        would stop at once. What is left after the grace is killed, as an orchestrator would.
        """
        process = self.processes[role]
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
            return True
        except subprocess.TimeoutExpired:
            self.kill(role)
            return False

    def restart(self, role: str) -> None:
        self.restarts[role] += 1
        {"web": self.start_web, "worker": self.start_worker, "beat": self.start_beat}[role]()

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(15)
            # A pool child that outlived its master (it should not) is still in the group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.pg_proxy.close()
        self.redis_proxy.close()
        with contextlib.suppress(Exception):
            _admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def prepare_template(template: str, *, consignments: int, workdir: Path) -> dict[str, Any]:
    """Create, migrate and seed ``template`` (directly, no proxy); returns the seed's tokens and consignments."""
    _admin_execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)', f'CREATE DATABASE "{template}"')
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
    env.update(
        CORRIDOR_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{template}",
        CORRIDOR_VAR_DIR=str(workdir),
        CORRIDOR_LOG_LEVEL="WARNING",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.faults.seed", str(consignments)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
        capture_output=True,
        text=True,
    )
    return json.loads(seeded.stdout.strip().splitlines()[-1])


def drop_database(name: str) -> None:
    with contextlib.suppress(Exception):
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- After the run --------------------------------------------------------------------------------


@dataclass
class Audit:
    """What the database holds after a run, against what the load sent."""

    stored: int = 0
    lost: list[tuple[str, str]] = field(default_factory=list)
    doubled: list[tuple[str, str]] = field(default_factory=list)
    unexpected_events: list[tuple[str, str]] = field(default_factory=list)
    linked: int = 0
    linked_without_credential: int = 0
    chain_faults: list[str] = field(default_factory=list)
    jobs: Counter = field(default_factory=Counter)
    failed_job_errors: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """Work the ledger still owes: a linked event without its credential, a capture job running."""
        return bool(self.linked_without_credential or self.jobs.get("running"))

    def faults(self) -> list[str]:
        found = []
        if self.lost:
            found.append(f"{len(self.lost)} events lost, e.g. {self.lost[:3]}")
        if self.doubled:
            found.append(f"{len(self.doubled)} events stored more than once, e.g. {self.doubled[:3]}")
        if self.unexpected_events:
            found.append(f"{len(self.unexpected_events)} events nobody sent, e.g. {self.unexpected_events[:3]}")
        if self.linked_without_credential:
            found.append(f"{self.linked_without_credential} linked events without a step credential")
        found.extend(self.chain_faults[:5])
        if self.jobs.get("failed"):
            found.append(f"{self.jobs['failed']} capture jobs failed: {self.failed_job_errors[:3]}")
        if self.jobs.get("running"):
            found.append(f"{self.jobs['running']} capture jobs still running (stranded)")
        return found


def audit(database_url: str, expected: set[tuple[str, str]]) -> Audit:
    result = Audit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT p.slug, e.event_id, count(*) FROM shipments_event e "
            "JOIN partners_partner p ON p.id = e.recorder_id GROUP BY p.slug, e.event_id"
        ).fetchall()
        counts = {(slug, event_id): count for slug, event_id, count in rows}
        result.stored = sum(counts.values())
        result.lost = sorted(expected - set(counts))
        result.doubled = sorted(key for key, count in counts.items() if count > 1)
        result.unexpected_events = sorted(set(counts) - expected)
        result.linked = conn.execute("SELECT count(DISTINCT event_id) FROM shipments_eventlink").fetchone()[0]
        result.linked_without_credential = conn.execute(
            "SELECT count(DISTINCT l.event_id) FROM shipments_eventlink l "
            "LEFT JOIN credentials_credential c ON c.event_id = l.event_id WHERE c.id IS NULL"
        ).fetchone()[0]
        links = dict(
            conn.execute("SELECT consignment_id, count(DISTINCT event_id) FROM shipments_eventlink GROUP BY 1")
        )
        chains: dict[Any, list[tuple[int, Any, Any]]] = {}
        for consignment, position, credential, previous in conn.execute(
            "SELECT consignment_id, position, credential_id, previous_id FROM credentials_chainentry "
            "ORDER BY consignment_id, position"
        ):
            chains.setdefault(consignment, []).append((position, credential, previous))
        for consignment, entries in chains.items():
            positions = [position for position, _, _ in entries]
            if positions != list(range(1, len(entries) + 1)):
                result.chain_faults.append(f"chain of {consignment} has positions {positions[:10]}… (a gap or a fork)")
            for (_, before, _), (position, _, previous) in itertools.pairwise(entries):
                if previous != before:
                    result.chain_faults.append(f"chain of {consignment} forks at position {position}")
            if not result.linked_without_credential and len(entries) != links.get(consignment, 0):
                result.chain_faults.append(
                    f"chain of {consignment} holds {len(entries)} credentials for {links.get(consignment, 0)} events"
                )
        result.jobs = Counter(dict(conn.execute("SELECT state, count(*) FROM shipments_capturejob GROUP BY state")))
        result.failed_job_errors = [
            json.dumps(errors)[:300]
            for (errors,) in conn.execute("SELECT errors FROM shipments_capturejob WHERE state = 'failed' LIMIT 3")
        ]
    return result


def settle(database_url: str, expected: set[tuple[str, str]], *, timeout: float) -> tuple[Audit, float]:
    """Poll until nothing is pending (or ``timeout``); returns the last audit and the seconds waited."""
    started = time.monotonic()
    while True:
        found = audit(database_url, expected)
        if not found.pending or time.monotonic() - started > timeout:
            return found, time.monotonic() - started
        time.sleep(1.0)


@contextlib.contextmanager
def at_progress(tally: Tally, load: Load, fraction: float) -> Iterator[None]:
    """Block until ``fraction`` of the load's requests were answered, then run the ``with`` block."""
    target = int(load.requests * fraction)
    while tally.done < target:
        time.sleep(0.05)
    yield


# --- One run --------------------------------------------------------------------------------------

FAULTS = ("none", "worker-kill", "worker-stop", "web-kill", "postgres-down", "redis-down")


def _until(condition: Callable[[], bool], *, within: float) -> None:
    """Wait until ``condition`` holds, at most ``within`` seconds (then go on: the fault comes anyway)."""
    deadline = time.monotonic() + within
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _capture_running(stack: Stack) -> bool:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        query = "SELECT count(*) FROM shipments_capturejob WHERE state = 'running' AND claimed_at IS NOT NULL"
        return conn.execute(query).fetchone()[0] > 0


def inject(stack: Stack, fault: str, tally: Tally | None = None, *, outage: float = 10.0) -> None:
    """One fault, now: a SIGKILL and a restart 3 s (worker) or 1 s (web) later, a SIGTERM to the worker and a
    restart 1 s after it stopped, or a service gone ``outage`` s.

    The worker is killed while it runs a capture job (mid-batch) and the web server while it receives a
    capture, if one comes within a few seconds.
    """
    if fault == "worker-kill":
        _until(lambda: _capture_running(stack), within=10)
        stack.kill("worker")
        time.sleep(3)
        stack.restart("worker")
    elif fault == "worker-stop":
        # A deploy or a scale-down: SIGTERM while a capture job runs; its batch finishes (or goes back).
        _until(lambda: _capture_running(stack), within=10)
        stack.graceful_stops.append(stack.terminate("worker"))
        time.sleep(1)
        stack.restart("worker")
    elif fault == "web-kill":
        if tally is not None:
            _until(lambda: tally.in_flight[EPCIS] > 0, within=10)
        stack.kill("web")
        time.sleep(1)
        stack.restart("web")
    elif fault == "postgres-down":
        # A database that restarts: every connection cut, new ones refused.
        with stack.pg_proxy.outage(outage):
            pass
    elif fault == "redis-down":
        # A broker that vanishes from the network: nothing answers, only the clients' timeouts notice.
        with stack.redis_proxy.outage(outage, stall=True):
            pass
    elif fault != "none":
        raise ValueError(f"unknown fault {fault!r}")


@dataclass
class Outcome:
    fault: str
    load_seconds: float  # until every client had its answer
    settle_seconds: float  # from the start until the ledger was quiet (every credential, every job done)
    tally: Tally
    audit: Audit

    def problems(self) -> list[str]:
        found = self.audit.faults()
        if self.tally.server_errors:
            found.append(f"{len(self.tally.server_errors)} answers 500: {self.tally.server_errors[:3]}")
        if self.tally.unexpected:
            found.append(f"{len(self.tally.unexpected)} unexpected answers: {self.tally.unexpected[:3]}")
        return found


def run(
    stack: Stack, load: Load, tokens: dict[str, str], fault: str, *, at: float = 0.3, settle_timeout: float = 600
) -> Outcome:
    """Push ``load`` at the stack, inject ``fault`` once ``at`` of it was answered, wait for the ledger to settle."""
    tally = Tally()
    started = time.monotonic()
    injector = None
    if fault != "none":

        def inject_later() -> None:
            with at_progress(tally, load, at):
                inject(stack, fault, tally)

        injector = threading.Thread(target=inject_later, daemon=True)
        injector.start()
    load_seconds = push(stack.base, tokens, load, tally)
    if injector is not None:
        injector.join()
    found, _ = settle(stack.database_url, load.expected, timeout=settle_timeout)
    return Outcome(fault, load_seconds, time.monotonic() - started, tally, found)
