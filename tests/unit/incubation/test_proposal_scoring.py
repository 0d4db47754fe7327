"""Rubric validation, proposal scores (recusal, trimming, bonus, rounding) and the funding cut-off.

Every expected score is worked out by hand in the comments.
"""

from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.incubation.scoring import (
    TRIM_MINIMUM,
    Bonus,
    Criterion,
    RankedProposal,
    Review,
    Rubric,
    ScoringError,
    proposal_score,
    rank_and_fund,
    round_half_up,
    score_breakdown,
)

RUBRIC = Rubric(
    criteria=(
        Criterion("需求分析", 30),
        Criterion("项目设计", 25),
        Criterion("执行能力", 20),
        Criterion("预算合理性", 15),
        Criterion("社会效益", 10),
    ),
    bonus=(Bonus("配套资金", 5), Bonus("志愿者参与", 3)),
)
NAMES = [c.name for c in RUBRIC.criteria]


def review(who, *points):
    return Review(who, dict(zip(NAMES, points, strict=True)))


REVIEWS = [
    review("A", 25, 20, 16, 12, 8),  # 25+20+16+12+8 = 81
    review("B", 28, 22, 18, 13, 9),  # 28+22+18+13+9 = 90
    review("C", 20, 18, 15, 10, 7),  # 20+18+15+10+7 = 70
    review("D", 27, 21, 17, 14, 8),  # 27+21+17+14+8 = 87
    review("E", 24, 19, 15, 12, 6),  # 24+19+15+12+6 = 76
]


def test_rubric_totals():
    assert RUBRIC.max_score == 108  # 100 + 5 + 3
    assert RUBRIC.review_total(REVIEWS[0].scores) == 81


def test_plain_mean():
    # (81 + 90 + 70 + 87 + 76) / 5 = 404 / 5 = 80.80
    assert proposal_score(RUBRIC, REVIEWS) == Decimal("80.80")


def test_trimmed_mean():
    # Drop 90 (B) and 70 (C): (81 + 87 + 76) / 3 = 244 / 3 = 81.333… → 81.33
    assert proposal_score(RUBRIC, REVIEWS, drop_extremes=True) == Decimal("81.33")


def test_recusal():
    # D declared a conflict: (81 + 90 + 70 + 76) / 4 = 317 / 4 = 79.25
    assert proposal_score(RUBRIC, REVIEWS, {"D"}) == Decimal("79.25")


def test_recusal_then_trimming():
    # D recused; of 81, 90, 70, 76 drop 90 and 70: (81 + 76) / 2 = 157 / 2 = 78.50
    assert proposal_score(RUBRIC, REVIEWS, {"D"}, drop_extremes=True) == Decimal("78.50")
    # D and E recused; 3 remain (the minimum): drop 90 and 70 → 81 / 1 = 81.00
    assert proposal_score(RUBRIC, REVIEWS, {"D", "E"}, drop_extremes=True) == Decimal("81.00")
    # C, D, E recused; 2 remain, below the minimum of 3: no trimming, (81 + 90) / 2 = 85.50
    assert proposal_score(RUBRIC, REVIEWS, {"C", "D", "E"}, drop_extremes=True) == Decimal("85.50")
    assert TRIM_MINIMUM == 3


def test_a_conflict_without_a_review_changes_nothing():
    assert proposal_score(RUBRIC, REVIEWS, {"Z"}) == Decimal("80.80")


def test_nobody_left_gives_no_score():
    assert proposal_score(RUBRIC, REVIEWS, {"A", "B", "C", "D", "E"}) is None
    assert proposal_score(RUBRIC, []) is None


def test_bonus_points_are_capped():
    # Co-funding earns 7 raw points, capped at 5; volunteers 2 (max 3): bonus 7.
    # Trimmed mean 244 / 3 = 81.333… + 7 = 88.333… → 88.33
    bonus = {"配套资金": 7, "志愿者参与": 2}
    assert proposal_score(RUBRIC, REVIEWS, drop_extremes=True, bonus_points=bonus) == Decimal(
        "88.33"
    )
    # Plain mean 80.80 + 5 + 3 (both at their cap) = 88.80
    full = {"配套资金": Decimal("5.5"), "志愿者参与": 3}
    assert proposal_score(RUBRIC, REVIEWS, bonus_points=full) == Decimal("88.80")


def test_rounding_is_half_up_on_the_exact_mean():
    # Totals 80, 80, 80 and 80.5: 320.5 / 4 = 80.125 → 80.13 (half-even would give 80.12).
    reviews = [
        review("A", 24, 20, 16, 12, 8),  # 80
        review("B", 24, 20, 16, 12, 8),  # 80
        review("C", 24, 20, 16, 12, 8),  # 80
        review("D", Decimal("24.5"), 20, 16, 12, 8),  # 80.5
    ]
    assert proposal_score(RUBRIC, reviews) == Decimal("80.13")
    # 245 / 3 = 81.666… → 81.67 (three reviewers totalling 81, 82, 82)
    reviews = [
        review("A", 25, 20, 16, 12, 8),  # 81
        review("B", 25, 20, 16, 12, 9),  # 82
        review("C", 25, 21, 16, 12, 8),  # 82
    ]
    assert proposal_score(RUBRIC, reviews) == Decimal("81.67")


