import pytest

from volunteer.spreadsheets.columns import (
    Column,
    ColumnType,
    SheetSpec,
    header_lookup,
    normalise_header,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("姓名", "姓名"),
        ("姓 名", "姓名"),
        (" 姓\u3000名 ", "姓名"),
        ("志愿者\n姓名", "志愿者姓名"),
        ("志愿者\r\n姓名", "志愿者姓名"),
        ("*姓名", "姓名"),
        ("姓名*", "姓名"),
        ("＊姓名", "姓名"),
        ("姓名：", "姓名"),
        ("姓名:", "姓名"),
        ("姓名（必填）", "姓名"),
        ("服务时长（小时）", "服务时长(小时)"),
        ("服务时长(小时)", "服务时长(小时)"),
        ("服务时长 (小时)", "服务时长(小时)"),
        ("服务时长【小时】", "服务时长(小时)"),
        ("金额（元）", "金额(元)"),
        (None, ""),
        (12.0, "12.0"),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


def test_units_stay_distinct():
    assert normalise_header("服务时长（分钟）") != normalise_header("服务时长（小时）")


def _spec(*columns, key=()):
    return SheetSpec("test", "测试", tuple(columns), key=key)


def test_global_synonyms_map_to_the_column():
    spec = _spec(
        Column("name", "姓名"),
        Column("id_number", "证件号码", ColumnType.ID_NUMBER),
        Column("minutes", "服务时长", ColumnType.HOURS),
        Column("activity", "活动名称"),
    )
    lookup = header_lookup(spec)
    for header, key in [
        ("志愿者姓名", "name"),
        ("身份证号", "id_number"),
        ("身份证号码", "id_number"),
        ("公民身份号码", "id_number"),
        ("服务时长（小时）", "minutes"),
        ("时长 (小时)", "minutes"),
        ("时长", "minutes"),
        ("项目名称", "activity"),
        ("活动", "activity"),
    ]:
        assert lookup[normalise_header(header)] == key, header
    assert normalise_header("服务时长（分钟）") not in lookup


def test_own_canonical_header_beats_a_global_synonym():
    spec = _spec(Column("project", "项目名称"), Column("activity", "活动名称"))
    lookup = header_lookup(spec)
    assert lookup["项目名称"] == "project"
    assert lookup["活动"] == "activity"


def test_column_aliases_and_conflicts():
    spec = _spec(Column("donor", "捐赠人", aliases=("捐款人", "爱心人士")))
    assert header_lookup(spec)["爱心人士"] == "donor"
    clash = _spec(Column("a", "甲", aliases=("丙",)), Column("b", "乙", aliases=("丙",)))
    with pytest.raises(ValueError, match="claimed by two columns"):
        header_lookup(clash)


def test_synonym_claimed_twice_goes_to_the_group_head_or_nobody():
    spec = _spec(Column("phone", "手机号"), Column("tel", "联系电话"))
    lookup = header_lookup(spec)
    assert (lookup["手机号"], lookup["联系电话"], lookup["电话"]) == ("phone", "tel", "phone")
    neither = header_lookup(_spec(Column("mobile", "手机"), Column("tel", "联系电话")))
    assert "电话" not in neither
    assert "手机号" not in neither


def test_spec_validation_and_column_lookup():
    with pytest.raises(ValueError, match="duplicate column keys"):
        _spec(Column("a", "甲"), Column("a", "乙"))
    with pytest.raises(ValueError, match="unknown columns"):
        _spec(Column("a", "甲"), key=("b",))
    with pytest.raises(ValueError, match="CHOICE column without choices"):
        _spec(Column("a", "甲", ColumnType.CHOICE))
    spec = _spec(Column("a", "甲"))
    assert spec.column("a").header == "甲"
    with pytest.raises(KeyError):
        spec.column("zzz")
