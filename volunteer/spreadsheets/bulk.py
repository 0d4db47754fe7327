"""Inserting many rows of one table for an import, through the caller's session and
transaction: COPY on PostgreSQL, one INSERT … SELECT over a JSON array on SQLite, a Core
INSERT elsewhere — never the ORM unit of work; and matching a column against many values
in one statement (`in_filters`).

Owns `insert_rows`, `insert_columns`, `BackgroundInserts` and `in_filters`; the values are
prepared by `bulk_values`. Values go through each column's own bind processing (enums stored by
value, aware datetimes as naive UTC), and Python-side column defaults are filled in, so the
rows stored are the ones a Core INSERT would have stored.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter

import sqlalchemy as sa
from psycopg.copy import Copy, FileWriter
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from volunteer.spreadsheets.bulk_values import bound_columns, same_on_every_row
from volunteer.spreadsheets.copy_text import copy_text

# Values SQLite reads back from JSON exactly as the driver would have bound them. Floats are
# left out: SQLite's own decimal-to-double conversion is not guaranteed to round like Python's.
_JSON_EXACT = frozenset((str, int, type(None)))
_SQLITE_JSON = sqlite3.sqlite_version_info >= (3, 38)  # JSON built in, with the ->> operator
IN_CHUNK = 900  # values per IN list where neither arrays nor JSON can carry them


_BACKGROUND = "volunteer.bulk.background"


def in_filters(dbsession: Session, column, values: list):
    """WHERE clauses matching `column` against `values`, each for one statement: a single
    one — `= ANY(array)` on PostgreSQL, `IN (SELECT value FROM json_each(…))` on SQLite —
    compiled once whatever the number of values; IN lists of IN_CHUNK elsewhere."""
    dialect = dbsession.get_bind().dialect.name
    if dialect == "postgresql":
        yield column == sa.any_(sa.bindparam("values", values, type_=postgresql.ARRAY(column.type)))
        return
    if dialect == "sqlite" and _SQLITE_JSON:
        listed = sa.func.json_each(sa.bindparam("values", json.dumps(values))).table_valued("value")
        yield column.in_(sa.select(listed.c.value))
        return
    for start in range(0, len(values), IN_CHUNK):
        yield column.in_(values[start : start + IN_CHUNK])


class BackgroundInserts:
    """While active on a session, `insert_rows` hands the database's part of each insert to a
    worker thread and returns, so an import reads and checks its next chunk while the
    database stores the previous one — on the session's own connection, in the same
    transaction. One insert runs at a time; any other statement, commit or rollback on that
    connection first waits for it, and an insert's error is raised there.

    Inside `deferred()`, inserts are prepared but start only when the block ends, so the
    statements of the block run first instead of waiting for them: the block must not read
    what those inserts write."""

    def __init__(self, dbsession: Session):
        self.dbsession = dbsession
        self._pending: Future | None = None
        self._held: list | None = None
        self._worker: ThreadPoolExecutor | None = None
        self._connection: sa.Connection | None = None

    def __enter__(self) -> BackgroundInserts:
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="bulk-insert")
        self._connection = self.dbsession.connection()
        for name in ("before_cursor_execute", "commit", "rollback"):
            sa.event.listen(self._connection, name, self._before_use)
        self.dbsession.info[_BACKGROUND] = self
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()
            elif self._pending is not None:
                self._pending.exception()  # idle before the caller rolls back; theirs is the error
        finally:
            self._pending = self._held = None
            self.dbsession.info.pop(_BACKGROUND, None)
            for name in ("before_cursor_execute", "commit", "rollback"):
                sa.event.remove(self._connection, name, self._before_use)
            self._worker.shutdown()

    def _before_use(self, *args, **kwargs) -> None:
        self.wait()

    def submit(self, work) -> None:
        if self._held is not None:
            self._held.append(work)
            return
        self.wait()
        self._pending = self._worker.submit(work)

    @contextlib.contextmanager
    def deferred(self):
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
        for work in held:  # only when the block went through: an error leaves them unsent
            self.submit(work)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


def insert_rows(dbsession: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` (in the background when the
    session has `BackgroundInserts` active)."""
    if not rows:
        return
    keys = list(rows[0])
    if len(keys) > 1:
        by_key = list(zip(*map(itemgetter(*keys), rows), strict=True))
    else:
        by_key = [tuple(row[keys[0]] for row in rows)]
    insert_columns(dbsession, table, dict(zip(keys, by_key, strict=True)), len(rows))


