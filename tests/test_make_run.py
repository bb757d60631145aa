"""`make run` end to end: the embedded default comes up with no services and Ctrl-C stops it all.

Starts the real command in a scratch CORRIDOR_VAR_DIR (its own SQLite database and broker), then
checks the login page, a logged-in home page, /healthz, /api/docs/ and a ping answered by the
Celery worker, and finally sends SIGINT as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180
# Ctrl-C stops the web server, the worker (a warm shutdown, cut after a grace) and beat, all of them.
STOP_WITHIN = 3.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The environment too: every child inherits CORRIDOR_VAR_DIR, whatever its command line.
            seen = b" ".join((entry / name).read_bytes() for name in ("cmdline", "environ"))
        except OSError:
            continue
        if text in seen.replace(b"\0", b" ").decode(errors="replace") and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def _wait_for_health(base: str, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"make run exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"/healthz did not answer within {START_TIMEOUT} s")


@pytest.mark.e2e
def test_make_run_serves_the_app_runs_a_worker_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
    env["CORRIDOR_VAR_DIR"] = str(tmp_path)
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        health = _wait_for_health(base, proc)
        assert health["status"] == "ok"
        assert health["checks"]["database"]["vendor"] == "sqlite"
        assert health["checks"]["broker"]["transport"] == "sqla"

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login_page = opener.open(f"{base}/", timeout=10).read().decode()
        assert "Log in to Corridor" in login_page
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode(
            {"username": "shipper-admin", "password": "corridor-demo", "csrfmiddlewaretoken": csrf, "next": "/"}
        ).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
        home = opener.open(request, timeout=10).read().decode()
        assert "Formosa Precision Electronics (demo)" in home
        assert "DEMO-KHH-LAX-0001" in home  # a shipper starts at its consignments
        partner = opener.open(f"{base}/partner/", timeout=10).read().decode()
        assert "shipper-viewer" in partner

        docs = urllib.request.urlopen(f"{base}/api/docs/", timeout=10).read().decode()
        assert "swagger-ui" in docs
        assert "https://" not in docs

        ping = subprocess.run(
            [sys.executable, "manage.py", "ping_worker", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert ping.returncode == 0, ping.stderr
        assert ping.stdout.startswith("pong from embedded@")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        stopping = time.monotonic()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("make run did not stop within 60 s of Ctrl-C")
        stop_seconds = time.monotonic() - stopping
    assert stop_seconds < STOP_WITHIN, f"make run took {stop_seconds:.1f} s to stop after Ctrl-C"
    assert _processes_mentioning(str(tmp_path)) == [], "processes left running after Ctrl-C (an orphaned beat?)"

    output = log_path.read_text(errors="replace")
    assert f"Corridor is running at {base}/" in output
    assert "shipper-admin" in output
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
