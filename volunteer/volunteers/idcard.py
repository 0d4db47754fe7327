"""Identity documents of volunteers: document types, ID-number normalisation and validation.

Owns the GB 11643-1999 rules for 居民身份证 (check digit, birth date, sex, region, the upgrade of
15-digit legacy numbers), the looser format check for every other document type, and the age rules
for registration (under 14 refused, 14 to under 18 with guardian consent). Pure: no database, no
Pyramid, no clock — callers pass ``today``.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class IdType(StrEnum):
    """证件类型, stored by these language-independent codes."""

    RESIDENT = "resident"
    HK_MACAO = "hk_macao"
    TAIWAN = "taiwan"
    PASSPORT = "passport"
    FOREIGN_PERMANENT = "foreign_permanent"
    HKMT_RESIDENCE = "hkmt_residence"
    OTHER = "other"


ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT: "居民身份证",
    IdType.HK_MACAO: "港澳居民来往内地通行证",
    IdType.TAIWAN: "台湾居民来往大陆通行证",
    IdType.PASSPORT: "护照",
    IdType.FOREIGN_PERMANENT: "外国人永久居留身份证",
    IdType.HKMT_RESIDENCE: "港澳台居民居住证",
    IdType.OTHER: "其他",
}

# What people actually type in rosters, beyond the official labels and the codes.
_ID_TYPE_ALIASES: dict[str, IdType] = {
    "身份证": IdType.RESIDENT,
    "二代身份证": IdType.RESIDENT,
    "第二代居民身份证": IdType.RESIDENT,
    "二代居民身份证": IdType.RESIDENT,
    "中华人民共和国居民身份证": IdType.RESIDENT,
    "大陆居民身份证": IdType.RESIDENT,
    "内地居民身份证": IdType.RESIDENT,
    "身份证号": IdType.RESIDENT,
    "身份证号码": IdType.RESIDENT,
    "港澳通行证": IdType.HK_MACAO,
    "港澳居民往来内地通行证": IdType.HK_MACAO,
    "回乡证": IdType.HK_MACAO,
    "港澳同胞回乡证": IdType.HK_MACAO,
    "台胞证": IdType.TAIWAN,
    "台湾通行证": IdType.TAIWAN,
    "台湾居民往来大陆通行证": IdType.TAIWAN,
    "中国护照": IdType.PASSPORT,
    "外国护照": IdType.PASSPORT,
    "外国人护照": IdType.PASSPORT,
    "外国人永久居留证": IdType.FOREIGN_PERMANENT,
    "永久居留身份证": IdType.FOREIGN_PERMANENT,
    "永久居留证": IdType.FOREIGN_PERMANENT,
    "中国绿卡": IdType.FOREIGN_PERMANENT,
    "绿卡": IdType.FOREIGN_PERMANENT,
    "居住证": IdType.HKMT_RESIDENCE,
    "港澳居民居住证": IdType.HKMT_RESIDENCE,
    "台湾居民居住证": IdType.HKMT_RESIDENCE,
    "其它": IdType.OTHER,
    "其他证件": IdType.OTHER,
    "其它证件": IdType.OTHER,
}

_ID_TYPE_LOOKUP: dict[str, IdType] = {
    **{t.value: t for t in IdType},
    **{label: t for t, label in ID_TYPE_LABELS.items()},
    **_ID_TYPE_ALIASES,
}


def parse_id_type(text: str | None) -> IdType:
    """Read a 证件类型 cell; blank means 居民身份证, the overwhelmingly common case."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    if not key:
        return IdType.RESIDENT
    try:
        return _ID_TYPE_LOOKUP[key]
    except KeyError:
        raise ValueError(f"无法识别的证件类型「{text}」") from None


