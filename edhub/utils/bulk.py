"""Bulk writes and reads without a model instance a row: rows inserted or upserted many a statement, yearly figures
(school or territory) upserted counting created, changed and unchanged values, pairs of codes and ids read at once.
Shared by the open-data importers, the schools' writer and the inventories."""

import functools
from contextlib import ExitStack, closing
from itertools import chain

from django.db import connection

# Rows written by one INSERT statement (VALUES (…), (…), …): one statement per row costs SQLite its statement
# set-up, its triggers (AUTOINCREMENT) and its foreign key checks each time, about twice the row's own writing.
ROWS_PER_STATEMENT = 500
# Parameters of one statement when the database does not say its limit (PostgreSQL's protocol allows 65,535).
MAX_PARAMETERS = 30_000


def upsert_figures(model, owner_field, period_field, value_fields, figures, run, periods=None):
    """`figures`: {(owner_id, variable, period): (the values of `value_fields`)} -> (created, updated, unchanged).
    `periods`: those of the figures, when the caller knows them.

    Only new or changed values are written (see write_rows): importing hundreds of thousands of figures must not
    build as many model instances.
    """
    if not figures:
        return 0, 0, 0
    variables = {variable for _, variable, _ in figures}
    if periods is None:
        periods = {period for _, _, period in figures}
    rows = model.objects.filter(variable__in=variables, **{f"{period_field}__in": periods}).values_list(
        f"{owner_field}_id", "variable", period_field, *value_fields
    )
    existing = {row[:3]: row[3:] for row in rows}
    run_id = run.pk
    if not existing:  # a first import: every value is new
        new = [(*key, *values, run_id) for key, values in figures.items()]
        changed, unchanged = [], 0
    else:
        new, changed = [], []
        for key, values in figures.items():
            before = existing.get(key)
            if before is None:
                new.append((*key, *values, run_id))
            elif before != values:
                changed.append((*key, *values, run_id))
        unchanged = len(figures) - len(new) - len(changed)
    fields = [owner_field, "variable", period_field, *value_fields, "run"]
    write_rows(model, fields, fields[:3], new, changed, in_key_order=True)
    return len(new), len(changed), unchanged


def write_rows(model, fields, key, new, changed, in_key_order=False):
    """Write rows (tuples of the values of `fields`, the `key` fields first) into the model's table, without building
    a model instance per row (SQLite and PostgreSQL): the `new` rows by plain INSERTs, the `changed` ones by INSERT …
    ON CONFLICT (`key`) DO UPDATE of the other fields, many rows a statement. `in_key_order` (rows whose keys are
    unique): written in the order of their key, the indexes are then filled in order (rows in random order cost
    SQLite several times more). On SQLite, with its foreign keys checked, an upsert costs three times an insert: new
    rows, most of an import, do not go through it."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    keys = [meta.get_field(name).column for name in key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor, ExitStack() as stack:
        if connection.vendor == "sqlite":
            register_sqlite_adapters()
            # Django's cursor rewrites each statement's %s into SQLite's ? with a regular expression, which costs a
            # long multi-row INSERT more than SQLite takes to write it: the statements go to SQLite's own cursor, in
            # the same transaction.
            cursor, placeholder = stack.enter_context(closing(connection.connection.cursor())), "?"
        else:
            placeholder = "%s"
        head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
        one = f"({', '.join([placeholder] * len(columns))})"
        updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
        conflict = f" ON CONFLICT ({', '.join(map(quote, keys))}) DO UPDATE SET {updates}"
        batch = rows_per_statement(len(columns))
        for rows, tail in ((new, ""), (changed, conflict)):
            rows = _stored(meta, fields, rows)
            if in_key_order:  # an import's rows are mostly in order already (a file lists its schools, communes so)
                rows = sorted(rows)  # their keys are unique: the fields after them are never compared
            for start in range(0, len(rows), batch):
                chunk = rows[start : start + batch]
                sql = head + ", ".join([one] * len(chunk)) + tail
                cursor.execute(sql, list(chain.from_iterable(chunk)))


@functools.cache  # once a process
def register_sqlite_adapters():
    """Let SQLite's driver bind the values it does not take as they are (only exact str, int, float and bytes) without
    raising an error each: None, booleans and the members of choices (Kind.COLLEGE is a str). The driver first looks
    for a registered adapter, then for `__adapt__` on its protocol type, whose AttributeError it formats and clears
    (about a microsecond, a tenth of writing a school's row has been that, for its 8 such fields). The values bound
    are the same: NULL, 0 or 1, the choice's own value."""
    import sqlite3

    from django.db import models

    sqlite3.register_adapter(type(None), _null)
    sqlite3.register_adapter(bool, int)
    for base, plain in ((models.TextChoices, str.__str__), (models.IntegerChoices, int.__index__)):
        for choices in _subclasses(base):
            sqlite3.register_adapter(choices, plain)


def _null(value):
    return None


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def rows_per_statement(width):
    """How many rows of `width` values one statement writes, within the database's limit of parameters."""
    limit = connection.features.max_query_params or MAX_PARAMETERS
    if connection.vendor == "sqlite":
        # Django assumes SQLite's historical limit (999); the library says the real one (32,766 since 3.32).
        import sqlite3

        getlimit = getattr(connection.connection, "getlimit", None)  # Python ≥ 3.11
        if getlimit is not None:
            limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_STATEMENT, limit // width))


def _stored(meta, fields, rows):
    """The rows with their dates as the database stores them (SQLite: ISO text); other values go as they are."""
    for i, name in enumerate(fields):
        if meta.get_field(name).get_internal_type() == "DateField":
            adapt = connection.ops.adapt_datefield_value
            rows = [row if row[i] is None else (*row[:i], adapt(row[i]), *row[i + 1 :]) for row in rows]
    return rows


def read_pairs(queryset):
    """{first: second} of a two-field values_list() queryset, fetched by the database cursor at once: without the
    ORM's work for each row, which costs more than the query when it reads tens of thousands of codes and ids."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
