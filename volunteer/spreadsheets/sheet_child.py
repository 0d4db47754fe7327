"""The child process that parses one sheet with python-calamine (see `sheet_process`).

Run as a script, `python -I -S sheet_child.py PATH SHEET MEMORY ROWS PACKAGES`, it imports
nothing of the application: whatever calamine does to this process (an abort on a malformed
file, an allocation it cannot make under the MEMORY limit) ends here and only here. Without
`site` the interpreter starts 20-40 ms sooner, so the parent names the directory python-calamine
is installed in (PACKAGES).

It writes frames to stdout, each an 8-byte little-endian length and a pickle: first
("sheet", start, end) or ("refused", reason, name), then frames of at most ROWS rows, then
None. A frame is a list of the rows' columns, each either a tuple (the column's distinct
cells, an `array` typecode, then for each row the index of its cell among them as that
array's bytes) or, where equal cells must not be merged, the plain list of its cells.
SHEET "" means the first visible worksheet.
"""

import pickle
import resource
import struct
import sys
from array import array
from itertools import islice

if __name__ == "__main__":
    sys.path.append(sys.argv[5])
import python_calamine as calamine  # found through PACKAGES when run as a script

# Numbers are passed as they are: 1, 1.0 and True (or 0.0 and -0.0) are equal and must not
# become one another. Any other cell equals only cells of its own type.
_NUMBERS = frozenset((bool, int, float))


def main(argv: list[str]) -> int:
    path, wanted, memory, per_frame = argv[1], argv[2], int(argv[3]), int(argv[4])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    out = sys.stdout.buffer
    first_frame, sheet = _open(path, wanted)
    _send(out, first_frame)
    if sheet is None:
        return 0
    rows = sheet.iter_rows()
    while batch := list(islice(rows, per_frame)):
        width = max(map(len, batch))
        if not width:
            _send(out, [[""] * len(batch)])
            continue
        if min(map(len, batch)) < width:
            batch = [row + [""] * (width - len(row)) for row in batch]
        _send(out, list(map(_column, zip(*batch, strict=True))))
    _send(out, None)
    return 0


def _column(cells: tuple) -> tuple | list:
    """The column coded by its distinct cells: names, ids, dates and activities repeat down
    a column, so each is sent, unpickled and read by the parent once per frame."""
    numbers = _NUMBERS.intersection(map(type, cells))
    # 1, 1.0 and True are equal, as are 0.0 and -0.0: such cells are sent as they are.
    if len(numbers) > 1 or (float in numbers and 0.0 in cells):
        return list(cells)
    distinct = list(dict.fromkeys(cells))
    index = {cell: i for i, cell in enumerate(distinct)}
    typecode = "B" if len(distinct) <= 1 << 8 else "H" if len(distinct) <= 1 << 16 else "I"
    return distinct, typecode, array(typecode, map(index.__getitem__, cells)).tobytes()


def _open(path: str, wanted: str) -> tuple[tuple, object]:
    try:
        workbook = calamine.CalamineWorkbook.from_path(path)
        name = wanted or next(
            (
                m.name
                for m in workbook.sheets_metadata
                if m.visible == calamine.SheetVisibleEnum.Visible
                and m.typ == calamine.SheetTypeEnum.WorkSheet
            ),
            None,
        )
        if name is None:
            return ("refused", "no_sheet", ""), None
        sheet = workbook.get_sheet_by_name(name)
    except calamine.WorksheetNotFound:
        return ("refused", "not_found", wanted), None
    except calamine.PasswordError:
        return ("refused", "password", wanted), None
    except (calamine.CalamineError, OSError, ValueError):
        return ("refused", "broken", wanted), None
    return ("sheet", sheet.start, sheet.end), sheet


def _send(out, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack("<Q", len(data)))
    out.write(data)


if __name__ == "__main__":
    try:
        code = main(sys.argv)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # the parent has read all it wanted
        code = 0
    sys.exit(code)
