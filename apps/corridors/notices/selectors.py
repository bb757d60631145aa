"""Reads of external notices, scoped to the actor: staff see all, a partner those that reached it."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.corridors.notices.models import Notice
from apps.partners.access import Actor


def notice_list(*, actor: Actor) -> QuerySet[Notice]:
    return Notice.objects.visible_to(actor)
