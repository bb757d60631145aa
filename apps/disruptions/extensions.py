"""The place where higher apps say how their alerts read (see ``apps.core.extensions``).

Every domain raises alerts into this app, but the words for some of them belong to the app that raised
them: a trust verdict's name (compliance), a certificate's page (compliance). An app registers an
``AlertPresenter`` for its kinds in its ``AppConfig.ready``; the alerts pages ask it for the title and the
facts in words, and fall back to the stored title and the evidence's own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from apps.core.extensions import ExtensionPoint


@dataclass(frozen=True)
class Fact:
    """One line of an alert's evidence in words: a label, a value, and where to see it (a page), if anywhere."""

    label: str
    value: str
    url: str = ""


@dataclass(frozen=True)
class Presented:
    """An alert as a person reads it: a title in words and the facts that back it, and a summary when the
    presenter says it again (a ``Text`` title or summary is said in the page's language)."""

    title: str
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    summary: str = ""


@dataclass(frozen=True)
class AlertPresenter:
    """``present(alert)`` gives the alert in words, for the alert ``kinds`` the registering app raises."""

    kinds: frozenset[str]
    present: Callable[[object], Presented]


alert_presenters: ExtensionPoint[AlertPresenter] = ExtensionPoint("alert_presenters")

corridor_names: ExtensionPoint[Callable[[Iterable[str]], Mapping[str, str]]] = ExtensionPoint("corridor_names")
"""``names(slugs)``: the corridors' names by slug. Alerts name a corridor by its slug (the corridors app sits
above this one); the app that owns corridors says what they are called."""


def corridors_named(slugs: Iterable[str]) -> dict[str, str]:
    """The corridors' names by slug, from the app that owns them (one query; none when no slug is given)."""
    wanted = {slug for slug in slugs if slug}
    names: dict[str, str] = {}
    for provider in corridor_names if wanted else ():
        names.update(provider(wanted))
    return names


evidence_value_words: ExtensionPoint[Callable[[str, str], str]] = ExtensionPoint("evidence_value_words")
"""``words(key, code)``: an evidence code in the page's language ("sea" under ``mode``, "weather" under a notice's
``kind``), or ``""`` when the contributing app does not know it. The app that owns the codes' choices registers."""
