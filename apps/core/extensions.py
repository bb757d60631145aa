"""Extension points: how a higher layer adds to what a lower layer shows, without an upward import.

Domain events (``apps.core.domain_events``) carry what *happened* upwards. An extension point is the
read-side counterpart: a lower app names a place where others may contribute (a section of the
consignment's API body, a panel of the partner's home page, a visibility rule of a queryset), and a
higher app registers its contribution in its ``AppConfig.ready``. The lower app iterates over the
contributions and never learns who made them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class ExtensionPoint(Generic[T]):
    """A named, ordered list of contributions (callables, usually) that higher apps register."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._contributions: list[T] = []

    def register(self, contribution: T) -> T:
        """Add a contribution once (registering it again is a no-op); usable as a decorator."""
        if contribution not in self._contributions:
            self._contributions.append(contribution)
        return contribution

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._contributions))

    def __len__(self) -> int:
        return len(self._contributions)

    def __repr__(self) -> str:
        return f"<ExtensionPoint {self.name}: {len(self)} contribution(s)>"
