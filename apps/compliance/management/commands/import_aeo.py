"""`manage.py import_aeo FILE.csv --authority <slug> [--partial]`: bulk import of an authority's AEO certificates.

Errors go to stderr as ``line N, field F: message``, the summary to stdout. Exit codes: 0 everything imported
(or already there), 1 some rows are bad (nothing written, or with ``--partial`` the good rows written),
2 usage errors (unknown authority, unreadable file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.compliance.aeo_csv import MAX_FILE_BYTES
from apps.compliance.importing import aeo_import
from apps.core.errors import ApplicationError
from apps.partners.access import command_label, system_actor
from apps.partners.models import Partner

USAGE_ERROR = 2
ROWS_REJECTED = 1


class Command(BaseCommand):
    help = "Import AEO certificates of a customs authority from a CSV file (format: apps/compliance/aeo_csv.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, with a header row")
        parser.add_argument("--authority", required=True, help="Slug of the issuing customs authority")
        parser.add_argument(
            "--partial", action="store_true", help="Import the good rows even when others are bad (default: none)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["authority"]
        authority = Partner.objects.filter(slug=slug).prefetch_related("kind_links").first()
        if authority is None:
            raise CommandError(f"No partner with slug '{slug}'.", returncode=USAGE_ERROR)
        if not authority.is_customs_authority:
            raise CommandError(f"'{slug}' is not a customs authority.", returncode=USAGE_ERROR)
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path} is larger than {MAX_FILE_BYTES:,} bytes; split it.", returncode=USAGE_ERROR)
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.", returncode=USAGE_ERROR) from exc
        try:
            report = aeo_import(
                actor=system_actor(command_label("import_aeo"), partner=authority),
                authority=authority,
                text=data,
                partial=options["partial"],
                source=path.name,
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail, returncode=USAGE_ERROR) from exc
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        if report.errors:
            written = "the good rows were imported" if options["partial"] else "nothing was imported"
            raise CommandError(f"{len(report.errors)} error(s); {written}.", returncode=ROWS_REJECTED)
