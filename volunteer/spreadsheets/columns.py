"""Column declarations and header matching.

Owns `ColumnType`, `Column`, `SheetSpec` (what each domain's `sheets.py` declares),
`normalise_header` (how a header typed by district staff is compared) and the global
table of synonym headers that every spec inherits.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    HOURS = "hours"  # read as int minutes
    YUAN = "yuan"  # read as int fen
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOL = "bool"
    CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # canonical Chinese header, as written in templates and exports
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    help: str = ""
    example: str = ""
    max_length: int | None = None


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # column keys identifying a row; repeats inside one file are errors
    instructions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.kind}: duplicate column keys")
        missing = set(self.key) - set(keys)
        if missing:
            raise ValueError(f"{self.kind}: key names unknown columns {sorted(missing)}")
        for column in self.columns:
            if column.type is ColumnType.CHOICE and not column.choices:
                raise ValueError(f"{self.kind}.{column.key}: CHOICE column without choices")

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


# Groups of headers that mean the same thing in every import. A column whose header belongs
# to a group accepts every other header of the group, unless the spec itself uses that header
# for another column (项目名称 is an alias of 活动名称, but the projects import's own column).
# Headers carrying a different unit are deliberately absent: 服务时长(分钟) is not 服务时长.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("姓名", "志愿者姓名", "真实姓名", "名字"),
    ("证件号码", "证件号", "身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码"),
    ("证件类型", "证件种类"),
    ("手机号", "手机号码", "手机", "联系电话", "电话", "联系方式"),
    ("服务日期", "活动日期", "日期"),
    ("服务时长", "服务时长(小时)", "时长(小时)", "时长", "服务时数", "服务时长(h)"),
    ("开始时间", "服务开始时间", "活动开始时间"),
    ("结束时间", "服务结束时间", "活动结束时间"),
    ("活动名称", "活动", "项目名称"),
    ("服务内容", "服务项目内容"),
    ("所属组织", "组织单位", "队伍", "所属队伍", "志愿服务队"),
    ("街道", "所属街道", "街道(镇)", "镇街"),
    ("社区", "所属社区", "社区(村)"),
    ("备注", "说明"),
)

_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})
_MARKERS = re.compile(r"\((?:必填|选填|可选|非必填)\)")


def normalise_header(text: object) -> str:
    """Reduce a header to the form headers are compared in.

    NFKC folds full-width brackets, colons, asterisks, letters and U+3000; every kind of
    whitespace (inside too: `姓 名`, `志愿者\\n姓名`) goes, as do `*` required marks, `(必填)`
    and a trailing colon. Units in brackets are kept, in one spelling: `服务时长（小时）`,
    `服务时长(小时)` and `服务时长 [小时]` all become `服务时长(小时)`.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    s = "".join(s.split()).replace("*", "")
    s = _MARKERS.sub("", s)
    return s.rstrip(":").lower()


def _synonyms_of(header: str) -> tuple[str, ...]:
    wanted = normalise_header(header)
    for group in SYNONYMS:
        if wanted in (normalise_header(h) for h in group):
            return group
    return ()


@functools.cache
def header_lookup(spec: SheetSpec) -> dict[str, str]:
    """Map every accepted normalised header of `spec` to its column key.

    Precedence: canonical headers, then the column's own aliases, then global synonyms; a
    synonym two columns reach goes to the one whose header heads its group, or else to none.
    """
    lookup: dict[str, str] = {}
    for column in spec.columns:
        lookup[normalise_header(column.header)] = column.key
    for column in spec.columns:
        for alias in column.aliases:
            name = normalise_header(alias)
            if lookup.setdefault(name, column.key) != column.key:
                raise ValueError(f"{spec.kind}: alias {alias!r} claimed by two columns")
    # name -> {key: whether the column's header heads the synonym group}
    claimed: dict[str, dict[str, bool]] = {}
    for column in spec.columns:
        group = _synonyms_of(column.header)
        heads = bool(group) and normalise_header(group[0]) == normalise_header(column.header)
        for synonym in group:
            claimed.setdefault(normalise_header(synonym), {})[column.key] = heads
    for name, keys in claimed.items():
        if name in lookup:
            continue
        # Claimed twice (项目名称 and 活动名称 both reach 活动): the group's head keeps it.
        winners = [k for k, heads in keys.items() if heads] if len(keys) > 1 else list(keys)
        if len(winners) == 1:
            lookup[name] = winners[0]
    return lookup
