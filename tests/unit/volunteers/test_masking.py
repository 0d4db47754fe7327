"""Masking of ID numbers, phones and names (volunteer.volunteers.masking)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.volunteers.masking import mask_id, mask_name, mask_phone


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("420502199001011234", "4205**********1234"),
        ("42050219900101123X", "4205**********123X"),
        ("110105491231002", "1101*******1002"),  # legacy 15-digit
        ("A12345678901", "A123****8901"),  # 12 characters: first and last four
        ("E12345678", "E*******8"),  # passport
        ("H1234567890", "H*********0"),  # 11 characters: still short
        ("12345678", "1******8"),
        ("A1234", "A***4"),
        ("abc", "a*c"),
        ("ab", "**"),
        ("a", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(number, masked):
    assert mask_id(number) == masked


@given(st.text(alphabet="0123456789X", max_size=40))
def test_mask_id_keeps_length_and_hides_at_least_a_third(number):
    masked = mask_id(number)
    assert len(masked) == len(number)
    assert masked.count("*") * 3 >= len(number)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("0717-6234567", "071*****4567"),
        ("07176234567", "071****4567"),
        ("6234567", "62***67"),
        ("12345", "1***5"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("阿依古丽·买买提", "阿***·**提"),
        ("John Smith", "J*** ****h"),
        ("𠮷野家", "𠮷*家"),  # a character outside the BMP stays one character
        ("王\U000e0100小明", "王\U000e0100*明"),  # variation selector stays with its character
        ("Jose\u0301 Li", "J*** *i"),  # the combining accent is not a character of its own
        ("Jose\u0301", "J**e\u0301"),
        ("张", "*"),
        (" 李四 ", "李*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked
