"""The corridor watch's and the notices' evidence codes in the page's words, for the alerts pages
(``apps.disruptions.extensions.evidence_value_words``): a mode, a baseline's kind and source, a notice's kind,
how a notice meets a consignment's route."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy

from apps.corridors.choices import BaselineKind, BaselineSource
from apps.corridors.notices.models import NoticeKind
from apps.shipments.choices import TransportMode

# How a notice meets a consignment's remaining route (``Touch.how``).
TOUCHES = {
    "departure": gettext_lazy("departure from the place"),
    "arrival": gettext_lazy("arrival at the place"),
    "voyage": gettext_lazy("the voyage"),
    "origin": gettext_lazy("its origin (no planned legs)"),
    "destination": gettext_lazy("its destination (no planned legs)"),
}

_CHOICES: dict[str, tuple[type[TextChoices], ...]] = {
    "mode": (TransportMode,),
    "kind": (BaselineKind, NoticeKind),
    "source": (BaselineSource,),
}


def evidence_words(key: str, code: str) -> str:
    """``code`` under evidence ``key`` in the page's language, or ``""`` when it is not one of ours."""
    if key == "touches":
        return str(TOUCHES.get(code, ""))
    for choices in _CHOICES.get(key, ()):
        if code in choices.values:
            return str(choices(code).label)
    return ""
