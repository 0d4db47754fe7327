"""Domain-agnostic spreadsheet engine: column specs, cell coercion, upload safety checks,
the streaming reader, the bounded-memory writer and template generation.

Everything here is pure (no database, no Pyramid); each domain's `sheets.py` declares a
`SheetSpec` and the import/export services drive these modules with it.
"""

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec, normalise_header
from volunteer.spreadsheets.errors import CellError, FileRefused

__all__ = ["CellError", "Column", "ColumnType", "FileRefused", "SheetSpec", "normalise_header"]
