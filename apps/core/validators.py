"""Django validators over the pure identifier checks, for model fields and forms."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from apps.core import identifiers


def _wrap(normalize: Callable[[str], str]) -> Callable[[str], None]:
    def validator(value: str) -> None:
        try:
            normalize(value)
        except identifiers.InvalidIdentifier as exc:
            raise ValidationError(exc.render(gettext), code="invalid") from exc

    # Named as the module attribute it is bound to, so migrations can reference it.
    validator.__name__ = validator.__qualname__ = f"validate_{normalize.__name__.removeprefix('normalize_')}"
    return validator


validate_country = _wrap(identifiers.normalize_country)
validate_lei = _wrap(identifiers.normalize_lei)
validate_eori = _wrap(identifiers.normalize_eori)
validate_unlocode = _wrap(identifiers.normalize_unlocode)
