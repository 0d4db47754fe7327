"""SQLite commits leave the write-ahead log's checkpoint to a worker thread."""

from __future__ import annotations

import os
import threading
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


def _large_commit(engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t (body) VALUES (:b)"), [{"b": "志" * 300}] * 8000)


def test_a_forgotten_database_is_not_checkpointed(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_wal, "DELAY", 0.3)
    path = tmp_path / "forgotten.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    _large_commit(engine)  # the engine stays open: closing it would checkpoint
    before = _database_size(path)
    sqlite_wal.CHECKPOINTER.forget(str(path))
    time.sleep(0.6)
    assert _database_size(path) == before
    engine.dispose()


def test_forget_waits_for_a_checkpoint_under_way(tmp_path, monkeypatch):
    started, events = threading.Event(), []
    real_checkpoint = sqlite_wal.checkpoint

    def slow_checkpoint(path):
        started.set()
        time.sleep(0.3)
        real_checkpoint(path)
        events.append("checkpointed")

    monkeypatch.setattr(sqlite_wal, "DELAY", 0)
    monkeypatch.setattr(sqlite_wal, "checkpoint", slow_checkpoint)
    path = tmp_path / "busy.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    _large_commit(engine)
    assert started.wait(5)
    sqlite_wal.CHECKPOINTER.forget(str(path))
    events.append("forgotten")
    assert events == ["checkpointed", "forgotten"]
    engine.dispose()
