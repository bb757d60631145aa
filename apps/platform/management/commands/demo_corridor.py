"""Load the demo corridor (Kaohsiung → Busan → Los Angeles); safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from apps.compliance.demo import demo_compliance_load
from apps.corridors.demo import demo_corridors_load
from apps.corridors.notices.demo import demo_notices_load
from apps.partners.demo import DEMO_PASSWORD, demo_corridor_load, demo_logins
from apps.shipments.demo import demo_shipments_load


class Command(BaseCommand):
    help = (
        "Create the demo corridor's partners, users, consignments, AEO registry and watched Corridor (idempotent). "
        "All of it is labelled demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logins", action="store_true", help="List the demo logins afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_corridor_load()
        created.update(demo_shipments_load())
        created.update(demo_compliance_load())
        created.update(demo_corridors_load(as_of=timezone.now()))
        created.update(demo_notices_load(as_of=timezone.now()))
        summary = ", ".join(f"{count} {what}" for what, count in created.items())
        self.stdout.write(f"Demo corridor TWKHH → KRPUS → USLAX ready (created {summary}).")
        if options["logins"]:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, partner, role in demo_logins():
                self.stdout.write(f"  {username:<26} {role:<9} {partner}")
