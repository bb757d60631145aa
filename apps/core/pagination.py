"""Keyset ("cursor") pagination on (time, id): stable under inserts, no COUNT, no OFFSET scans.

A view declares ``keyset_ordering = ("-occurred_at", "-id")``: a time field then the primary key,
both in the same direction. The opaque cursor carries the last row's pair.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

DEFAULT_ORDERING = ("-created_at", "-id")
INVALID_CURSOR = "Invalid cursor; use the `next` link from a previous page."


def encode_cursor(time_value: Any, pk: Any) -> str:
    raw = json.dumps([time_value.isoformat(), str(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        time_text, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        time_value = parse_datetime(time_text)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationError({"cursor": [INVALID_CURSOR]}) from exc
    # Cursors we issue always carry an offset; a naive time would be compared in an unknown zone.
    if time_value is None or timezone.is_naive(time_value) or not isinstance(pk, str):
        raise ValidationError({"cursor": [INVALID_CURSOR]})
    return time_value, pk


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "limit"
    max_page_size = 500

    def _ordering(self, view: Any) -> tuple[str, str]:
        time_field, pk_field = getattr(view, "keyset_ordering", DEFAULT_ORDERING)
        if time_field.startswith("-") != pk_field.startswith("-"):
            raise ValueError("keyset_ordering fields must share one direction")
        return time_field, pk_field

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return api_settings.PAGE_SIZE
        try:
            size = int(raw)
        except ValueError as exc:
            raise ValidationError({self.page_size_query_param: ["Must be an integer."]}) from exc
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Must be between 1 and {self.max_page_size}."]})
        return size

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        time_field, pk_field = self._ordering(view)
        descending = time_field.startswith("-")
        time_name, pk_name = time_field.lstrip("-"), pk_field.lstrip("-")
        queryset = queryset.order_by(time_field, pk_field)

        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            time_value, raw_pk = decode_cursor(cursor)
            try:
                pk = queryset.model._meta.get_field(pk_name).to_python(raw_pk)
            except DjangoValidationError as exc:
                raise ValidationError({"cursor": [INVALID_CURSOR]}) from exc
            op = "lt" if descending else "gt"
            queryset = queryset.filter(
                Q(**{f"{time_name}__{op}": time_value}) | Q(**{time_name: time_value, f"{pk_name}__{op}": pk})
            )

        size = self._page_size(request)
        rows = list(queryset[: size + 1])
        self.request = request
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            self.next_cursor = encode_cursor(getattr(last, time_name), getattr(last, pk_name))
        return rows

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True, "description": "The next page, if any."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque cursor from a previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class UncountedPage:
    """One page of a long list for a page of the site, without ``COUNT(*)``: it reads one row more than
    it shows to know whether there is a next page. Counting a partner's whole audit log on every view
    cost more than reading the page once it held 100,000 records; the pager says "page N", not "of M"."""

    def __init__(self, rows: Any, per_page: int, number: Any) -> None:
        try:
            self.number = max(int(number), 1)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        fetched = list(rows[start : start + per_page + 1])
        self.object_list = fetched[:per_page]
        self._has_next = len(fetched) > per_page

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1
