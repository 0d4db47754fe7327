"""Scoring of venture-philanthropy proposals: rubric, recusal, trimming, ranking and cut-off.

Rubric: weighted criteria whose weights are positive whole numbers totalling 100, plus optional
bonus items (加分项, such as co-funding raised) each with a maximum. A reviewer scores each
criterion in points from 0 up to its weight (a criterion weighted 30 is scored 0–30, halves and
other exact decimals allowed), so a reviewer's total is out of 100 with no further weighting.

A proposal's score: reviewers with a declared conflict of interest are recused and their reviews
ignored even if submitted; if trimming is on and at least ``TRIM_MINIMUM`` (3) reviews remain, one
highest and one lowest total are dropped; the score is the mean of the remaining totals plus the
bonus points (each item capped at its maximum), computed exactly and rounded once to 2 decimals,
half up. Numbers are ``Decimal`` or ``int``, never ``float``.

Ranking: by score, highest first; equal scores are ordered by the smaller request first (the same
money then helps more organisations), then by id, so the order never depends on input order. Ranks
are positions 1..n. Funding: proposals are funded in rank order while the running total stays within
the budget. By default the cut-off stops at the first proposal that does not fit, so that a lower
score is never funded ahead of a higher one (``skip_unaffordable=True`` instead skips it and goes
on funding smaller, lower-ranked proposals).
"""

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

TRIM_MINIMUM = 3
TOTAL_WEIGHT = 100
Points = Decimal | int


class ScoringError(ValueError):
    """Invalid rubric, review or ranking input; the message is Chinese."""


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: int


@dataclass(frozen=True)
class Bonus:
    name: str
    max_points: int


def _exact(value: Points, what: str) -> Fraction:
    # float is refused: 0.1 is not exactly one tenth and scores are published to the cent.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ScoringError(f"{what}须为整数或精确小数")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ScoringError(f"{what}无效")
    return Fraction(value)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    bonus: tuple[Bonus, ...] = ()

    def __post_init__(self) -> None:
        if not self.criteria:
            raise ScoringError("评分细则至少需要一项评分指标")
        names = [c.name for c in self.criteria] + [b.name for b in self.bonus]
        if len(set(names)) != len(names):
            raise ScoringError("评分指标和加分项的名称不能重复")
        for c in self.criteria:
            if not _is_positive_int(c.weight):
                raise ScoringError(f"指标「{c.name}」的权重须为正整数")
        total = sum(c.weight for c in self.criteria)
        if total != TOTAL_WEIGHT:
            raise ScoringError(f"各指标权重合计须为 {TOTAL_WEIGHT}，现为 {total}")
        for b in self.bonus:
            if not _is_positive_int(b.max_points):
                raise ScoringError(f"加分项「{b.name}」的上限须为正整数")

    @property
    def max_score(self) -> int:
        return TOTAL_WEIGHT + sum(b.max_points for b in self.bonus)

    def review_total(self, scores: Mapping[str, Points]) -> Fraction:
        """A reviewer's total: every criterion scored, each within 0..weight."""
        unknown = set(scores) - {c.name for c in self.criteria}
        if unknown:
            raise ScoringError(f"未知的评分指标：{'、'.join(sorted(unknown))}")
        total = Fraction(0)
        for c in self.criteria:
            if c.name not in scores:
                raise ScoringError(f"指标「{c.name}」未评分")
            points = _exact(scores[c.name], f"指标「{c.name}」的得分")
            if not 0 <= points <= c.weight:
                raise ScoringError(f"指标「{c.name}」的得分须在 0 到 {c.weight} 之间")
            total += points
        return total

    def bonus_total(self, points: Mapping[str, Points]) -> Fraction:
        """Bonus points awarded, each item capped at its maximum (a raw count may exceed it)."""
        maxima = {b.name: b.max_points for b in self.bonus}
        unknown = set(points) - set(maxima)
        if unknown:
            raise ScoringError(f"未知的加分项：{'、'.join(sorted(unknown))}")
        total = Fraction(0)
        for name, value in points.items():
            exact = _exact(value, f"加分项「{name}」")
            if exact < 0:
                raise ScoringError(f"加分项「{name}」不能为负数")
            total += min(exact, maxima[name])
        return total


