"""Checkpoints of SQLite's write-ahead log off the commit path.

In WAL mode SQLite copies the log back into the database file (a checkpoint) inside the
commit that takes the log past 1,000 pages, so the commit of a 100,000-row import waits
~0.15 s for it. Connections here do not checkpoint automatically; a worker thread does, on
its own connection and in PASSIVE mode (it never blocks readers or writers), shortly after
a commit finds the log larger than LOG_BYTES. As SQLite's documentation suggests for
applications that care about commit latency. PostgreSQL is not concerned.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time

LOG_BYTES = 4 << 20
DELAY = 0.05  # seconds: the commit that asked is done by then, and requests coalesce


class Checkpointer:
    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._lock = threading.Lock()
        self._busy = threading.Lock()  # held from taking the paths until they are done
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def after_commit_of(self, path: str) -> None:
        """Ask for a checkpoint of the database at `path` if its log has grown large."""
        try:
            if os.path.getsize(path + "-wal") <= LOG_BYTES:
                return
        except OSError:
            return
        with self._lock:
            self._paths.add(path)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(DELAY)
            with self._busy:
                with self._lock:
                    paths, self._paths = self._paths, set()
                for path in paths:
                    checkpoint(path)

    def forget(self, path: str) -> None:
        """Drop a pending checkpoint of `path` and wait out one under way: for whoever is
        about to delete or replace the database's files. A connection opened on the old
        files would remove the new log when it closes, and the database would be corrupt."""
        with self._busy, self._lock:
            self._paths.discard(path)


def checkpoint(path: str) -> None:
    """A PASSIVE checkpoint of the database at `path`: whatever can be copied without
    waiting. A database removed or busy meanwhile is left for the next request."""
    with contextlib.suppress(sqlite3.Error):
        connection = sqlite3.connect(path, timeout=1, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()


CHECKPOINTER = Checkpointer()
