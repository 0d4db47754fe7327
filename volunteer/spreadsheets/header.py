"""Finding the header row of an uploaded sheet and mapping its columns to a spec.

Staff files open with title rows (often one merged cell), notes rows and grouped headers
before the real header; the row matching the most known headers wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from volunteer.spreadsheets.columns import SheetSpec, header_lookup, normalise_header
from volunteer.spreadsheets.errors import FileRefused


@dataclass
class HeaderMatch:
    index: int  # position of the header row among the scanned rows (0-based)
    headers: list[str]
    mapping: dict[int, str]
    unknown_columns: list[str]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def _keys_in(row: list[object], lookup: dict[str, str]) -> set[str]:
    return {key for cell in row if (key := lookup.get(normalise_header(cell))) is not None}


def find_header(rows: list[list[object]], spec: SheetSpec, *, first_column: int = 0) -> HeaderMatch:
    """Pick the header among `rows` (the first rows of the sheet) or raise `FileRefused`."""
    lookup = header_lookup(spec)
    required = {c.key for c in spec.columns if c.required}
    best_index, best_keys = -1, set()
    for index, row in enumerate(rows):
        keys = _keys_in(row, lookup)
        if len(keys) > len(best_keys):
            best_index, best_keys = index, keys
    enough = best_keys and (required <= best_keys or len(best_keys) >= 2)
    if not enough:
        expected = "、".join(c.header for c in spec.columns if c.required) or "、".join(
            c.header for c in spec.columns[:3]
        )
        raise FileRefused(
            f"没有找到表头行：前 {len(rows)} 行中没有“{expected}”等列名，请使用“{spec.title}”模板"
        )
    row = rows[best_index]
    headers = [_cell_text(cell) for cell in row]
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(headers):
        if not text:
            continue
        key = lookup.get(normalise_header(text))
        if key is None:
            unknown.append(text)
            continue
        if key in seen:
            first, second = (
                _column_letter(seen[key] + first_column),
                _column_letter(index + first_column),
            )
            raise FileRefused(
                f"表头“{spec.column(key).header}”出现了两次（第 {first} 列和第 {second} 列），"
                "请删除或改名其中一列"
            )
        seen[key] = index
        mapping[index] = key
    missing = [c.header for c in spec.columns if c.required and c.key not in seen]
    if missing:
        raise FileRefused(f"缺少必填列：{'、'.join(missing)}")
    return HeaderMatch(best_index, headers, mapping, unknown)
