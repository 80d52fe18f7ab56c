"""Upsert of yearly figures (school or territory), counting created, changed and unchanged values."""

from django.db import connection

BATCH = 5000


def upsert_figures(model, owner_field, period_field, figures, run):
    """`figures`: {(owner_id, variable, period): {field: value}} -> (created, updated, unchanged).

    Only new or changed values are written (see write_rows): importing hundreds of thousands of figures must not
    build as many model instances.
    """
    if not figures:
        return 0, 0, 0
    value_fields = sorted(next(iter(figures.values())))
    variables = {variable for _, variable, _ in figures}
    periods = {period for _, _, period in figures}
    existing = {
        (row[0], row[1], row[2]): dict(zip(value_fields, row[3:], strict=True))
        for row in model.objects.filter(variable__in=variables, **{f"{period_field}__in": periods}).values_list(
            f"{owner_field}_id", "variable", period_field, *value_fields
        )
    }
    unchanged = 0
    new, changed = [], []
    for (owner, variable, period), values in figures.items():
        before = existing.get((owner, variable, period))
        if before == values:
            unchanged += 1
            continue
        (new if before is None else changed).append(
            (owner, variable, period, *(values[f] for f in value_fields), run.pk)
        )
    fields = [owner_field, "variable", period_field, *value_fields, "run"]
    write_rows(model, fields, fields[:3], new, changed)
    return len(new), len(changed), unchanged


def write_rows(model, fields, key, new, changed):
    """Write rows (tuples of the values of `fields`) into the model's table in batches, without building a model
    instance per row (SQLite and PostgreSQL): the `new` rows by a plain INSERT, the `changed` ones by an INSERT …
    ON CONFLICT (`key`) DO UPDATE of the other fields. On SQLite, with its foreign keys checked, an upsert costs
    three times an insert: new rows, most of an import, do not go through it."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    keys = [meta.get_field(name).column for name in key]
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
    upsert = f"{insert} ON CONFLICT ({', '.join(map(quote, keys))}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        for sql, rows in ((insert, _stored(meta, fields, new)), (upsert, _stored(meta, fields, changed))):
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start : start + BATCH])


def _stored(meta, fields, rows):
    """The rows with their dates as the database stores them (SQLite: ISO text); other values go as they are."""
    for i, name in enumerate(fields):
        if meta.get_field(name).get_internal_type() == "DateField":
            adapt = connection.ops.adapt_datefield_value
            rows = [(*row[:i], adapt(row[i]), *row[i + 1 :]) for row in rows]
    return rows
