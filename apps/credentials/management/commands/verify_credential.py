"""Verify a credential or presentation file offline; exit 0 only when verified."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.credentials import verification


class Command(BaseCommand):
    help = "Verify a verifiable credential or presentation (JSON file, or - for stdin); names every check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--challenge", default=None)
        parser.add_argument("--domain", default=None)
        parser.add_argument("--json", action="store_true", help="Print the VC API answer as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.read() if options["file"] == "-" else self._read(options["file"])
        document = verification.parse_json(raw)
        if document is None:
            raise CommandError("The file is not JSON.")
        types = document.get("type") if isinstance(document, dict) else None
        if isinstance(types, list) and "VerifiablePresentation" in types:
            outcome = verification.presentation_verify(
                document, challenge=options["challenge"], domain=options["domain"], allow_unsigned=True
            )
        else:
            outcome = verification.credential_verify(document)
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_vc_api(), indent=2))
        else:
            for check in outcome.checks:
                mark = "ok  " if check["passed"] else "FAIL"
                self.stdout.write(f"{mark} {check['check']}{': ' + check['detail'] if check.get('detail') else ''}")
            for warning in outcome.warnings:
                self.stdout.write(f"warn {warning['check']}: {warning['detail']}")
            self.stdout.write("verified" if outcome.verified else "NOT verified")
        if not outcome.verified:
            sys.exit(1)

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()  # decoded by parse_json: a file that is not text is "not JSON"
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc}") from exc