def test_round_half_up_helper():
    assert round_half_up(Fraction(80125, 1000)) == Decimal("80.13")
    assert round_half_up(Fraction(80124, 1000)) == Decimal("80.12")
    assert round_half_up(Fraction(-80125, 1000)) == Decimal("-80.13")
    assert round_half_up(Fraction(100)) == Decimal("100.00")


def test_breakdown_names_who_counted():
    result = score_breakdown(
        RUBRIC, REVIEWS, {"D"}, drop_extremes=True, bonus_points={"志愿者参与": 1}
    )
    assert result.counted == ("A", "E")
    assert result.dropped == ("C", "B")  # lowest, highest
    assert result.recused == ("D",)
    assert result.bonus == Decimal("1.00")
    assert result.score == Decimal("79.50")  # 157 / 2 + 1


def test_trimming_ties_are_broken_by_reviewer():
    same = [review(who, 24, 20, 16, 12, 8) for who in ("r3", "r1", "r2")]  # all 80
    result = score_breakdown(RUBRIC, same, drop_extremes=True)
    assert result.dropped == ("r1", "r3")
    assert result.counted == ("r2",)
    assert result.score == Decimal("80.00")


def test_recused_reviews_are_still_validated():
    bad = [*REVIEWS, review("F", 31, 20, 16, 12, 8)]
    with pytest.raises(ScoringError, match="0 到 30"):
        proposal_score(RUBRIC, bad, {"F"})


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({**REVIEWS[0].scores, "需求分析": 31}, "指标「需求分析」的得分须在 0 到 30 之间"),
        ({**REVIEWS[0].scores, "社会效益": -1}, "指标「社会效益」的得分须在 0 到 10 之间"),
        ({**REVIEWS[0].scores, "社会效益": 8.0}, "指标「社会效益」的得分须为整数或精确小数"),
        ({**REVIEWS[0].scores, "社会效益": True}, "指标「社会效益」的得分须为整数或精确小数"),
        ({**REVIEWS[0].scores, "社会效益": Decimal("NaN")}, "指标「社会效益」的得分无效"),
        ({k: v for k, v in REVIEWS[0].scores.items() if k != "项目设计"}, "指标「项目设计」未评分"),
        ({**REVIEWS[0].scores, "颜值": 5}, "未知的评分指标：颜值"),
    ],
)
def test_invalid_reviews(scores, message):
    with pytest.raises(ScoringError, match=message):
        proposal_score(RUBRIC, [Review("A", scores)])


def test_edge_scores_are_valid():
    zero = review("A", 0, 0, 0, 0, 0)
    full = review("B", 30, 25, 20, 15, 10)
    # (0 + 100) / 2 = 50.00
    assert proposal_score(RUBRIC, [zero, full]) == Decimal("50.00")


def test_duplicate_reviewer():
    with pytest.raises(ScoringError, match="只能有一份评分"):
        proposal_score(RUBRIC, [REVIEWS[0], REVIEWS[0]])


@pytest.mark.parametrize(
    ("bonus", "message"),
    [({"宣传": 1}, "未知的加分项：宣传"), ({"配套资金": -1}, "加分项「配套资金」不能为负数")],
)
def test_invalid_bonus(bonus, message):
    with pytest.raises(ScoringError, match=message):
        proposal_score(RUBRIC, REVIEWS, bonus_points=bonus)


@pytest.mark.parametrize(
    ("criteria", "bonus", "message"),
    [
        ((), (), "至少需要一项评分指标"),
        ((Criterion("a", 60), Criterion("b", 30)), (), "合计须为 100，现为 90"),
        ((Criterion("a", 60), Criterion("b", 50)), (), "合计须为 100，现为 110"),
        ((Criterion("a", 100), Criterion("b", 0)), (), "指标「b」的权重须为正整数"),
        ((Criterion("a", 110), Criterion("b", -10)), (), "指标「b」的权重须为正整数"),
        ((Criterion("a", 50.0), Criterion("b", 50)), (), "指标「a」的权重须为正整数"),
        ((Criterion("a", 50), Criterion("a", 50)), (), "名称不能重复"),
        ((Criterion("a", 100),), (Bonus("a", 5),), "名称不能重复"),
        ((Criterion("a", 100),), (Bonus("x", 0),), "加分项「x」的上限须为正整数"),
    ],
)
def test_invalid_rubrics(criteria, bonus, message):
    with pytest.raises(ScoringError, match=message):
        Rubric(criteria, bonus)


def test_a_rubric_without_bonus():
    rubric = Rubric((Criterion("综合", 100),))
    assert rubric.max_score == 100
    assert proposal_score(rubric, [Review("A", {"综合": 73})]) == Decimal("73.00")


# -- ranking and funding cut-off -----------------------------------------------------------------

