"""GB 11643 validation, ID-type parsing, ages and cross-checks (volunteer.volunteers.idcard)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.volunteers.idcard import (
    AGE_CHECK_MESSAGES,
    ID_TYPE_LABELS,
    PROVINCE_CODES,
    AgeCheck,
    CheckedId,
    IdType,
    InvalidId,
    ResidentId,
    age_on,
    check_digit,
    cross_check,
    normalise_id_number,
    parse_id_type,
    parse_sex,
    registration_age_check,
    validate_id_number,
    validate_resident_id,
)

TODAY = date(2024, 6, 1)


def make_number(region: str, birth: date, seq: str) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


def invalid_message(number: str, today: date = TODAY) -> str:
    with pytest.raises(InvalidId) as info:
        validate_resident_id(number, today)
    assert str(info.value) == info.value.message
    return info.value.message


# -- id types ---------------------------------------------------------------------------------


def test_id_type_values_are_language_independent_codes():
    assert [t.value for t in IdType] == [
        "resident",
        "hk_macao",
        "taiwan",
        "passport",
        "foreign_permanent",
        "hkmt_residence",
        "other",
    ]
    assert set(ID_TYPE_LABELS) == set(IdType)


@pytest.mark.parametrize("id_type", list(IdType))
def test_parse_id_type_accepts_official_label_and_code(id_type):
    assert parse_id_type(ID_TYPE_LABELS[id_type]) is id_type
    assert parse_id_type(id_type.value) is id_type
    assert parse_id_type(id_type.value.upper()) is id_type


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000"])
def test_parse_id_type_blank_is_resident(text):
    assert parse_id_type(text) is IdType.RESIDENT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证", IdType.RESIDENT),
        ("居民身份证", IdType.RESIDENT),
        ("二代身份证", IdType.RESIDENT),
        (" 居民 身份证 ", IdType.RESIDENT),
        ("港澳通行证", IdType.HK_MACAO),
        ("回乡证", IdType.HK_MACAO),
        ("台胞证", IdType.TAIWAN),
        ("外国护照", IdType.PASSPORT),
        ("永久居留证", IdType.FOREIGN_PERMANENT),
        ("居住证", IdType.HKMT_RESIDENCE),
        ("台湾居民居住证", IdType.HKMT_RESIDENCE),
        ("其它", IdType.OTHER),
    ],
)
def test_parse_id_type_common_variants(text, expected):
    assert parse_id_type(text) is expected


def test_parse_id_type_unknown_is_refused_in_chinese():
    with pytest.raises(ValueError, match="无法识别的证件类型「驾驶证」"):
        parse_id_type("驾驶证")


# -- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("'11010519491231002X", "11010519491231002X"),
        ("110105\u300019491231\t002X\n", "11010519491231002X"),
        ("e1234567８", "E12345678"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalise_id_number(text, expected):
    assert normalise_id_number(text) == expected


# -- check digit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),  # hand-checked: weighted sum 167, 167 % 11 = 2 → X
        ("37032119891104211", "2"),
        ("44052418800101001", "4"),
        ("11010519900307001", "7"),  # hand-checked: weighted sum 170, 170 % 11 = 5 → 7
    ],
)
def test_check_digit_vectors(first17, expected):
    assert check_digit(first17) == expected


@pytest.mark.parametrize("bad", ["", "1101051949123100", "110105194912310021", "1101051949123100X"])
def test_check_digit_needs_17_digits(bad):
    with pytest.raises(ValueError, match="17 位数字"):
        check_digit(bad)


# -- resident id vectors ----------------------------------------------------------------------


def test_known_valid_number():
    assert validate_resident_id("11010519491231002X", TODAY) == ResidentId(
        number18="11010519491231002X",
        birth_date=date(1949, 12, 31),
        sex="女",
        region_code="110105",
    )


def test_lower_case_x_and_spaces_are_accepted():
    assert validate_resident_id(" 11010519491231002x ", TODAY).number18 == "11010519491231002X"


def test_known_invalid_number():
    assert invalid_message("370321198911042111") == "身份证号码校验位不正确，请核对号码"


def test_checksum_message_does_not_reveal_the_expected_digit():
    assert "2" not in invalid_message("370321198911042111").replace("请核对号码", "")


def test_born_before_1900_is_refused_even_with_a_correct_checksum():
    # The checksum of 440524188001010014 is right; an 1880 birth date is a mistyped number.
    assert check_digit("44052418800101001") == "4"
    assert invalid_message("440524188001010014") == (
        "身份证号码中的出生日期 1880-01-01 早于 1900 年，请核对号码"
    )


def test_born_on_1900_01_01_is_accepted():
    assert validate_resident_id(make_number("110105", date(1900, 1, 1), "001"), TODAY)


def test_legacy_15_digit_number_is_upgraded():
    resident = validate_resident_id("110105491231002", TODAY)
    assert resident.number18 == "11010519491231002X"
    assert resident.birth_date == date(1949, 12, 31)
    assert resident.sex == "女"


def test_legacy_number_must_be_digits():
    assert invalid_message("11010549123100X") == "15 位旧身份证号码只能由数字组成"


def test_legacy_number_with_impossible_date():
    assert "不是有效日期" in invalid_message("110105490231002")


@pytest.mark.parametrize("length", [0, 1, 14, 16, 17, 19, 20])
def test_wrong_length(length):
    number = ("11010519491231002X" * 2)[:length]
    message = invalid_message(number)
    if length == 0:
        assert message == "请填写居民身份证号码"
    else:
        assert message == f"身份证号码应为 18 位（或 15 位旧号码），当前为 {length} 位"


@pytest.mark.parametrize("bad", ["1101051949123100XX", "11010519491231002Y", "A1010519491231002X"])
def test_bad_characters(bad):
    assert invalid_message(bad) == "身份证号码应为 17 位数字加 1 位数字或 X"


@pytest.mark.parametrize("text", ["1.10105E+17", "1.10105194912310E+17", "1E17"])
def test_scientific_notation_from_excel(text):
    assert "科学计数法" in invalid_message(text)


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "24", "30", "38", "47", "55", "66"])
def test_implausible_province_code(province):
    number = make_number(f"{province}0105", date(1980, 1, 1), "001")
    assert invalid_message(number) == (f"身份证号码前两位「{province}」不是有效的省级行政区划代码")


def test_province_codes_are_the_gb2260_list():
    assert len(PROVINCE_CODES) == 34
    assert {"11", "42", "65", "71", "81", "82"} <= PROVINCE_CODES


@pytest.mark.parametrize("birth", ["19890230", "19890001", "19891301", "19890132", "20230229"])
def test_impossible_birth_date(birth):
    first17 = f"110105{birth}001"
    message = invalid_message(first17 + check_digit(first17))
    assert message == f"身份证号码中的出生日期「{birth}」不是有效日期"


def test_birth_date_in_the_future():
    number = make_number("110105", TODAY + timedelta(days=1), "001")
    assert invalid_message(number) == "身份证号码中的出生日期 2024-06-02 晚于今天，请核对号码"


def test_born_today_is_a_valid_number():
    assert validate_resident_id(make_number("110105", TODAY, "001"), TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    ("seq", "sex"), [("001", "男"), ("002", "女"), ("119", "男"), ("990", "女")]
)
def test_sex_from_the_17th_digit(seq, sex):
    assert validate_resident_id(make_number("420502", date(1990, 5, 6), seq), TODAY).sex == sex


# -- properties -------------------------------------------------------------------------------

regions = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
seqs = st.from_regex(r"\A[0-9]{3}\Z")
valid_numbers = st.builds(make_number, regions, births, seqs)


@given(region=regions, birth=births, seq=seqs)
def test_generated_numbers_are_valid_and_decoded(region, birth, seq):
    number = make_number(region, birth, seq)
    resident = validate_resident_id(number, TODAY)
    assert resident.number18 == number
    assert resident.birth_date == birth
    assert resident.region_code == region
    assert resident.sex == ("男" if int(seq[-1]) % 2 else "女")


@given(number=valid_numbers)
def test_every_wrong_check_digit_is_rejected(number):
    for wrong in "0123456789X":
        if wrong != number[-1]:
            with pytest.raises(InvalidId):
                validate_resident_id(number[:17] + wrong, TODAY)


@given(number=valid_numbers, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_every_single_digit_error_is_rejected(number, position, delta):
    digit = str((int(number[position]) + delta) % 10)
    with pytest.raises(InvalidId):
        validate_resident_id(number[:position] + digit + number[position + 1 :], TODAY)


@given(number=valid_numbers, position=st.integers(0, 15))
def test_adjacent_transpositions_are_rejected(number, position):
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    if a != b:
        with pytest.raises(InvalidId):
            validate_resident_id(swapped, TODAY)


@given(region=regions, birth=st.dates(date(1900, 1, 1), date(1999, 12, 31)), seq=seqs)
def test_legacy_numbers_upgrade_to_the_18_digit_form(region, birth, seq):
    legacy = f"{region}{birth:%y%m%d}{seq}"
    assert validate_resident_id(legacy, TODAY).number18 == make_number(region, birth, seq)


# -- other id types ---------------------------------------------------------------------------


def test_validate_id_number_resident_returns_decoded_facts():
    checked = validate_id_number(IdType.RESIDENT, "110105491231002", TODAY)
    assert checked.number == "11010519491231002X"
    assert checked.resident is not None
    assert checked.resident.sex == "女"


@pytest.mark.parametrize(
    ("id_type", "text", "number"),
    [
        (IdType.PASSPORT, "e1234567 8", "E12345678"),
        (IdType.HK_MACAO, "H12345678", "H12345678"),
        (IdType.TAIWAN, "12345678", "12345678"),
        (IdType.FOREIGN_PERMANENT, "USA123456789012", "USA123456789012"),
        (IdType.HKMT_RESIDENCE, "810000199001010012", "810000199001010012"),
        (IdType.OTHER, "A1234", "A1234"),
        (IdType.OTHER, "A" * 30, "A" * 30),
    ],
)
def test_other_types_accept_any_plausible_alphanumeric(id_type, text, number):
    assert validate_id_number(id_type, text, TODAY) == CheckedId(id_type, number, None)


@pytest.mark.parametrize(
    ("id_type", "text", "message"),
    [
        (IdType.PASSPORT, "", "请填写护照号码"),
        (IdType.PASSPORT, "E1234", None),
        (IdType.PASSPORT, "E123", "护照号码长度应为 5 至 30 位，当前为 4 位"),
        (IdType.OTHER, "A" * 31, "其他号码长度应为 5 至 30 位，当前为 31 位"),
        (IdType.HK_MACAO, "H1234567(8)", "港澳居民来往内地通行证号码只能包含字母和数字"),
        (IdType.TAIWAN, "台12345678", "台湾居民来往大陆通行证号码只能包含字母和数字"),
    ],
)
def test_other_types_format_checks(id_type, text, message):
    if message is None:
        assert validate_id_number(id_type, text, TODAY).number == text
    else:
        with pytest.raises(InvalidId, match=message.replace("(", r"\(")):
            validate_id_number(id_type, text, TODAY)


# -- ages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2010, 6, 1), date(2024, 5, 31), 13),
        (date(2010, 6, 1), date(2024, 6, 1), 14),
        (date(2010, 6, 1), date(2024, 6, 2), 14),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2024, 6, 1), date(2024, 6, 1), 0),
        (date(1949, 12, 31), date(2024, 6, 1), 74),
    ],
)
def test_age_on(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(2010, 6, 2), AgeCheck.REFUSED),  # 14th birthday tomorrow
        (date(2010, 6, 1), AgeCheck.GUARDIAN_REQUIRED),  # 14 today
        (date(2006, 6, 2), AgeCheck.GUARDIAN_REQUIRED),  # 18th birthday tomorrow
        (date(2006, 6, 1), AgeCheck.OK),  # 18 today
        (date(1949, 12, 31), AgeCheck.OK),
        (TODAY, AgeCheck.REFUSED),
    ],
)
def test_registration_age_check(birth, expected):
    result = registration_age_check(birth, TODAY)
    assert result is expected
    assert result == expected.value  # compares equal to the plain string


def test_age_check_messages():
    assert AGE_CHECK_MESSAGES[AgeCheck.REFUSED] == "未满 14 周岁，不能注册为志愿者"
    assert AGE_CHECK_MESSAGES[AgeCheck.GUARDIAN_REQUIRED] == "未满 18 周岁，注册须有监护人同意"
    assert AGE_CHECK_MESSAGES[AgeCheck.OK] == ""


# -- cross-check ------------------------------------------------------------------------------

WOMAN = validate_resident_id("11010519491231002X", TODAY)


@pytest.mark.parametrize(
    ("text", "sex"),
    [("男", "男"), ("男性", "男"), (" M ", "男"), ("male", "男"), ("女", "女"), ("F", "女"),
     ("", None), (None, None)],
)  # fmt: skip
def test_parse_sex(text, sex):
    assert parse_sex(text) == sex


def test_parse_sex_unknown():
    with pytest.raises(ValueError, match="无法识别的性别「未知」"):
        parse_sex("未知")


def test_cross_check_agreeing_or_missing_facts():
    assert cross_check(WOMAN, "女", date(1949, 12, 31)) == []
    assert cross_check(WOMAN, "女性", None) == []
    assert cross_check(WOMAN, None, None) == []
    assert cross_check(WOMAN, "  ", None) == []


def test_cross_check_disagreeing_sex():
    assert cross_check(WOMAN, "男", None) == ["填写的性别「男」与身份证号码显示的性别「女」不一致"]


def test_cross_check_disagreeing_birth_date():
    assert cross_check(WOMAN, None, date(1950, 1, 1)) == [
        "填写的出生日期 1950-01-01 与身份证号码显示的出生日期 1949-12-31 不一致"
    ]


def test_cross_check_reports_every_problem():
    assert cross_check(WOMAN, "保密", date(1949, 1, 31)) == [
        "无法识别的性别「保密」",
        "填写的出生日期 1949-01-31 与身份证号码显示的出生日期 1949-12-31 不一致",
    ]
