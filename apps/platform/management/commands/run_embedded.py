"""Run the whole platform on one machine with no services: what ``make run`` does.

Migrates the SQLite database, loads the demo corridor, then starts the web server, a Celery worker
and beat on kombu's SQLAlchemy transport. Ctrl-C (SIGINT) or SIGTERM stops every process it started
within ``STOP_GRACE_SECONDS``; if one child dies, the others are stopped too.

Beat runs as a process of its own rather than inside the worker (``worker --beat``), whose beat
child outlived a killed worker as an orphan; each child leads its own process group, which is
killed whole once the grace is over.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from apps.partners.demo import DEMO_PASSWORD, demo_logins

# A warm shutdown finishes the worker's current tasks within this; one still running is killed, and its
# ledger row (a capture job, a credential-less event) is swept back once its claim's heartbeat stops.
STOP_GRACE_SECONDS = 1.0


class Command(BaseCommand):
    help = "Migrate, load the demo corridor, and run the web server plus a Celery worker with beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
        parser.add_argument(
            "--stop-grace", type=float, default=STOP_GRACE_SECONDS, help="Seconds a stopping worker may finish"
        )
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo corridor")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("demo_corridor")

        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        commands = {
            "web": [python, manage, "runserver", f"{options['host']}:{options['port']}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "corridor",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(options["concurrency"]),
                "--hostname",
                "embedded@%h",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "corridor",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        # Each child leads its own process group, so killing it also kills what it forked (the worker's pool).
        children = {
            name: subprocess.Popen(argv, cwd=settings.BASE_DIR, start_new_session=True, env=os.environ.copy())
            for name, argv in commands.items()
        }
        self._print_banner(options)

        stopping = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exit_code = 0
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with status {child.returncode}; stopping everything.")
                        exit_code = 1
                        stopping = True
                time.sleep(0.1)
        finally:
            self._stop_all(children, grace=options["stop_grace"])
        self.stdout.write("Stopped the web server, the worker and beat.")
        self.stdout.flush()
        sys.stderr.flush()
        # Everything is stopped and written: skip the interpreter's teardown, which spends a second
        # closing the broker connections the demo's enqueues opened (Ctrl-C must be done within 3 s).
        os._exit(exit_code)

    def _stop_all(self, children: dict[str, subprocess.Popen], *, grace: float) -> None:
        for child in children.values():
            # The group leader only: a worker's warm shutdown lets its pool finish the current tasks,
            # where a SIGTERM to the pool processes themselves would cut them at once.
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.05, deadline - time.monotonic()))
        for child in children.values():
            # Kill what is left of each group, including orphaned pool processes.
            _signal_group(child, signal.SIGKILL)
            child.wait()

    def _print_banner(self, options: dict[str, Any]) -> None:
        url = f"http://{options['host']}:{options['port']}/"
        lines = [
            "",
            f"Corridor is running at {url}  (API docs {url}api/docs/, health {url}healthz)",
            f"Database: {settings.DATABASES['default']['NAME']}   Broker: {settings.CELERY_BROKER_URL}",
        ]
        if not options["no_demo"]:
            lines.append(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            lines.extend(f"  {user:<22} {role:<9} {partner}" for user, partner, role in demo_logins())
        lines.append("Press Ctrl-C to stop everything.")
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)
