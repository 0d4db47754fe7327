"""One sheet parsed by python-calamine in a child process (`sheet_child`), read row by row.

Calamine is native code and sizes what it allocates by the file: a malformed file it does
not expect can abort the process parsing it, and a sheet can ask for more memory than the
server has. In a child, an abort or an allocation past `MEMORY_LIMIT` ends the child only,
and the file is refused with a message. It also makes the work parallel: while the child
parses, this process screens the sheet (`open_sheet`); while it turns later rows into Python
objects, this process imports the earlier ones.

`SheetProcess` gives the sheet's `start` and `end`, its rows in frames held column by
column (`iter_frames()`, see `frame_columns`), and `close()`, which ends the child at once.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import importlib.util
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.frame_columns import BrokenFrame, FrameColumns

CHILD = str(Path(__file__).with_name("sheet_child.py"))
# Where python-calamine is installed, for the child, which starts without `site`.
PACKAGES = str(Path(importlib.util.find_spec("python_calamine").origin).parent.parent)
MEMORY_LIMIT = 4 << 30  # address space of the child: a 30,000,000-cell sheet fits
ROWS_PER_FRAME = 2000
PIPE_BYTES = 1 << 20  # the most Linux grants without privileges
_LENGTH = struct.Struct("<Q")
_BROKEN = "文件已损坏或格式不正确，无法读取：请用 Excel 或 WPS 另存为 .xlsx 后上传"
_TOO_BIG = (
    "表格范围过大，读取时超出了内存上限：请删除多余的行列后另存为新文件，或拆分成多个文件后上传"
)
_REFUSALS = {
    "no_sheet": lambda name: "文件中没有可见的工作表",
    "not_found": lambda name: f"文件中没有名为“{name}”的工作表",
    "password": lambda name: "文件已加密（设置了密码），请取消密码后重新上传",
    "broken": lambda name: _BROKEN,
}


class SheetProcess:
    def __init__(
        self,
        path: str | os.PathLike[str],
        sheet: str | None = None,
        *,
        memory=MEMORY_LIMIT,
        frame_rows: int = ROWS_PER_FRAME,
    ) -> None:
        # The child's stderr (why it died, if it did); closed with the child, by _end_child.
        self._said = tempfile.TemporaryFile()  # noqa: SIM115
        arguments = [os.fspath(path), sheet or "", str(memory), str(frame_rows), PACKAGES]
        # No shell; the path is one argument of our own script, never interpreted.
        self._child = subprocess.Popen(  # noqa: S603
            [sys.executable, "-I", "-S", CHILD, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._said,
        )
        # The child runs ahead by what the pipe holds (5,000 rows are about 200 KB): a bigger
        # pipe lets it prepare rows while this process imports. Linux only.
        with contextlib.suppress(AttributeError, OSError):
            fcntl.fcntl(self._child.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._end = weakref.finalize(self, _end_child, self._child, self._said)
        self.start = self.end = None

    def open(self) -> None:
        """Wait for the parse; raise FileRefused when the sheet cannot be read."""
        frame = self._receive()
        if frame[0] == "refused":
            self.close()
            raise FileRefused(_REFUSALS[frame[1]](frame[2]))
        _, self.start, self.end = frame

    def iter_frames(self) -> Iterator[FrameColumns]:
        """The rows in frames of at most `frame_rows`, column by column."""
        while (message := self._receive()) is not None:
            try:
                yield FrameColumns.from_message(message)
            except BrokenFrame:
                self.close()
                raise FileRefused(_BROKEN) from None
        self.close()

    def close(self) -> None:
        self._end()

    def _receive(self):
        stream = self._child.stdout
        head = stream.read(_LENGTH.size)
        if len(head) == _LENGTH.size:
            (length,) = _LENGTH.unpack(head)
            data = stream.read(length)
            if len(data) == length:
                try:
                    return _Cells(io.BytesIO(data)).load()
                except pickle.UnpicklingError:
                    self.close()
                    raise FileRefused(_BROKEN) from None
        raise FileRefused(self._why_it_ended())

    def _why_it_ended(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._child.wait(timeout=10)
        self._said.seek(0)
        said = self._said.read(64 * 1024)
        self.close()
        # Rust's allocator says so before it aborts; Python raises MemoryError.
        if b"memory allocation" in said or b"MemoryError" in said:
            return _TOO_BIG
        return _BROKEN


class _Cells(pickle.Unpickler):
    """Unpickles rows of cells and nothing else: the child's output is trusted no further
    than the file it read."""

    _TYPES = {
        ("datetime", t.__name__): t
        for t in (datetime.date, datetime.datetime, datetime.time, datetime.timedelta)
    }

    def find_class(self, module: str, name: str):
        try:
            return self._TYPES[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not a cell type") from None


def _end_child(child: subprocess.Popen, said) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    child.stdout.close()
    said.close()
