"""A Redis that goes silent (a dead host, a partition: no reset, nothing) must not hang a request.

The broker is a proxy that accepts connections and forwards nothing (tests/faults/proxy.py, stalled), so
no Redis is needed: an enqueue in a process configured for Redis gives up within its timeouts and returns
False, as apps.core.work.enqueue promises, instead of waiting for ever.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time

from django.conf import settings

from tests.faults.proxy import Proxy

ENQUEUE = """
import django, time
django.setup()
from apps.core import tasks, work
started = time.monotonic()
sent = work.enqueue(tasks.ping, "n")
print(sent, round(time.monotonic() - started, 1))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "corridor.settings", **extra}


def test_an_enqueue_to_a_silent_redis_gives_up_within_its_timeouts(tmp_path):
    proxy = Proxy(("127.0.0.1", 9), name="silent-redis")  # never forwarded: stalled from the start
    proxy.down(stall=True)
    try:
        env = _clean_env(
            CORRIDOR_VAR_DIR=str(tmp_path),
            CORRIDOR_BROKER_URL=f"redis://127.0.0.1:{proxy.port}/6",
            CORRIDOR_BROKER_TIMEOUT_SECONDS="1",
            CORRIDOR_LOG_LEVEL="CRITICAL",
        )
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", ENQUEUE],
            check=False,
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr
    sent, seconds = result.stdout.split()
    assert sent == "False"
    # Two attempts (one retry) of about a second each, not the minutes a blocking socket would wait.
    assert float(seconds) < 10, result.stdout
    assert took < 60
    assert proxy.accepted >= 1  # it really tried the silent broker


def test_redis_connections_have_timeouts_and_health_checks():
    options = subprocess.run(
        [sys.executable, "-c", "import corridor.settings as s; print(s.CELERY_BROKER_TRANSPORT_OPTIONS)"],
        cwd=settings.BASE_DIR,
        env=_clean_env(CORRIDOR_BROKER_URL="redis://127.0.0.1:6379/0"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    parsed = ast.literal_eval(options)
    assert parsed["socket_connect_timeout"] == parsed["socket_timeout"] == 5
    assert parsed["retry_on_timeout"] is True
    assert 0 < parsed["health_check_interval"] < 60
