"""Bulk inserts for hot paths: PostgreSQL COPY, with Django's bulk_create everywhere else.

DESIGN §9: bulk_create reaches 7-8k event rows/s on PostgreSQL, COPY about 60k; the ingest floor
needs COPY. Rows must be complete model instances (defaults applied, primary keys set for UUID
models); database-generated keys (auto fields) are left to the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin


def bulk_insert(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert ``rows`` of ``model`` in one round trip; no signals, no returned auto keys."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    converters = [_converter(field, connection) for field in fields]
    # The driver's own cursor: its errors are wrapped by hand into Django's (IntegrityError, OperationalError),
    # which callers catch to fall back or retry.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([convert(row) for convert in converters])


def _converter(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    """How to read one column's value off a row: straight for plain columns, Django's way otherwise."""
    if isinstance(field, models.JSONField):
        attname = field.attname
        # COPY's text format takes JSON text as is; the C encoder is the fastest way to produce it.
        # Python None is SQL NULL, as Django stores it for a nullable JSON column (not JSON null).
        return lambda row: (
            None if (value := getattr(row, attname)) is None else _EMPTY_LIST if value == [] else json.dumps(value)
        )
    needs_django = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if needs_django or (not field.is_relation and type(field) not in _PLAIN_FIELDS):
        return lambda row: field.get_db_prep_save(field.pre_save(row, True), connection)
    attname = field.attname
    return lambda row: getattr(row, attname)


_EMPTY_LIST = "[]"

_PLAIN_FIELDS = (
    models.CharField,
    models.BooleanField,
    models.DateTimeField,
    models.UUIDField,
    models.PositiveIntegerField,
    models.IntegerField,
    models.FloatField,
    models.TextField,
)


def bulk_insert_values(model: type[models.Model], field_names: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """Insert plain value tuples (no model instances: cheaper for narrow index rows) into ``model``.

    ``field_names`` are attribute names (``event_id`` for a foreign key); other columns take their
    database or model defaults.
    """
    if not values:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(field_names, row, strict=True))) for row in values])
        return
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name.removesuffix("_id")).column) for name in field_names
    )
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in values:
            copy.write_row(row)


def bulk_insert_new_values(
    model: type[models.Model], field_names: Sequence[str], values: Sequence[Sequence[Any]]
) -> set[Any]:
    """Insert the rows of ``values`` (in ``field_names`` order, the primary key among them) that break no unique
    constraint, partial ones included; the primary keys of those that landed.

    On PostgreSQL the rows are COPYed straight into the table under a savepoint; if one of them conflicts (a
    concurrent writer got there first), they are COPYed into a temporary table of the table's shape instead and
    moved over with ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``. A JSON value shared by several rows
    (one finding for several partners) is serialized once. Elsewhere, ``bulk_create`` ignoring conflicts, then
    the rows that are there.
    """
    if not values:
        return set()
    connection = connections[router.db_for_write(model)]
    pk = model._meta.pk
    at = list(field_names).index(pk.attname)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(field_names, row, strict=True))) for row in values],
            batch_size=1000,
            ignore_conflicts=True,
        )
        keys = [row[at] for row in values]
        landed: set[Any] = set()
        for start in range(0, len(keys), 2000):
            landed.update(model.objects.filter(pk__in=keys[start : start + 2000]).values_list("pk", flat=True))
        return landed
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in field_names]
    json_at = [index for index, field in enumerate(fields) if isinstance(field, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    staging = connection.ops.quote_name(f"{model._meta.db_table}_incoming")
    texts: dict[int, tuple[Any, str]] = {}

    def as_json(value: Any) -> str | None:
        if value is None:
            return None
        text = texts.get(id(value))
        if text is None:
            # The value is kept with its text, so its id cannot be reused by another object meanwhile.
            text = texts[id(value)] = (value, json.dumps(value))
        return text[1]

    def write(copy: Any) -> None:
        for row in values:
            if json_at:
                cells = list(row)
                for index in json_at:
                    cells[index] = as_json(cells[index])
                copy.write_row(cells)
            else:
                copy.write_row(row)

    # Usually nothing conflicts (the caller left out what it knew to exist): COPY straight into the table,
    # under a savepoint; only if a concurrent writer got there first, go round through the staging table.
    try:
        with (
            transaction.atomic(using=connection.alias),
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            write(copy)
        return {row[at] for row in values}
    except IntegrityError:
        pass
    with connection.wrap_database_errors, connection.cursor() as cursor:
        # Per session, emptied at commit; emptied here too, for a second call in one transaction.
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {staging}")
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            write(copy)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608 (names from the model)
            f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(pk.column)}"
        )
        return {pk.to_python(value) for (value,) in cursor.fetchall()}


def bulk_update_values(
    model: type[models.Model],
    field_names: Sequence[str],
    values: Sequence[Sequence[Any]],
    *,
    also: Mapping[str, Any] | None = None,
) -> None:
    """Set ``field_names[1:]`` to each row's values, and every ``also`` field to its one value, on the rows whose
    primary key is the row's first value (``field_names[0]`` names the primary key).

    On PostgreSQL the values are COPYed into a temporary table and applied with one ``UPDATE … FROM``; a JSON
    value shared by several rows is written once. Elsewhere, ``bulk_update`` in batches.
    """
    if not values:
        return
    also = dict(also or {})
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        rows = [model(**dict(zip(field_names, row, strict=True)), **also) for row in values]
        model.objects.bulk_update(rows, [*field_names[1:], *also], batch_size=500)
        return
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in field_names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staging = quote(f"{model._meta.db_table}_changes_{len(fields)}")
    definitions = ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in fields)
    json_at = [index for index, field in enumerate(fields) if isinstance(field, models.JSONField)]
    texts: dict[int, tuple[Any, str]] = {}
    key = quote(fields[0].column)
    assignments = [f"{quote(field.column)} = s.{quote(field.column)}" for field in fields[1:]]
    parameters = []
    for name, value in also.items():
        field = by_attname[name]
        assignments.append(f"{quote(field.column)} = %s")
        parameters.append(field.get_db_prep_save(value, connection))
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({definitions}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {staging}")
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in values:
                cells = list(row)
                for index in json_at:
                    value = cells[index]
                    if value is not None:
                        text = texts.get(id(value))
                        if text is None:
                            text = texts[id(value)] = (value, json.dumps(value))
                        cells[index] = text[1]
                copy.write_row(cells)
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} FROM {staging} s "  # noqa: S608 (names from the model)
            f"WHERE {table}.{key} = s.{key}",
            parameters,
        )


def bulk_upsert_values(
    model: type[models.Model], field_names: Sequence[str], values: Sequence[Sequence[Any]], *, unique_field: str
) -> None:
    """Insert each row of ``values`` (in ``field_names`` order), or where a row with its ``unique_field`` exists,
    set that row's other fields to the row's values (on PostgreSQL, only where one of them differs).

    On PostgreSQL the values are COPYed into a temporary table and moved over with one ``INSERT … SELECT … ON
    CONFLICT DO UPDATE``: a thousand rows of nine fields took ``bulk_create(update_conflicts=True)`` about a
    tenth of a second of Python, quoting every value into the statement. Elsewhere, that ``bulk_create``.
    """
    if not values:
        return
    connection = connections[router.db_for_write(model)]
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in field_names]
    unique = model._meta.get_field(unique_field)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(field_names, row, strict=True))) for row in values],
            batch_size=500,
            update_conflicts=True,
            unique_fields=[unique.name],
            update_fields=[field.name for field in fields if field.column != unique.column],
        )
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staging = quote(f"{model._meta.db_table}_upsert_{len(fields)}")
    definitions = ", ".join(f"{quote(field.column)} {field.db_type(connection)}" for field in fields)
    columns = ", ".join(quote(field.column) for field in fields)
    json_at = [index for index, field in enumerate(fields) if isinstance(field, models.JSONField)]
    changing = [quote(field.column) for field in fields if field.column != unique.column]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in changing)
    # A row that would not change is not written (no dead tuple, no WAL): a scan run again stores the same ETAs.
    differs = (
        f"({', '.join(f'{table}.{column}' for column in changing)}) "
        f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{column}' for column in changing)})"
    )
    # One transaction: the staging table is emptied at each commit, so in autocommit the rows COPYed would be
    # gone before the INSERT reads them.
    with (
        transaction.atomic(using=connection.alias),
        connection.wrap_database_errors,
        connection.cursor() as cursor,
    ):
        # Per session, emptied at commit; emptied here too, for a second call in one transaction.
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({definitions}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {staging}")
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for row in values:
                if json_at:
                    cells = list(row)
                    for index in json_at:
                        if cells[index] is not None:
                            cells[index] = json.dumps(cells[index])
                    copy.write_row(cells)
                else:
                    copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608 (names from the model)
            f"ON CONFLICT ({quote(unique.column)}) DO UPDATE SET {updates} WHERE {differs}"
        )
