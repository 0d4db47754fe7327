"""Tranche gating, tranche-plan validation and the amount to recover on termination."""

import itertools
from dataclasses import replace

import pytest

from volunteer.incubation.tranches import (
    Tranche,
    amount_to_recover,
    can_release,
    released_fen,
    tranche_plan_errors,
)

# 100,000.00 yuan: 60,000 on the start report, 30,000 on the mid-term evaluation, 10,000 on the
# final evaluation.
APPROVED = 10_000_000
PLAN = (
    Tranche(1, 6_000_000, "report"),
    Tranche(2, 3_000_000, "evaluation"),
    Tranche(3, 1_000_000, "evaluation"),
)


def with_status(plan, *status):
    """Set (accepted, released) per tranche, in order."""
    return tuple(
        replace(t, requirement_accepted=a, released=r)
        for t, (a, r) in zip(plan, status, strict=True)
    )


def test_release_in_order_once_accepted():
    plan = with_status(PLAN, (True, False), (False, False), (False, False))
    assert can_release(plan, 1) is None
    assert can_release(plan, 2) == "第 1 期尚未拨付，须按期次顺序拨付"

    plan = with_status(PLAN, (True, True), (False, False), (False, False))
    assert can_release(plan, 2) == "第 2 期的拨付条件（项目评估）尚未通过验收"
    assert can_release(plan, 1) == "第 1 期已拨付"

    plan = with_status(PLAN, (True, True), (True, False), (True, False))
    assert can_release(plan, 2) is None
    # Tranche 3's evaluation is accepted early, but tranche 2 has not been paid yet.
    assert can_release(plan, 3) == "第 2 期尚未拨付，须按期次顺序拨付"


def test_first_tranche_waits_for_its_report():
    assert can_release(PLAN, 1) == "第 1 期的拨付条件（项目报告）尚未通过验收"


def test_unknown_tranche():
    assert can_release(PLAN, 4) == "没有第 4 期拨付"
    assert can_release((), 1) == "没有第 1 期拨付"


def test_gating_exhaustively_over_every_consistent_status():
    # Every combination of (accepted, released) for three tranches that a sound plan can be in:
    # released implies accepted, and releases form a prefix.
    pairs = [(False, False), (True, False), (True, True)]
    checked = 0
    for status in itertools.product(pairs, repeat=3):
        plan = with_status(PLAN, *status)
        if tranche_plan_errors(plan, APPROVED):
            continue
        checked += 1
        for seq in (1, 2, 3):
            accepted, released = status[seq - 1]
            earlier_paid = all(r for _, r in status[: seq - 1])
            assert (can_release(plan, seq) is None) == (accepted and not released and earlier_paid)
    # Prefix of released (0..3 tranches) × acceptance of the unreleased rest:
    # 0 released: 2^3 = 8; 1: 2^2 = 4; 2: 2; 3: 1 → 15.
    assert checked == 15


def test_a_sound_plan():
    assert tranche_plan_errors(PLAN, APPROVED) == []
    assert tranche_plan_errors((Tranche(1, APPROVED, "evaluation"),), APPROVED) == []


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        ((), "请至少设置一期拨付"),
        (PLAN[:2], "各期金额合计 90,000.00 元，与批准金额 100,000.00 元不符"),
        (
            (*PLAN, Tranche(4, 1, "report")),
            "各期金额合计 100,000.01 元，与批准金额 100,000.00 元不符",
        ),
        ((PLAN[0], PLAN[2]), "拨付期次须从第 1 期起连续编号且不重复"),
        ((PLAN[0], PLAN[1], replace(PLAN[2], seq=2)), "拨付期次须从第 1 期起连续编号且不重复"),
        ((replace(PLAN[0], seq=0), PLAN[1], PLAN[2]), "拨付期次须从第 1 期起连续编号且不重复"),
        ((PLAN[0], PLAN[1], replace(PLAN[2], amount_fen=0)), "第 3 期金额须为正整数（分）"),
        ((PLAN[0], PLAN[1], replace(PLAN[2], amount_fen=-5)), "第 3 期金额须为正整数（分）"),
        ((PLAN[0], PLAN[1], replace(PLAN[2], amount_fen=10.0)), "第 3 期金额须为正整数（分）"),
        (
            (PLAN[0], PLAN[1], replace(PLAN[2], requirement="photo")),
            "第 3 期的拨付条件须为项目报告或项目评估",
        ),
        (
            with_status(PLAN, (False, True), (False, False), (False, False)),
            "第 1 期已拨付但拨付条件未通过验收",
        ),
        (with_status(PLAN, (True, False), (True, True), (False, False)), "拨付须按期次顺序进行"),
    ],
)
def test_unsound_plans(plan, error):
    assert error in tranche_plan_errors(plan, APPROVED)


def test_released_fen():
    plan = with_status(PLAN, (True, True), (True, True), (True, False))
    assert released_fen(plan) == 9_000_000
    assert released_fen(PLAN) == 0


def test_amount_to_recover():
    # Released 60,000.00 of 100,000.00, spent 45,000.00 → recover 15,000.00.
    assert amount_to_recover(10_000_000, 6_000_000, 4_500_000) == 1_500_000
    # Unreleased tranches are not "recovered", they are simply not paid.
    assert amount_to_recover(10_000_000, 0, 0) == 0
    assert amount_to_recover(10_000_000, 10_000_000, 9_999_999) == 1
    # Overspending was the organisation's own money.
    assert amount_to_recover(10_000_000, 6_000_000, 7_000_000) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10_000_000, 10_000_001, 0), "已拨付金额不能超过批准金额"),
        ((-1, 0, 0), "批准金额须为非负整数（分）"),
        ((10_000_000, -1, 0), "已拨付金额须为非负整数（分）"),
        ((10_000_000, 0, -1), "已支出金额须为非负整数（分）"),
        ((10_000_000, 6_000_000.0, 0), "已拨付金额须为非负整数（分）"),
        ((True, 0, 0), "批准金额须为非负整数（分）"),
    ],
)
def test_amount_to_recover_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        amount_to_recover(*args)
