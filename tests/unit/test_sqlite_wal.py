"""SQLite commits leave the write-ahead log's checkpoint to a worker thread."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa

import volunteer.db  # noqa: F401 - installs the connection pragmas and the commit hook
from volunteer import sqlite_wal


def _database_size(path) -> int:
    return os.path.getsize(path)


def test_a_large_commit_is_checkpointed_after_it_returns(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_wal, "DELAY", 0.5)
    path = tmp_path / "wal.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    before = _database_size(path)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t (body) VALUES (:b)"), [{"b": "志" * 300}] * 8000)
    # The commit returned without copying the log into the database file...
    assert _database_size(path) == before
    assert os.path.getsize(f"{path}-wal") > sqlite_wal.LOG_BYTES
    # ...which the worker does shortly after.
    deadline = time.monotonic() + 10
    while _database_size(path) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _database_size(path) > sqlite_wal.LOG_BYTES
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 8000
    engine.dispose()


def test_a_small_commit_asks_for_nothing(tmp_path):
    path = tmp_path / "small.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert str(path) not in sqlite_wal.CHECKPOINTER._paths
    engine.dispose()


def test_a_vanished_database_is_ignored(tmp_path):
    sqlite_wal.checkpoint(str(tmp_path / "gone" / "x.sqlite"))
