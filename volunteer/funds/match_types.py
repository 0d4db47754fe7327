"""The values the matching rules work on: programme rules, donation facts, match results,
the binding limits and the processing order of donations. Pure: no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple

SortKey = tuple[datetime, str, int]


class Limit(StrEnum):
    RATIO = "ratio"
    DONATION_CAP = "donation_cap"
    DONOR_CAP = "donor_cap"
    PROJECT_CAP = "project_cap"
    POOL = "pool"


class OutOfOrderDonation(ValueError):
    """An incremental run was given a donation that sorts before one already processed."""


def aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} 必须是带时区的时间")
    return value.astimezone(UTC)


@dataclass(frozen=True, kw_only=True)
class ProgrammeRule:
    """One sponsor's top-up rule; money in fen, the window `[starts_at, ends_at)` aware."""

    id: int
    code: str
    ratio: Decimal
    starts_at: datetime
    ends_at: datetime
    min_donation_fen: int = 0
    per_donation_cap_fen: int | None = None
    per_donor_project_cap_fen: int | None = None
    per_project_cap_fen: int | None = None
    # None means no budget pool at all; every real programme has one, tests may not.
    pool_fen: int | None = None
    project_ids: frozenset[int] | None = None
    area_ids: frozenset[int] | None = None
    priority: int = 0

    def __post_init__(self) -> None:
        # Float ratios are refused outright: 0.1 as a float is not 0.1 and would cost a fen.
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, Decimal | int):
            raise TypeError("配捐比例必须是 Decimal，不能是浮点数")
        if not Decimal(self.ratio).is_finite() or self.ratio < 0:
            raise ValueError("配捐比例必须是非负有限数")
        starts = aware_utc(self.starts_at, "开始时间")
        ends = aware_utc(self.ends_at, "结束时间")
        if starts >= ends:
            raise ValueError("配捐窗口的开始时间必须早于结束时间")
        for name in (f.name for f in fields(self) if f.name.endswith("_fen")):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise ValueError(f"{name} 必须是非负整数（分）")


@dataclass(frozen=True, slots=True)
class DonationFact:
    """What matching needs to know about one effective (not refunded) donation."""

    id: int
    receipt_no: str
    received_at: datetime  # aware, UTC
    amount_fen: int
    project_id: int
    area_ids: frozenset[int]  # the project's community and all its ancestors
    donor_key: str | None = None


class MatchResult(NamedTuple):
    """One programme's top-up of one donation.

    A NamedTuple rather than a frozen dataclass: a run over a million donations builds millions
    of these, and a tuple is immutable too but costs half as much to build.
    """

    programme_id: int
    donation_id: int
    amount_fen: int
    limit: Limit


sort_key: Callable[[DonationFact], SortKey] = attrgetter("received_at", "receipt_no", "id")
"""The processing order of donations: `(received_at, receipt_no, id)`."""