PROPOSALS = [
    ("p1", Decimal("88.50"), 5_000_000),
    ("p2", Decimal("92.00"), 8_000_000),
    ("p3", Decimal("88.50"), 4_000_000),  # ties p1 on score; smaller request ranks first
    ("p4", Decimal("85.00"), 3_000_000),
    ("p5", Decimal("80.00"), 1_000_000),
]


def summary(ranked):
    return [(r.id, r.rank, r.funded, r.cumulative_fen) for r in ranked]


def test_rank_and_fund_stops_at_the_first_that_does_not_fit():
    # Budget 180,000.00 yuan. p2 8M (8M), p3 4M (12M), p1 5M (17M); p4 would make 20M > 18M:
    # stop there, so p5 is not funded either although 17M + 1M = 18M would fit.
    ranked = rank_and_fund(PROPOSALS, 18_000_000)
    assert summary(ranked) == [
        ("p2", 1, True, 8_000_000),
        ("p3", 2, True, 12_000_000),
        ("p1", 3, True, 17_000_000),
        ("p4", 4, False, 17_000_000),
        ("p5", 5, False, 17_000_000),
    ]
    assert ranked[0] == RankedProposal("p2", 1, Decimal("92.00"), 8_000_000, True, 8_000_000)


def test_rank_and_fund_can_skip_and_continue():
    # Same, but p4 is skipped and p5 fits exactly: 17M + 1M = 18M = budget.
    ranked = rank_and_fund(PROPOSALS, 18_000_000, skip_unaffordable=True)
    assert summary(ranked)[3:] == [("p4", 4, False, 17_000_000), ("p5", 5, True, 18_000_000)]


def test_budget_edges():
    assert [r.funded for r in rank_and_fund(PROPOSALS, 0)] == [False] * 5
    # 8M + 4M + 5M + 3M + 1M = 21M: exactly enough for all.
    assert [r.funded for r in rank_and_fund(PROPOSALS, 21_000_000)] == [True] * 5
    # One fen less: 8M + 4M + 5M + 3M = 20M fits, p5 would make 21M.
    assert [r.funded for r in rank_and_fund(PROPOSALS, 20_999_999)] == [True] * 4 + [False]
    assert rank_and_fund([], 1_000) == []


def test_full_ties_fall_back_to_the_id():
    rows = [("b", Decimal(90), 1_000_000), ("a", Decimal(90), 1_000_000)]
    assert [r.id for r in rank_and_fund(rows, 1_000_000)] == ["a", "b"]
    assert [r.funded for r in rank_and_fund(rows, 1_000_000)] == [True, False]


def test_integer_scores_and_ids():
    rows = [(2, 70, 100), (1, 75, 100)]
    ranked = rank_and_fund(rows, 100)
    assert [(r.id, r.score, r.funded) for r in ranked] == [
        (1, Decimal(75), True),
        (2, Decimal(70), False),
    ]


@pytest.mark.parametrize(
    ("rows", "budget", "message"),
    [
        ([("p1", None, 100)], 100, "项目 p1 尚无有效评分"),
        ([("p1", 80.5, 100)], 100, "项目 p1 的得分须为整数或精确小数"),
        ([("p1", Decimal(80), 0)], 100, "项目 p1 的申请金额须为正整数"),
        ([("p1", Decimal(80), 100.0)], 100, "项目 p1 的申请金额须为正整数"),
        ([("p1", Decimal(80), 100), ("p1", Decimal(70), 100)], 100, "项目编号重复"),
        ([("p1", Decimal(80), 100)], -1, "预算须为非负整数"),
        ([("p1", Decimal(80), 100)], 10.0, "预算须为非负整数"),
    ],
)
def test_rank_and_fund_refuses_bad_input(rows, budget, message):
    with pytest.raises(ScoringError, match=message):
        rank_and_fund(rows, budget)


@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100),
            st.integers(min_value=1, max_value=5_000_000),
        ),
        max_size=12,
    ),
    budget=st.integers(min_value=0, max_value=30_000_000),
    skip=st.booleans(),
    data=st.data(),
)
def test_ranking_properties(rows, budget, skip, data):
    proposals = [(f"p{i:02d}", score, fen) for i, (score, fen) in enumerate(rows)]
    shuffled = data.draw(st.permutations(proposals))
    ranked = rank_and_fund(proposals, budget, skip_unaffordable=skip)
    # Input order never matters.
    assert ranked == rank_and_fund(shuffled, budget, skip_unaffordable=skip)
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(a.score >= b.score for a, b in pairwise(ranked))
    funded_total = sum(r.requested_fen for r in ranked if r.funded)
    assert funded_total <= budget
    assert (ranked[-1].cumulative_fen if ranked else 0) == funded_total
    if not skip:
        # Stopping: the funded ones are a prefix of the ranking.
        flags = [r.funded for r in ranked]
        assert flags == sorted(flags, reverse=True)
    # Either way, every unfunded proposal would have broken the budget at its turn.
    running = 0
    for r in ranked:
        if r.funded:
            running += r.requested_fen
        elif skip or all(x.funded for x in ranked[: r.rank - 1]):
            assert running + r.requested_fen > budget