@dataclass(frozen=True)
class Review:
    reviewer: str
    scores: Mapping[str, Points]


@dataclass(frozen=True)
class ScoreBreakdown:
    """How a score came about, for the ranking page: who counted, who was dropped or recused."""

    counted: tuple[str, ...]
    dropped: tuple[str, ...]
    recused: tuple[str, ...]
    bonus: Decimal
    score: Decimal | None


def round_half_up(value: Fraction) -> Decimal:
    """Exact ``ROUND_HALF_UP`` to 2 decimals (no intermediate rounding of a repeating mean)."""
    hundredths = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(hundredths if value >= 0 else -hundredths) / 100).quantize(Decimal("0.01"))


def score_breakdown(
    rubric: Rubric,
    reviews: Iterable[Review],
    conflicts: Iterable[str] = (),
    *,
    drop_extremes: bool = False,
    bonus_points: Mapping[str, Points] | None = None,
) -> ScoreBreakdown:
    reviews = list(reviews)
    reviewers = [r.reviewer for r in reviews]
    if len(set(reviewers)) != len(reviewers):
        raise ScoringError("同一评审专家对同一项目只能有一份评分")
    conflicted = set(conflicts)
    bonus = rubric.bonus_total(bonus_points or {})
    # Validate every review, recused ones included: a malformed sheet is an error either way.
    totals = sorted((rubric.review_total(r.scores), r.reviewer) for r in reviews)
    kept = [(t, who) for t, who in totals if who not in conflicted]
    recused = tuple(sorted(who for _, who in totals if who in conflicted))
    dropped: tuple[str, ...] = ()
    if drop_extremes and len(kept) >= TRIM_MINIMUM:
        # Ties on the total are broken by reviewer id, so the dropped names are reproducible.
        dropped = (kept[0][1], kept[-1][1])
        kept = kept[1:-1]
    score = None
    if kept:
        mean = sum(t for t, _ in kept) / len(kept)
        score = round_half_up(mean + bonus)
    return ScoreBreakdown(
        counted=tuple(sorted(who for _, who in kept)),
        dropped=dropped,
        recused=recused,
        bonus=round_half_up(bonus),
        score=score,
    )


def proposal_score(
    rubric: Rubric,
    reviews: Iterable[Review],
    conflicts: Iterable[str] = (),
    *,
    drop_extremes: bool = False,
    bonus_points: Mapping[str, Points] | None = None,
) -> Decimal | None:
    """The proposal's score to 2 decimals, or ``None`` when no reviewer's score counts."""
    breakdown = score_breakdown(
        rubric, reviews, conflicts, drop_extremes=drop_extremes, bonus_points=bonus_points
    )
    return breakdown.score


@dataclass(frozen=True)
class RankedProposal:
    id: Hashable
    rank: int
    score: Decimal
    requested_fen: int
    funded: bool
    # Funded amount of this and every higher-ranked proposal.
    cumulative_fen: int


def rank_and_fund(
    proposals: Iterable[tuple[Hashable, Points, int]],
    budget_fen: int,
    *,
    skip_unaffordable: bool = False,
) -> list[RankedProposal]:
    """Rank ``(id, score, requested_fen)`` rows and mark those the budget funds."""
    rows = list(proposals)
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen < 0:
        raise ScoringError("预算须为非负整数（分）")
    ids = [pid for pid, _, _ in rows]
    if len(set(ids)) != len(ids):
        raise ScoringError("项目编号重复")
    for pid, score, requested in rows:
        if score is None:
            raise ScoringError(f"项目 {pid} 尚无有效评分，不能参与排名")
        _exact(score, f"项目 {pid} 的得分")
        if not _is_positive_int(requested):
            raise ScoringError(f"项目 {pid} 的申请金额须为正整数（分）")
    ordered = sorted(rows, key=lambda r: (-_exact(r[1], ""), r[2], r[0]))
    ranked, cumulative, open_ = [], 0, True
    for rank, (pid, score, requested) in enumerate(ordered, start=1):
        funded = open_ and cumulative + requested <= budget_fen
        if funded:
            cumulative += requested
        elif not skip_unaffordable:
            open_ = False
        ranked.append(RankedProposal(pid, rank, Decimal(score), requested, funded, cumulative))
    return ranked
