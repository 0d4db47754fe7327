"""Frames of rows as the sheet's parsing process sends them, column by column."""

from array import array

import pytest

from volunteer.spreadsheets.frame_columns import BrokenFrame, Coded, FrameColumns, LazyRows


def _coded(distinct, codes, typecode="H"):
    return (distinct, typecode, array(typecode, codes).tobytes())


def _frame():
    return FrameColumns.from_message(
        [_coded(["张三", "李四"], [0, 1, 0, 0]), [1.5, 2.0, 0.0, -0.0], _coded([""], [0] * 4)]
    )


def test_a_frame_gives_rows_as_calamine_does():
    frame = _frame()
    assert frame.count == 4
    assert frame.rows() == [
        ["张三", 1.5, ""],
        ["李四", 2.0, ""],
        ["张三", 0.0, ""],
        ["张三", -0.0, ""],
    ]
    assert frame.rows(1, 3) == [["李四", 2.0, ""], ["张三", 0.0, ""]]
    assert frame.row(3) == ["张三", -0.0, ""]
    assert frame.column(9) == [""] * 4  # past the frame's last column: blank cells


def test_a_coded_column_indexes_and_slices_like_its_cells():
    column = _frame().column(0)
    assert column.__class__ is Coded
    assert [column[i] for i in range(4)] == ["张三", "李四", "张三", "张三"]
    tail = column[1:]
    assert tail.__class__ is Coded
    assert tail.cells() == ["李四", "张三", "张三"]
    assert len(tail) == 3


def test_lazy_rows_are_the_rows_at_their_positions():
    frame = _frame()
    whole = LazyRows(frame, range(1, 4))
    assert len(whole) == 3
    assert whole[0] == ["李四", 2.0, ""]
    assert list(whole) == frame.rows(1, 4)
    picked = LazyRows(frame, [0, 3], [2, 0])
    assert picked[1] == ("", "张三")
    assert len(picked) == 2


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        "rows",
        [_coded(["a"], [0, 1])],  # an index past the distinct cells
        [(["a"], "I", b"\x00\x00\x00")],  # not whole 4-byte indexes
        [(["a"], "d", array("d", [0.0]).tobytes())],  # indexes that are not integers
        [("a", "I", array("I", [0]).tobytes())],  # distinct cells not a list
        [(["a"], array("B", [0]).tobytes())],  # no typecode
        [_coded(["a"], [0, 0]), ["b"]],  # columns of different lengths
        [{"a": 1}],
    ],
)
def test_anything_but_a_frame_is_broken(message):
    with pytest.raises(BrokenFrame):
        FrameColumns.from_message(message)
