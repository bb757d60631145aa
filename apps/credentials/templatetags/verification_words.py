"""``{{ check|check_label }}``: a verification check (or its name) in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from apps.credentials import verification

register = template.Library()


@register.filter
def check_label(check: Mapping[str, Any] | str) -> str:
    return verification.check_label(check)
