import sqlite3
from contextlib import closing

from edhub.schools.models import Kind, SchoolFigure
from edhub.utils.bulk import register_sqlite_adapters


def test_sqlite_binds_none_booleans_and_choices_through_registered_adapters_as_the_same_values():
    register_sqlite_adapters()
    protocol = sqlite3.PrepareProtocol
    assert sqlite3.adapters[(Kind, protocol)] is str.__str__
    assert sqlite3.adapters[(SchoolFigure.Status, protocol)] is str.__str__
    assert sqlite3.adapters[(bool, protocol)] is int
    with closing(sqlite3.connect(":memory:")) as connection:
        row = connection.execute(
            "SELECT ?, typeof(?), ?, typeof(?), ?, typeof(?), ?, typeof(?)",
            [None, None, True, False, Kind.COLLEGE, Kind.COLLEGE, SchoolFigure.Status.NS, SchoolFigure.Status.NS],
        ).fetchone()
    assert row == (None, "null", 1, "integer", "college", "text", SchoolFigure.Status.NS.value, "text")
    assert type(row[4]) is str
