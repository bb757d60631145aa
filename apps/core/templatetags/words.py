"""Kept wording (``apps.core.words.text_data``) said in the reader's language on a page."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from apps.core.words import text_from_data

register = template.Library()


@register.filter
def said_or(data: object, stored: str) -> str:
    """``data``'s sentence in the reader's language, or ``stored`` (the English as written) where no wording
    was kept (an older record, a name) or it no longer fits its template."""
    text = text_from_data(data)
    return text.render(gettext) if text is not None else stored
