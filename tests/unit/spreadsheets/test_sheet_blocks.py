"""The reader sifts rows a block at a time, looking at single rows only where a column says
there is something to find: wherever the blocks begin and end, the rows, values, errors and
skipped rows must be the same, and each kind of row is still found past the first rows."""

import datetime as dt

import pytest
from sheet_samples import HEADER

from tests.factories import make_id_number
from volunteer.spreadsheets.data_rows import EMPTY_RUN
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.reader import open_sheet

DAY = dt.date(2024, 4, 8)


def _person(n: int) -> list:
    return [f"志愿者{n}", make_id_number(seq=n), "", DAY + dt.timedelta(days=n % 3), 2, "助老"]


def _messy_rows() -> list[list]:
    rows = [["某街道志愿服务时长登记表"], HEADER]
    rows += [[*_person(n), ""] for n in range(8)]  # past the example scan
    rows += [
        ["合计", "", "", "", 16, "", ""],  # a totals row deep in the data
        [*_person(3), "重复"],  # a repeat of row 6
        ["", "", "", "", "", "", ""],  # blank rows inside the data
        ["  ", "", "", "", "", "", "   "],
        ["志愿者9", "", "", DAY, 2, "助老", "缺证件号码"],  # missing required
        ["志愿者10", _person(10)[1], "", "2024-02-30", 2, "助老", "日期不存在"],
        ["志愿者11", _person(11)[1], "", DAY, "两小时", "助老", "时长看不懂"],
        ["", _person(12)[1], "", DAY, 2, "助老", "首列空"],  # the name is missing
        ["示例：", "", "", "", "", "", ""],  # an example mark without data
        [*_person(13), "x" * 21],  # too long for 备注
        [*_person(13), ""],  # repeats row 20, whose note failed (not its key)
        ["志愿者14", "1.10101E+17", "", DAY, 2, "助老", "证件号被当成数字"],
        ["志愿者15", "1.10101E+17", "", DAY, 2, "助老", "同上，但读不出的键不比较"],
    ]
    rows += [[*_person(n), ""] for n in range(16, 30)]
    return rows


def _read(path, spec, size):
    reader = open_sheet(path, spec, block_rows=size)
    rows = [
        (r.row_number, r.values, [(e.row, e.column, e.value, e.message) for e in r.errors])
        for block in reader.blocks()
        for r in block.parsed_rows()
    ]
    return rows, [(s.row, s.reason) for s in reader.skipped]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 11])
def test_block_boundaries_change_nothing(make_xlsx, spec, size):
    path = make_xlsx(_messy_rows())
    assert _read(path, spec, size) == _read(path, spec, 2000)


def test_every_kind_of_row_is_found_past_the_first_rows(make_xlsx, spec):
    rows, skipped = _read(make_xlsx(_messy_rows()), spec, 2000)
    assert skipped == [(11, "合计行"), (19, "示例行")]
    numbers = [number for number, _, _ in rows]
    assert 13 not in numbers
    assert 14 not in numbers
    errors = {number: errors for number, _, errors in rows if errors}
    assert errors[12] == [(12, "证件号码", errors[12][0][2], "与第 6 行重复")]
    assert [e[3] for e in errors[15]] == ["必填"]
    assert errors[16][0][1] == "服务日期"
    assert errors[17][0][1] == "服务时长（小时）"
    assert [(e[1], e[3]) for e in errors[18]] == [("姓名", "必填")]
    assert errors[20][0][1] == "备注"
    assert [e[3] for e in errors[21]] == ["与第 20 行重复"]
    # Numbers Excel mangled are errors of their own, never compared as keys.
    assert len(errors[22]) == 1
    assert len(errors[23]) == 1
    assert numbers[-1] == len(_messy_rows())


@pytest.mark.parametrize("size", [7, 2000])
def test_a_run_of_blank_rows_ends_the_data_in_any_block(make_xlsx, spec, size):
    rows = [HEADER] + [[*_person(n), ""] for n in range(9)]
    rows += [[""] * 7] * EMPTY_RUN + [[*_person(20), "漏掉的行"]]
    with pytest.raises(FileRefused, match="连续空行"):
        _read(make_xlsx(rows), spec, size)
    rows.pop()
    assert len(_read(make_xlsx(rows), spec, size)[0]) == 9
