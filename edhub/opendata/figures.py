"""Upsert of yearly figures (school or territory), counting created, changed and unchanged values."""


def upsert_figures(model, owner_field, period_field, figures, run):
    """`figures`: {(owner_id, variable, period): {field: value}} -> (created, updated, unchanged)."""
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
    to_write = []
    for (owner, variable, period), values in figures.items():
        before = existing.get((owner, variable, period))
        if before == values:
            unchanged += 1
            continue
        if before is None:
            created += 1
        else:
            updated += 1
        to_write.append(
            model(**{f"{owner_field}_id": owner, "variable": variable, period_field: period, "run": run, **values})
        )
    model.objects.bulk_create(
        to_write,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=[owner_field, "variable", period_field],
        update_fields=[*value_fields, "run"],
    )
    return created, updated, unchanged
