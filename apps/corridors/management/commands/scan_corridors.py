"""``manage.py scan_corridors [--as-of ISO-8601] [--corridor SLUG]``: the corridor watch's scan, here and now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.corridors.models import Corridor
from apps.corridors.scan import scan_run
from apps.disruptions.choices import AlertKind


class Command(BaseCommand):
    help = (
        "Scan the consignments in transit (of one corridor, or all) synchronously, as the beat task does, "
        "and print the findings and alert changes per kind. --as-of judges the data as if it were that moment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="ISO 8601 moment, e.g. 2026-11-30T00:00:00Z (default: now)")
        parser.add_argument("--corridor", help="Only this corridor's consignments (its slug)")

    def handle(self, *args: Any, as_of: str | None = None, corridor: str | None = None, **options: Any) -> None:
        moment = timezone.now()
        if as_of:
            try:
                moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
            except ValueError as exc:
                raise CommandError(f"--as-of: '{as_of}' is not an ISO 8601 date and time") from exc
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=UTC)
        chosen = None
        if corridor:
            chosen = Corridor.objects.filter(slug=corridor).first()
            if chosen is None:
                raise CommandError(f"--corridor: no corridor '{corridor}'")
        scan = scan_run(as_of=moment, corridor=chosen)
        consignments = sum(len(ids) for ids in scan.batches.values_list("consignment_ids", flat=True))
        self.stdout.write(
            f"Scanned {consignments} consignment(s) in transit in {scan.batch_count} batch(es) "
            f"as of {moment.isoformat()}" + (f" on {chosen.slug}" if chosen else "")
        )
        counts = scan.counts
        self.stdout.write(f"{'kind':<14}{'found':>8}{'raised':>8}{'resolved':>10}")
        for kind in ("overdue", "dwell", "congestion", "silence", "inconsistent"):
            self.stdout.write(
                f"{AlertKind(kind).value:<14}{counts.get('found', {}).get(kind, 0):>8}"
                f"{counts.get('raised', {}).get(kind, 0):>8}{counts.get('resolved', {}).get(kind, 0):>10}"
            )
