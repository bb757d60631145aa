"""Send a ping task through the broker and wait until a worker records it in the database."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.models import WorkerHeartbeat
from apps.core.tasks import ping
from apps.core.work import enqueue


class Command(BaseCommand):
    help = "Check that a Celery worker answers: enqueue a ping and wait for its heartbeat row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        nonce = secrets.token_hex(8)
        started = time.monotonic()
        if not enqueue(ping, nonce):
            raise CommandError("The broker did not take the ping: it is unreachable (details in the log).")
        while time.monotonic() - started < options["timeout"]:
            heartbeat = WorkerHeartbeat.objects.filter(last_nonce=nonce).first()
            if heartbeat is not None:
                elapsed_ms = (time.monotonic() - started) * 1000
                self.stdout.write(f"pong from {heartbeat.hostname} in {elapsed_ms:.0f} ms")
                return
            time.sleep(0.2)
        raise CommandError(f"No worker answered the ping within {options['timeout']:.0f} s.")
