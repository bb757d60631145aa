"""`manage.py derive_leg_times`: fill legs' actual departure and arrival from the events already recorded.

Ingest keeps them current; this backfills consignments recorded before it did (the demo's delivered one
among them). Idempotent: a second run changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.shipments.models import Leg
from apps.shipments.services import consignment_leg_times_refresh


class Command(BaseCommand):
    help = "Derive every leg's actual departure and arrival from its consignment's events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Consignments per transaction (default 500)")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Leg.objects.order_by("consignment_id").values_list("consignment_id", flat=True).distinct())
        changed = 0
        for start in range(0, len(ids), options["batch"]):
            with transaction.atomic():
                changed += consignment_leg_times_refresh(consignment_ids=ids[start : start + options["batch"]])
        self.stdout.write(f"{changed} leg(s) of {len(ids)} consignment(s) changed.")
