"""The bulk helpers moved to edhub.utils.bulk (the schools' writer uses them, and schools import nothing from
opendata); their names stay here for the modules that import them from here (inventories' validation)."""

from edhub.utils.bulk import read_pairs, register_sqlite_adapters, upsert_figures, write_rows

__all__ = ["read_pairs", "register_sqlite_adapters", "upsert_figures", "write_rows"]
