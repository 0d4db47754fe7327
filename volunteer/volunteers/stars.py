"""Star levels (星级志愿者) computed from approved cumulative service hours.

Owns the threshold table (default 100 / 300 / 600 / 1000 / 1500 hours, configurable), the level a
total of approved minutes reaches, the distance to the next level, and which reached levels still
lack an award. A level reached by the hours is only *eligible*; it is *awarded* when a body records
it on a date, which the models store — this module never decides that an award happened.
"""

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

from volunteer.volunteers.hour_rules import hours_decimal

DEFAULT_STAR_THRESHOLDS_HOURS: tuple[int, ...] = (100, 300, 600, 1000, 1500)

STAR_LABELS: dict[int, str] = {
    1: "一星志愿者",
    2: "二星志愿者",
    3: "三星志愿者",
    4: "四星志愿者",
    5: "五星志愿者",
}
MAX_LEVEL = len(STAR_LABELS)


def parse_thresholds(setting_text: str | None) -> tuple[int, ...]:
    """``"100,300,600,1000,1500"`` → thresholds in hours; blank gives the default table.

    Full-width commas, 、 and spaces are accepted as separators. The values must be positive,
    whole hours and strictly increasing, one to five of them (there are five named levels).
    """
    text = unicodedata.normalize("NFKC", setting_text or "").strip()
    if not text:
        return DEFAULT_STAR_THRESHOLDS_HOURS
    parts = [p for p in re.split(r"[,、;\s]+", text) if p]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"星级门槛「{setting_text}」应为以逗号分隔的整数小时数") from None
    if len(values) > MAX_LEVEL:
        raise ValueError(f"星级门槛最多 {MAX_LEVEL} 个，当前为 {len(values)} 个")
    if values[0] <= 0:
        raise ValueError("星级门槛必须为正整数小时")
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError("星级门槛必须严格递增")
    return values


def _check_minutes(approved_minutes: int) -> None:
    if approved_minutes < 0:
        raise ValueError("累计时长不能为负数")


def star_level(
    approved_minutes: int, thresholds: Sequence[int] = DEFAULT_STAR_THRESHOLDS_HOURS
) -> int:
    """0 (no star) to 5; a level is reached at exactly its threshold (100 h 0 min → 一星)."""
    _check_minutes(approved_minutes)
    # Compare in minutes so 99 h 59 min never rounds up to 100 h.
    return sum(1 for hours in thresholds if approved_minutes >= hours * 60)


def next_level_progress(
    approved_minutes: int, thresholds: Sequence[int] = DEFAULT_STAR_THRESHOLDS_HOURS
) -> tuple[int, Decimal] | None:
    """(next level, hours still needed) or None at the top level.

    The remainder is at least one minute, which rounds to 0.02 h, so it never reads as 0.
    """
    level = star_level(approved_minutes, thresholds)
    if level >= len(thresholds):
        return None
    remaining = thresholds[level] * 60 - approved_minutes
    return level + 1, hours_decimal(remaining)


def eligible_levels_not_awarded(level: int, awarded_levels: Iterable[int]) -> list[int]:
    """Levels 1..``level`` reached by the hours that no recorded award covers yet, ascending."""
    awarded = set(awarded_levels)
    return [n for n in range(1, level + 1) if n not in awarded]
