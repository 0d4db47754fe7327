"""Inserting many rows of one table for an import, through the caller's session and
transaction: COPY on PostgreSQL, one DB-API executemany on SQLite, a Core INSERT elsewhere —
never the ORM unit of work.

Owns `insert_rows`. Values go through each column's own bind processing (enums stored by
value, aware datetimes as naive UTC), and Python-side column defaults are filled in, so the
rows stored are the ones a Core INSERT would have stored.
"""

from __future__ import annotations

from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.orm import Session

_MEMO = 512


def insert_rows(dbsession: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`."""
    if not rows:
        return
    connection = dbsession.connection()
    dialect = connection.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        connection.execute(sa.insert(table), rows)
        return
    given = list(rows[0])
    defaulted = [
        c
        for c in table.columns
        if c.key not in rows[0] and c.default is not None and not c.default.is_sequence
    ]
    columns = [table.c[key] for key in given] + defaulted
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    defaults = [
        v if p is None or v is None else p(v)
        for v, p in zip(map(_default_value, defaulted), processors[len(given) :], strict=True)
    ]
    pick = itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))
    converting = [(i, p, {}) for i, p in enumerate(processors[: len(given)]) if p is not None]

    def values():
        # Dates, enums and the import's timestamps repeat from row to row: each column
        # remembers its first few hundred distinct results (keyed by type too, so 1 and
        # True never share one).
        for row in rows:
            out = [*pick(row), *defaults]
            for i, p, seen in converting:
                v = out[i]
                if v is not None:
                    key = (v.__class__, v)
                    try:
                        done = seen.get(key)
                    except TypeError:  # unhashable (JSON): convert every time
                        out[i] = p(v)
                        continue
                    if done is None:
                        done = p(v)
                        if len(seen) < _MEMO:
                            seen[key] = done
                    out[i] = done
            yield out

    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if dialect.name == "sqlite":
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", values())  # noqa: S608 - identifiers from the table, values bound
        else:
            with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
    finally:
        cursor.close()


def _default_value(column: sa.Column):
    default = column.default
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps plain callables to take a context
    return default.arg
