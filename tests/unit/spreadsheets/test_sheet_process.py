"""Sheets are parsed in a child process: the same rows as python-calamine in this process,
and whatever calamine does to its process ends there."""

import datetime as dt
import io
import math
import os
import pickle
from pathlib import Path

import pytest
import python_calamine
from sheet_samples import HEADER, HOURS_SPEC, with_sheet_data
from test_sheet_safety import CALAMINE_ABORTS

from volunteer.spreadsheets import sheet_process
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.reader import open_sheet
from volunteer.spreadsheets.sheet_process import SheetProcess

SAMPLES = Path(__file__).parents[3] / "imports" / "samples"
FIXTURES = Path(__file__).parent / "fixtures"
READABLE = sorted(
    p
    for p in [*SAMPLES.iterdir(), *FIXTURES.iterdir()]
    if p.suffix in (".xlsx", ".xls", ".ods") and p.stem not in ("not_a_spreadsheet", "zip_bomb")
)


def _in_this_process(path) -> tuple:
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_name(workbook.sheet_names[0])
    return sheet.start, sheet.end, list(sheet.iter_rows())


def _in_a_child(path) -> tuple:
    child = SheetProcess(path)
    child.open()
    return child.start, child.end, list(_rows(child))


def _rows(child: SheetProcess):
    """The child's rows one by one, as python-calamine gives them."""
    for frame in child.iter_frames():
        yield from frame.rows()


def _typed(rows) -> list:
    # Equal is not enough: 1 == 1.0 == True and 0.0 == -0.0 must stay what they were.
    return [
        [(c.__class__, math.copysign(1, c) if c.__class__ is float else c) for c in r] for r in rows
    ]


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_rows_are_calamine_s_own(path):
    start, end, rows = _in_a_child(path)
    expected_start, expected_end, expected = _in_this_process(path)
    assert (start, end) == (expected_start, expected_end)
    assert rows == expected
    assert _typed(rows) == _typed(expected)


def test_equal_cells_of_other_types_are_not_merged(make_xlsx):
    day, midnight = dt.date(2024, 4, 8), dt.datetime(2024, 4, 8)  # noqa: DTZ001 - a cell holds wall-clock time
    row = [1, 1.0, True, 0.0, -0.0, "1", day, midnight, "", 0, False]
    path = make_xlsx([HEADER, row, list(reversed(row)), row])
    rows = _in_a_child(path)[2]
    assert _typed(rows) == _typed(_in_this_process(path)[2])


def test_equal_cells_down_a_column_are_not_merged(make_xlsx):
    # The child sends a column as its distinct cells: 1, 1.0 and True, or 0.0 and -0.0, in
    # one column must still come back as they were.
    day, midnight = dt.date(2024, 4, 8), dt.datetime(2024, 4, 8)  # noqa: DTZ001 - a cell holds wall-clock time
    columns = [[1, 1.0, True, 1], [0.0, -0.0, 0.0, -0.0], [day, midnight, day, "1"], [2.5] * 4]
    path = make_xlsx([HEADER[:4], *map(list, zip(*columns, strict=True))])
    rows = _in_a_child(path)[2]
    assert _typed(rows) == _typed(_in_this_process(path)[2])


def test_frames_hold_the_rows_column_by_column(make_xlsx):
    data = [["张三", "110101199003070011", "助老", dt.date(2024, 4, n)] for n in range(1, 6)]
    path = make_xlsx([HEADER, *data])
    child = SheetProcess(path, frame_rows=4)
    child.open()
    frames = list(child.iter_frames())
    assert [f.count for f in frames] == [4, 2]
    assert frames[0].column(0).distinct == [HEADER[0], "张三"]  # names repeat: sent once
    assert [r for f in frames for r in f.rows()] == _in_this_process(path)[2]


@pytest.mark.parametrize("cells", CALAMINE_ABORTS[:3])
def test_an_abort_ends_the_child_only(tmp_path, make_xlsx, cells):
    path = with_sheet_data(make_xlsx([HEADER]), tmp_path / "abort.xlsx", cells)
    child = SheetProcess(path)
    with pytest.raises(FileRefused, match="表格范围过大，读取时超出了内存上限"):
        child.open()
    assert child._child.returncode < 0  # killed by its own abort


def test_the_memory_limit_refuses_a_sheet_that_would_fit_the_server(tmp_path, make_xlsx):
    # 26 columns × 400,000 rows: about 330 MB of cells for calamine.
    cells = (
        b'<row r="1"><c r="Z1"><v>1</v></c></row><row r="400000"><c r="A400000"><v>1</v></c></row>'
    )
    path = with_sheet_data(make_xlsx([HEADER]), tmp_path / "wide.xlsx", cells)
    with pytest.raises(FileRefused, match="读取时超出了内存上限"):
        SheetProcess(path, memory=200 << 20).open()
    roomy = SheetProcess(path)
    roomy.open()
    assert roomy.end == (399_999, 25)
    roomy.close()


def test_closing_ends_a_child_still_sending(tmp_path, make_xlsx):
    # More rows than the pipe holds: the child is still writing when we stop reading.
    cells = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d.5</v></c></row>' % (n, n, n) for n in range(1, 300_001)
    )
    child = SheetProcess(with_sheet_data(make_xlsx([HEADER]), tmp_path / "long.xlsx", cells))
    child.open()
    assert next(_rows(child)) == [1.5]
    assert child._child.poll() is None
    child.close()
    assert child._child.returncode == -9


def test_reading_to_the_end_ends_the_child(make_xlsx):
    child = SheetProcess(make_xlsx([HEADER, ["张三"]]))
    child.open()
    assert len(list(_rows(child))) == 2
    assert child._child.returncode is not None  # ended and reaped: no zombie is left


def test_a_screen_refusal_ends_the_child(make_xlsx, monkeypatch):
    before, started = _children(), []
    monkeypatch.setattr(
        sheet_process.SheetProcess, "open", lambda self: started.append(self) or None
    )
    with pytest.raises(FileRefused, match="表格范围过大"):
        open_sheet(make_xlsx([HEADER, ["张三"] * 7]), HOURS_SPEC, max_cells=5)
    assert started == []
    # The child open_sheet started is gone.
    assert _children() <= before


def test_sheets_refused_by_the_child_say_why(tmp_path):
    with pytest.raises(FileRefused, match="没有名为“不存在”的工作表"):
        open_sheet(SAMPLES / "hours.xlsx", HOURS_SPEC, sheet="不存在")
    damaged = tmp_path / "damaged.xls"
    damaged.write_bytes((FIXTURES / "hours_wps.xls").read_bytes()[:3000])
    with pytest.raises(FileRefused, match="文件已损坏或格式不正确"):
        open_sheet(damaged, HOURS_SPEC)


def test_only_cells_are_unpickled():
    nine = dt.datetime(2024, 4, 8, 9)  # noqa: DTZ001 - a cell holds wall-clock time
    cells = [[dt.date(2024, 4, 8), nine, dt.time(9), dt.timedelta(1)]]
    assert sheet_process._Cells(io.BytesIO(pickle.dumps(cells))).load() == cells
    with pytest.raises(pickle.UnpicklingError, match=r"posix\.system is not a cell type"):
        sheet_process._Cells(io.BytesIO(pickle.dumps(os.system))).load()


def _children() -> set[int]:
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}
