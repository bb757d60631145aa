"""Create an API token for a partner and print it, alone, on stdout (scripts depend on this)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.partners import services
from apps.partners.access import command_label, system_actor
from apps.partners.choices import TokenScope
from apps.partners.models import Partner


class Command(BaseCommand):
    help = "Create an API token for a partner; prints only the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("partner_slug")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--name", default="created with manage.py")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Default: never expires")

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Partner.objects.filter(slug=options["partner_slug"]).first()
        if partner is None:
            raise CommandError(f"No partner with slug '{options['partner_slug']}'.")
        expires_at = None
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] < 1:
                raise CommandError("--expires-in-days must be at least 1.")
            expires_at = timezone.now() + timedelta(days=options["expires_in_days"])
        try:
            _, raw = services.api_token_create(
                actor=system_actor(command_label("create_api_token")),
                partner=partner,
                name=options["name"],
                scope=options["scope"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(problems) from exc
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(raw)
