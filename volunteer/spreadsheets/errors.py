"""The two errors of the spreadsheet engine, both carrying a Chinese message for the user.

`CellError` is one cell that cannot be read (the reader turns it into a `RowError`);
`FileRefused` is the whole file turned away (format, size, headers, row count) before
any row is imported. Callers show `str(error)` as is.
"""


class SpreadsheetError(Exception):
    """Base class: `message` is the Chinese text shown to district staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(SpreadsheetError):
    """One cell's value cannot be understood as its column's type."""


class FileRefused(SpreadsheetError):
    """The uploaded file as a whole is refused; nothing in it is imported."""
