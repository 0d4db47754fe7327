"""Rules a proposed service record must satisfy, and how minutes are shown as hours.

Owns the checks of issue 2 — minutes > 0, no future dates, optional back-entry limit, inside the
activity's date range and duration cap, start/end consistency, per-day cap, no overlapping time
ranges, no duplicate (volunteer, activity, date) — as one pure function over plain values. The
caller loads the activity and the volunteer's other records (at least those of the service date and
the days either side, for overnight services) and turns violations into form or import errors.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Statuses of records that no longer stand: they neither count towards the daily cap nor block
# a new record. A rejected claim is corrected by submitting a new one, so it must not block it.
NOT_COUNTED_STATUSES = frozenset({"voided", "rejected"})


@dataclass(frozen=True)
class HourRules:
    """The configurable part of the rules (settings ``volunteer.hours.*``)."""

    daily_cap_minutes: int = MINUTES_PER_DAY
    allow_future: bool = False
    max_past_days: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.daily_cap_minutes <= MINUTES_PER_DAY:
            raise ValueError("每日时长上限应在 1 分钟至 24 小时之间")
        if self.max_past_days is not None and self.max_past_days < 0:
            raise ValueError("补录期限天数不能为负数")


def hour_rules_from_settings(
    settings: Mapping[str, str], prefix: str = "volunteer.hours."
) -> HourRules:
    """Read ``daily_cap_minutes``, ``allow_future``, ``max_past_days`` from ini settings."""
    cap = settings.get(prefix + "daily_cap_minutes", "").strip()
    future = settings.get(prefix + "allow_future", "").strip().lower()
    past = settings.get(prefix + "max_past_days", "").strip()
    return HourRules(
        daily_cap_minutes=int(cap) if cap else MINUTES_PER_DAY,
        allow_future=future in {"true", "yes", "on", "1"},
        max_past_days=int(past) if past else None,
    )


@dataclass(frozen=True)
class ProposedRecord:
    """A record about to be created, or an edit of record ``id`` (which is then not a conflict)."""

    volunteer_id: int
    activity_id: int | None
    service_date: date
    minutes: int
    start: datetime | None = None
    end: datetime | None = None
    id: int | None = None


class ExistingRecord(NamedTuple):
    """Another record of the same volunteer.

    A voided record is given either as ``status="voided"`` or with ``voided=True`` (the models
    keep the review status and mark voiding separately). A named tuple, not a dataclass: an
    import makes one per accepted row, and a tuple is made several times faster.
    """

    id: int
    activity_id: int | None
    service_date: date
    minutes: int
    start: datetime | None
    end: datetime | None
    status: str
    voided: bool = False


@dataclass(frozen=True)
class ActivityFacts:
    """What the rules need to know about the record's activity."""

    id: int
    starts_on: date
    ends_on: date
    duration_cap_minutes: int | None = None
    name: str = ""


@dataclass(frozen=True)
class RuleViolation:
    code: str
    message_zh: str


