"""``{{ check|check_label }}`` and ``{{ check|check_detail }}``: a verification check (or its name) and what
it found, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from apps.credentials import verification

register = template.Library()


@register.filter
def check_label(check: Mapping[str, Any] | str) -> str:
    return verification.check_label(check)


@register.filter
def check_detail(check: Mapping[str, Any]) -> str:
    return verification.check_detail(check)
