"""The API's filter backend: django-filter, with query parameters held to what the schema says.

django-filter reads an empty value (``?until=``) as "no filter" and a boolean it does not know
(``?latest=null``) as "either", which suits the pages' forms (they send every field, empty or not) but lets
an API client's typo pass unnoticed: the API answers both with 400 naming the parameter, as the OpenAPI
schema (a date-time, a boolean) says. The pages use the same FilterSets directly and keep the lenient reading.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEANS = {"true", "false", "1", "0"}
# Real UTC offsets run from -12:00 to +14:00; ISO 8601 and Python allow up to ±23:59, which PostgreSQL refuses
# in a timestamptz ("time zone displacement out of range": a 500 schemathesis found).
MAX_OFFSET = timedelta(hours=14)


def _offset_out_of_range(field: forms.DateTimeField, value: str) -> bool:
    try:
        parsed = field.to_python(value)
    except forms.ValidationError:
        return False  # the FilterSet names the malformed value itself
    offset = parsed.utcoffset() if isinstance(parsed, datetime) else None
    return offset is not None and abs(offset) > MAX_OFFSET


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            errors: dict[str, list[str]] = {}
            for name, declared in filterset.filters.items():
                values = request.query_params.getlist(name)
                if any(value == "" for value in values):
                    errors[name] = ["Must not be empty; leave the parameter out not to filter by it."]
                elif issubclass(declared.field_class, forms.NullBooleanField) and any(
                    value.lower() not in BOOLEANS for value in values
                ):
                    errors[name] = ["Must be true or false."]
                elif issubclass(declared.field_class, forms.DateTimeField) and any(
                    _offset_out_of_range(declared.field_class(), value) for value in values
                ):
                    errors[name] = ["The UTC offset must lie within ±14:00."]
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