def hours_decimal(minutes: int) -> Decimal:
    """Hours rounded half-up to two decimals. Sum minutes first, convert once at the end."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def minutes_to_hours_text(minutes: int) -> str:
    """``"2.5"``, ``"1.33"``, ``"3"``: hours with up to two decimals, no trailing zeros."""
    text = f"{hours_decimal(minutes):f}".rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def _aware(moment: datetime) -> datetime:
    # Form input arrives naive (Beijing wall clock) while stored records come back aware (UTC);
    # comparing the two directly would raise, so both are made aware first.
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def _local_date(moment: datetime) -> date:
    # Naive datetimes are already Beijing wall-clock time; aware ones (UTC from the database)
    # must be moved there before asking which day they fall on.
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LOCAL_TZ).date()


def _clock(moment: datetime) -> str:
    local = moment if moment.tzinfo is None else moment.astimezone(LOCAL_TZ)
    return local.strftime("%H:%M")


def _time_violations(rec: ProposedRecord) -> list[RuleViolation]:
    if (rec.start is None) != (rec.end is None):
        return [RuleViolation("time_incomplete", "开始时间和结束时间须同时填写或同时留空")]
    if rec.start is None or rec.end is None:
        return []
    start, end = _aware(rec.start), _aware(rec.end)
    if start >= end:
        return [RuleViolation("time_order", "结束时间必须晚于开始时间")]
    found = []
    if _local_date(rec.start) != rec.service_date:
        found.append(
            RuleViolation(
                "time_date_mismatch",
                f"开始时间的日期 {_local_date(rec.start).isoformat()} 与服务日期 "
                f"{rec.service_date.isoformat()} 不一致",
            )
        )
    # Minutes may be less than the span (breaks are not service time), never more.
    span = int((end - start).total_seconds() // 60)
    if rec.minutes > span:
        found.append(
            RuleViolation(
                "minutes_exceed_span",
                f"服务时长 {minutes_to_hours_text(rec.minutes)} 小时超过起止时间之间的 "
                f"{minutes_to_hours_text(span)} 小时",
            )
        )
    return found


def _activity_violations(rec: ProposedRecord, activity: ActivityFacts) -> list[RuleViolation]:
    found = []
    title = f"「{activity.name}」" if activity.name else ""
    if not activity.starts_on <= rec.service_date <= activity.ends_on:
        found.append(
            RuleViolation(
                "outside_activity",
                f"服务日期 {rec.service_date.isoformat()} 不在活动{title}的日期范围"
                f"（{activity.starts_on.isoformat()} 至 {activity.ends_on.isoformat()}）内",
            )
        )
    cap = activity.duration_cap_minutes
    if cap is not None and rec.minutes > cap:
        found.append(
            RuleViolation(
                "activity_cap",
                f"服务时长 {minutes_to_hours_text(rec.minutes)} 小时，"
                f"超过活动时长上限 {minutes_to_hours_text(cap)} 小时",
            )
        )
    return found


def _overlap(rec: ProposedRecord, standing: Sequence[ExistingRecord]) -> RuleViolation | None:
    if rec.start is None or rec.end is None:
        return None
    for other in standing:
        if other.start is None or other.end is None:
            continue
        # Half-open ranges: 08:00–12:00 and 12:00–14:00 touch but do not overlap.
        if _aware(rec.start) < _aware(other.end) and _aware(other.start) < _aware(rec.end):
            return RuleViolation(
                "overlap",
                f"与该志愿者 {other.service_date.isoformat()} "
                f"{_clock(other.start)}–{_clock(other.end)} 的服务记录时间重叠",
            )
    return None


def _duplicate(
    rec: ProposedRecord, activity: ActivityFacts | None, standing: Sequence[ExistingRecord]
) -> RuleViolation | None:
    if rec.activity_id is None:
        return None
    for other in standing:
        if other.activity_id == rec.activity_id and other.service_date == rec.service_date:
            name = activity.name if activity is not None and activity.name else "该活动"
            return RuleViolation(
                "duplicate",
                f"该志愿者在 {rec.service_date.isoformat()} 已有「{name}」的服务记录",
            )
    return None


def _daily_cap(
    rec: ProposedRecord, standing: Sequence[ExistingRecord], rules: HourRules
) -> RuleViolation | None:
    same_day = sum(r.minutes for r in standing if r.service_date == rec.service_date)
    if rec.minutes <= 0 or same_day + rec.minutes <= rules.daily_cap_minutes:
        return None
    return RuleViolation(
        "daily_cap",
        f"该志愿者 {rec.service_date.isoformat()} 已登记 {minutes_to_hours_text(same_day)} 小时，"
        f"加上本条 {minutes_to_hours_text(rec.minutes)} 小时超过每日上限 "
        f"{minutes_to_hours_text(rules.daily_cap_minutes)} 小时",
    )


def plainly_valid(
    minutes: int,
    service_date: date,
    activity: ActivityFacts | None,
    rules: HourRules,
    today: date,
) -> bool:
    """True when `check_record` would find nothing for a record with no start/end time, of
    `activity`, whose volunteer has no other record that day (without start and end,
    records of other days cannot overlap it): the common case of an import. False means
    "ask `check_record`", which words the violations; not that the record is invalid."""
    return (
        0 < minutes <= rules.daily_cap_minutes
        and (rules.allow_future or service_date <= today)
        and (rules.max_past_days is None or (today - service_date).days <= rules.max_past_days)
        and activity is not None
        and activity.starts_on <= service_date <= activity.ends_on
        and (activity.duration_cap_minutes is None or minutes <= activity.duration_cap_minutes)
    )


def check_record(
    rec: ProposedRecord,
    activity: ActivityFacts | None,
    existing: Sequence[ExistingRecord],
    rules: HourRules,
    today: date,
) -> list[RuleViolation]:
    """Every rule ``rec`` breaks, in a stable order; an empty list means it may be saved.

    ``existing`` holds the same volunteer's other records; voided and rejected ones are ignored,
    as is the record being edited (``rec.id``). ``today`` is the Beijing date.
    """
    if activity is not None and rec.activity_id != activity.id:
        raise ValueError("activity does not belong to the proposed record")
    found: list[RuleViolation] = []
    day = rec.service_date.isoformat()
    if rec.minutes <= 0:
        found.append(RuleViolation("minutes_not_positive", "服务时长必须大于 0"))
    if not rules.allow_future and rec.service_date > today:
        found.append(RuleViolation("future_date", f"服务日期 {day} 晚于今天，不能登记未来的服务"))
    if rules.max_past_days is not None and (today - rec.service_date).days > rules.max_past_days:
        found.append(
            RuleViolation("too_old", f"服务日期 {day} 已超过 {rules.max_past_days} 天的补录期限")
        )
    if activity is None and rec.activity_id is not None:
        found.append(RuleViolation("activity_missing", "找不到该服务记录所属的活动"))
    if activity is not None:
        found.extend(_activity_violations(rec, activity))
    found.extend(_time_violations(rec))
    standing = [
        r
        for r in existing
        if not r.voided
        and str(r.status) not in NOT_COUNTED_STATUSES
        and (rec.id is None or r.id != rec.id)
    ]
    for violation in (
        _duplicate(rec, activity, standing),
        _daily_cap(rec, standing, rules),
        _overlap(rec, standing),
    ):
        if violation is not None:
            found.append(violation)
    return found
