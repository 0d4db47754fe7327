"""A second connection for a report that reads what the report's own transaction reads, so
that two of its queries can run at once on two server processes (PostgreSQL only).

The session's transaction exports its snapshot (`pg_export_snapshot`) and a REPEATABLE READ,
READ ONLY transaction on another connection of the same engine imports it (`SET TRANSACTION
SNAPSHOT`): both then see the same committed rows. (Under READ COMMITTED the session takes a
new snapshot per statement, so its own later reads may see rows committed since; that is no
different from two of its own statements.) No other transaction can see rows the session's
has written, so a transaction that has written anything (it holds a transaction id) gets no
second connection, and neither does SQLite: callers then read everything on the session's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa

# What pg_export_snapshot() returns, e.g. 00000003-0000001B-1: checked before it is spliced
# into SET TRANSACTION SNAPSHOT, which takes no parameters.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(?:-[0-9A-F]+)+")


@contextmanager
def shared_snapshot(dbsession) -> Iterator[sa.Connection | None]:
    """A connection reading the session's snapshot, or None when there can be none."""
    connection = dbsession.connection()
    if connection.dialect.name != "postgresql" or _has_written(connection):
        yield None
        return
    snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    with connection.engine.connect() as side:
        side.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        side.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        try:
            yield side
        finally:
            side.rollback()


@contextmanager
def meanwhile(dbsession, query: Callable, *args) -> Iterator[Callable[[], object]]:
    """`query(connection, *args)` started on a second connection on the session's snapshot,
    on a thread (psycopg waits without the GIL), while the caller goes on with the session;
    the function this yields waits for the result. Without a second connection the query
    runs on the session, when its result is asked for."""
    with shared_snapshot(dbsession) as side:
        if side is None:
            yield lambda: query(dbsession, *args)
            return
        with ThreadPoolExecutor(1, "report-side") as pool:
            yield pool.submit(query, side, *args).result


def _has_written(connection) -> bool:
    """A transaction gets its id with its first write."""
    query = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL"
    return connection.exec_driver_sql(query).scalar()