class InvalidId(ValueError):
    """An ID number that fails validation; ``message`` is the Chinese reason shown to users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResidentId:
    """What a valid 居民身份证 number says about its holder."""

    number18: str
    birth_date: date
    sex: str  # "男" or "女"
    region_code: str  # first six digits (GB/T 2260 at the time of issue)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes. 71/81/82 are listed in the standard even though the mainland
# rarely issues cards under them; anything else in the first two digits is a typo or a fabrication.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

# No living volunteer was born before this; a 18xx birth date is a mistyped number.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_]+")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def normalise_id_number(text: str | None) -> str:
    """Canonical form of any ID number: ASCII, no spaces or dashes, upper case.

    Spreadsheets bring full-width digits, a leading apostrophe (Excel's "store as text" marker),
    spaces and dashes typed for readability, and a lower-case x as check digit.
    """
    value = unicodedata.normalize("NFKC", text or "")
    value = _SEPARATORS.sub("", value).lstrip("'")
    return value.upper()


def check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 mod 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("校验位计算需要 17 位数字")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_resident_id(number: str, today: date) -> ResidentId:
    """Validate a 居民身份证 number (18 digits, or a 15-digit legacy number upgraded to 18)."""
    value = normalise_id_number(number)
    if not value:
        raise InvalidId("请填写居民身份证号码")
    if _SCIENTIFIC.match(value):
        # Excel turned the number into a float and the last digits are gone for good.
        raise InvalidId("身份证号码被表格软件转成了科学计数法，请把该列设为文本后重新录入")
    if len(value) == 15:
        if not (value.isascii() and value.isdigit()):
            raise InvalidId("15 位旧身份证号码只能由数字组成")
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_digit(first17)
    elif len(value) == 18:
        if not (value[:17].isascii() and value[:17].isdigit()) or value[17] not in "0123456789X":
            raise InvalidId("身份证号码应为 17 位数字加 1 位数字或 X")
        # Never say what the check digit "should" be: the typo is usually elsewhere, and the hint
        # would invite fixing the last digit to register a wrong person.
        if check_digit(value[:17]) != value[17]:
            raise InvalidId("身份证号码校验位不正确，请核对号码")
    else:
        raise InvalidId(f"身份证号码应为 18 位（或 15 位旧号码），当前为 {len(value)} 位")

    if value[:2] not in PROVINCE_CODES:
        raise InvalidId(f"身份证号码前两位「{value[:2]}」不是有效的省级行政区划代码")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidId(f"身份证号码中的出生日期「{value[6:14]}」不是有效日期") from None
    if birth < EARLIEST_BIRTH_DATE:
        raise InvalidId(f"身份证号码中的出生日期 {birth.isoformat()} 早于 1900 年，请核对号码")
    if birth > today:
        raise InvalidId(f"身份证号码中的出生日期 {birth.isoformat()} 晚于今天，请核对号码")
    sex = "男" if int(value[16]) % 2 else "女"
    return ResidentId(number18=value, birth_date=birth, sex=sex, region_code=value[:6])


@dataclass(frozen=True)
class CheckedId:
    """A normalised ID number of any type; ``resident`` is set for 居民身份证 only."""

    id_type: IdType
    number: str
    resident: ResidentId | None = None


def validate_id_number(id_type: IdType, number: str, today: date) -> CheckedId:
    """Validate ``number`` as ``id_type``: full GB 11643 rules for 居民身份证, format only else."""
    if id_type is IdType.RESIDENT:
        resident = validate_resident_id(number, today)
        return CheckedId(id_type, resident.number18, resident)
    value = normalise_id_number(number)
    label = ID_TYPE_LABELS[id_type]
    if not value:
        raise InvalidId(f"请填写{label}号码")
    if not (value.isascii() and value.isalnum()):
        raise InvalidId(f"{label}号码只能包含字母和数字")
    if not 5 <= len(value) <= 30:
        raise InvalidId(f"{label}号码长度应为 5 至 30 位，当前为 {len(value)} 位")
    return CheckedId(id_type, value)


def age_on(birth_date: date, day: date) -> int:
    """Full years (周岁) on ``day``, counted up on the birthday itself.

    A 29 February birthday comes round on 1 March in common years.
    """
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class AgeCheck(StrEnum):
    """Outcome of the registration age rule (志愿服务条例: 14 以上; 未成年人须监护人同意)."""

    REFUSED = "refused"
    GUARDIAN_REQUIRED = "guardian_required"
    OK = "ok"


MIN_REGISTRATION_AGE = 14
ADULT_AGE = 18

AGE_CHECK_MESSAGES: dict[AgeCheck, str] = {
    AgeCheck.REFUSED: f"未满 {MIN_REGISTRATION_AGE} 周岁，不能注册为志愿者",
    AgeCheck.GUARDIAN_REQUIRED: f"未满 {ADULT_AGE} 周岁，注册须有监护人同意",
    AgeCheck.OK: "",
}


def registration_age_check(birth_date: date, today: date) -> AgeCheck:
    """Whether someone born on ``birth_date`` may register today, and on what terms."""
    age = age_on(birth_date, today)
    if age < MIN_REGISTRATION_AGE:
        return AgeCheck.REFUSED
    if age < ADULT_AGE:
        return AgeCheck.GUARDIAN_REQUIRED
    return AgeCheck.OK


_SEX_WORDS = {"男": "男", "男性": "男", "m": "男", "male": "男",
              "女": "女", "女性": "女", "f": "女", "female": "女"}  # fmt: skip


def parse_sex(text: str | None) -> str | None:
    """男 or 女 from a 性别 cell; None when blank; ValueError when unreadable."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    if not key:
        return None
    try:
        return _SEX_WORDS[key]
    except KeyError:
        raise ValueError(f"无法识别的性别「{text}」") from None


def cross_check(resident: ResidentId, sex: str | None, birth_date: date | None) -> list[str]:
    """Messages for each declared fact (性别, 出生日期) that contradicts the ID number."""
    problems: list[str] = []
    if sex is not None and sex.strip():
        try:
            declared = parse_sex(sex)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            if declared != resident.sex:
                problems.append(
                    f"填写的性别「{declared}」与身份证号码显示的性别「{resident.sex}」不一致"
                )
    if birth_date is not None and birth_date != resident.birth_date:
        problems.append(
            f"填写的出生日期 {birth_date.isoformat()} 与身份证号码显示的出生日期 "
            f"{resident.birth_date.isoformat()} 不一致"
        )
    return problems
