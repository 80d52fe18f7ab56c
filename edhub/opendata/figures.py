"""Upsert of yearly figures (school or territory), counting created, changed and unchanged values."""

from django.db import connection

BATCH = 5000


def upsert_figures(model, owner_field, period_field, figures, run):
    """`figures`: {(owner_id, variable, period): {field: value}} -> (created, updated, unchanged).

    Only new or changed values are written, in batches of one INSERT … ON CONFLICT DO UPDATE (SQLite and
    PostgreSQL): importing hundreds of thousands of figures must not build as many model instances.
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
    created = updated = unchanged = 0
    rows = []
    for (owner, variable, period), values in figures.items():
        before = existing.get((owner, variable, period))
        if before == values:
            unchanged += 1
            continue
        if before is None:
            created += 1
        else:
            updated += 1
        rows.append((owner, variable, period, *(values[f] for f in value_fields), run.pk))
    _write(model, owner_field, period_field, value_fields, rows)
    return created, updated, unchanged


def _write(model, owner_field, period_field, value_fields, rows):
    meta = model._meta
    columns = [meta.get_field(owner_field).column, "variable", meta.get_field(period_field).column]
    columns += [meta.get_field(f).column for f in value_fields] + [meta.get_field("run").column]
    key = columns[:3]
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns[3:])
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(map(quote, key))}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
