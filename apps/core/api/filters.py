"""The API's filter backend: django-filter, with query parameters held to what the schema says.

django-filter reads an empty value (``?until=``) as "no filter" and a boolean it does not know
(``?latest=null``) as "either", which suits the pages' forms (they send every field, empty or not) but lets
an API client's typo pass unnoticed: the API answers both with 400 naming the parameter, as the OpenAPI
schema (a date-time, a boolean) says. The pages use the same FilterSets directly and keep the lenient reading.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEANS = {"true", "false", "1", "0"}


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
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