def insert_columns(
    dbsession: Session,
    table: sa.Table,
    columns: dict[str, Sequence],
    count: int,
    constants: dict[str, object] | None = None,
) -> None:
    """Insert `count` rows given column by column (`columns`: key → the rows' values;
    `constants`: key → the value of every row) — as `insert_rows`, without building a
    dict per row."""
    if not count:
        return
    background: BackgroundInserts | None = dbsession.info.get(_BACKGROUND)
    connection = dbsession.connection()
    dialect = connection.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        rows = [
            {**dict(zip(columns, values, strict=True)), **(constants or {})}
            for values in zip(*columns.values(), strict=True)
        ]
        connection.execute(sa.insert(table), rows)  # waits for any background insert first
        return
    # The statement and its data are made while the previous insert may still be running:
    # only sending them needs the connection.
    written, data, constant = bound_columns(table, columns, constants or {}, count, dialect)
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    names = [quote(c.name) for c in written]
    dbapi_connection = connection.connection.dbapi_connection
    if dialect.name == "sqlite":
        sql, parameters, many = _sqlite_statement(target, names, data, constant)

        def store():
            with contextlib.closing(dbapi_connection.cursor()) as cursor:
                (cursor.executemany if many else cursor.execute)(sql, parameters)
    else:
        copy_data = copy_text(data, dbapi_connection.info.encoding)
        if copy_data is None:
            copy_data = _copy_data(dbapi_connection, zip(*data, strict=True))

        def store():
            with dbapi_connection.cursor() as cursor:
                sql = f"COPY {target} ({', '.join(names)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    copy.write(copy_data)

    if background is None:
        store()
    else:
        background.submit(store)  # after the previous one has finished


def _copy_data(dbapi_connection, values) -> bytes:
    """The rows in COPY's text format, adapted by psycopg as `write_row` would (done here,
    so the worker only sends bytes)."""
    buffer = io.BytesIO()
    with Copy(dbapi_connection.cursor(), writer=FileWriter(buffer)) as copy:
        for row in values:
            copy.write_row(row)
    return buffer.getvalue()


def _sqlite_statement(
    target: str, names: list[str], by_column: list[Sequence], known_constant: set[int]
):
    """(sql, parameters, executemany?) inserting the rows given column by column. One
    statement for the whole batch: SQLite walks a JSON array of the rows in C, where
    executemany would bind every value from Python; values the same on every row are bound
    once. Rows holding anything JSON cannot carry exactly take executemany."""
    kinds = [
        {type(values[0])} if i in known_constant else set(map(type, values))
        for i, values in enumerate(by_column)
    ]
    constant = known_constant | {
        i
        for i, values in enumerate(by_column)
        if i not in known_constant and same_on_every_row(values)
    }
    varying = [i for i in range(len(names)) if i not in constant]
    if not _SQLITE_JSON or not varying or any(not k <= _JSON_EXACT for k in kinds):
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {target} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 - identifiers from the table, values bound
        return sql, list(zip(*by_column, strict=True)), True
    position = {i: n for n, i in enumerate(varying)}
    picked = ", ".join(
        "?" if i in constant else f"value ->> {position[i]}" for i in range(len(names))
    )
    payload = json.dumps(
        list(zip(*(by_column[i] for i in varying), strict=True)),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    sql = f"INSERT INTO {target} ({', '.join(names)}) SELECT {picked} FROM json_each(?)"  # noqa: S608 - identifiers from the table, values bound
    return sql, [by_column[i][0] for i in sorted(constant)] + [payload], False
