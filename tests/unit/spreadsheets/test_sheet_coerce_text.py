import datetime as dt

import pytest
from sheet_samples import local

from volunteer.spreadsheets.coerce import (
    EXCEL_NUMBER_MSG,
    coerce_choice,
    coerce_id_number,
    coerce_phone,
    coerce_text,
    make_coercer,
    normalise_name,
)
from volunteer.spreadsheets.columns import Column, ColumnType
from volunteer.spreadsheets.errors import CellError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  张三 ", "张三"),
        ("\u3000张三\u3000", "张三"),
        ("\ufeff张三\u200b", "张三"),
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("𠮷野家", "𠮷野家"),  # a character outside the BMP survives
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        (101.0, "101"),
        (1.5, "1.5"),
        (7, "7"),
        (True, "是"),
        (dt.date(2024, 4, 8), "2024-04-08"),
        (local(2024, 4, 8, 9, 30), "2024-04-08 09:30"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_text(value, expected):
    assert coerce_text(value) == expected


def test_text_max_length():
    assert coerce_text("一二三", max_length=3) == "一二三"
    with pytest.raises(CellError, match="内容过长：最多 3 个字，现有 4 个字"):
        coerce_text("一二三四", max_length=3)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # katakana middle dot
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽∙买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("张 三", "张三"),
        ("张\u3000三", "张三"),
        (" 张三 ", "张三"),
        ("John  Smith", "John Smith"),
    ],
)
def test_normalise_name(value, expected):
    assert normalise_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("420502199001011234", "420502199001011234"),
        ("42050219900101123x", "42050219900101123X"),
        (" 4205 0219 9001 0112 34 ", "420502199001011234"),
        ("420502-19900101-1234", "420502199001011234"),
        ("４２０５０２１９９００１０１１２３Ｘ", "42050219900101123X"),
        ("'420502199001011234", "420502199001011234"),
        ("e12345678", "E12345678"),  # passports keep their letters
        ("", None),
        (None, None),
    ],
)
def test_id_number_normalised(value, expected):
    assert coerce_id_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        4.20502199001011e17,
        420502199001011000,
        "4.20502E+17",
        "1.10101E+17",
        "1.2e17",
        "420502199001011000.0",
    ],
)
def test_id_number_turned_into_a_number_by_excel(value):
    with pytest.raises(CellError) as caught:
        coerce_id_number(value)
    assert caught.value.message == EXCEL_NUMBER_MSG
    assert "文本" in EXCEL_NUMBER_MSG
    assert "单引号" in EXCEL_NUMBER_MSG


def test_id_number_rejects_punctuation():
    with pytest.raises(CellError, match="证件号码只能包含数字和字母"):
        coerce_id_number("4205021990/0101")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        (13800138000.0, "13800138000"),
        (13800138000, "13800138000"),
        ("0717-1234567", "07171234567"),
        ("(010)12345678", "01012345678"),
        ("", None),
    ],
)
def test_phone(value, expected):
    assert coerce_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234567", "固定电话请带区号"),
        ("1380013800", "电话号码无法识别"),
        ("23800138000", "电话号码无法识别"),
        ("13800138000/13900139000", "只能填写一个电话号码"),
        (1.38e10 + 0.5, "电话号码无法识别"),
        (True, "电话号码无法识别"),
    ],
)
def test_phone_refused(value, message):
    with pytest.raises(CellError, match=message):
        coerce_phone(value)


CHOICES = ("居民身份证", "护照", "港澳居民来往内地通行证")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("护照", "护照"), (" 居民 身份证 ", "居民身份证"), ("", None)],
)
def test_choice(value, expected):
    assert coerce_choice(value, choices=CHOICES) == expected


def test_choice_matches_width_and_case():
    assert coerce_choice("ａ类", choices=("A类", "B类")) == "A类"


def test_choice_error_lists_allowed_values():
    with pytest.raises(
        CellError, match="只能填写以下之一：居民身份证、护照、港澳居民来往内地通行证"
    ):
        coerce_choice("驾驶证", choices=CHOICES)


def test_make_coercer_binds_column_settings():
    choice = make_coercer(Column("kind", "证件类型", ColumnType.CHOICE, choices=CHOICES))
    assert choice("护照") == "护照"
    note = make_coercer(Column("note", "备注", max_length=2))
    with pytest.raises(CellError, match="内容过长"):
        note("三个字")
    date = make_coercer(Column("d", "服务日期", ColumnType.DATE), epoch1904=True)
    assert date(43928) == dt.date(2024, 4, 8)
    code = make_coercer(Column("id", "证件号码", ColumnType.ID_NUMBER, max_length=18))
    with pytest.raises(CellError, match="内容过长"):
        code("A" * 19)
