"""Award tranches of a venture-philanthropy grant (分期拨付) and recovery of unspent funds.

An approved amount is paid in numbered tranches 1..n. Each tranche has a requirement — an
accepted progress report or an accepted evaluation — and is released only when that requirement
is accepted and every earlier tranche has been released, so money never runs ahead of the work.
All amounts are integer fen.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Requirement(StrEnum):
    REPORT = "report"
    EVALUATION = "evaluation"


REQUIREMENT_LABELS: dict[str, str] = {
    Requirement.REPORT: "项目报告",
    Requirement.EVALUATION: "项目评估",
}


@dataclass(frozen=True)
class Tranche:
    seq: int
    amount_fen: int
    requirement: str
    requirement_accepted: bool = False
    released: bool = False


def tranche_plan_errors(tranches: Sequence[Tranche], approved_fen: int) -> list[str]:
    """Chinese reasons why a tranche plan is unsound; empty when it is sound.

    Sound means: numbered 1..n without gaps, each amount a positive number of fen, requirements
    known, amounts summing exactly to the approved amount, and releases in order and only after
    acceptance (so a plan read back from the database is checked as well as a new one).
    """
    if not tranches:
        return ["请至少设置一期拨付"]
    errors = []
    seqs = sorted(t.seq for t in tranches)
    if seqs != list(range(1, len(tranches) + 1)):
        errors.append("拨付期次须从第 1 期起连续编号且不重复")
    for t in sorted(tranches, key=lambda t: t.seq):
        if isinstance(t.amount_fen, bool) or not isinstance(t.amount_fen, int) or t.amount_fen <= 0:
            errors.append(f"第 {t.seq} 期金额须为正整数（分）")
        if t.requirement not in REQUIREMENT_LABELS:
            errors.append(f"第 {t.seq} 期的拨付条件须为项目报告或项目评估")
        if t.released and not t.requirement_accepted:
            errors.append(f"第 {t.seq} 期已拨付但拨付条件未通过验收")
    if not errors:
        total = sum(t.amount_fen for t in tranches)
        if total != approved_fen:
            errors.append(
                f"各期金额合计 {_yuan(total)} 元，与批准金额 {_yuan(approved_fen)} 元不符"
            )
        released = [t.released for t in sorted(tranches, key=lambda t: t.seq)]
        if released != sorted(released, reverse=True):
            errors.append("拨付须按期次顺序进行")
    return errors


def can_release(tranches: Sequence[Tranche], seq: int) -> str | None:
    """``None`` when tranche ``seq`` may be released now, else the Chinese reason why not."""
    by_seq = {t.seq: t for t in tranches}
    tranche = by_seq.get(seq)
    if tranche is None:
        return f"没有第 {seq} 期拨付"
    if tranche.released:
        return f"第 {seq} 期已拨付"
    earlier = [t.seq for t in tranches if t.seq < seq and not t.released]
    if earlier:
        return f"第 {min(earlier)} 期尚未拨付，须按期次顺序拨付"
    if not tranche.requirement_accepted:
        what = REQUIREMENT_LABELS.get(tranche.requirement, tranche.requirement)
        return f"第 {seq} 期的拨付条件（{what}）尚未通过验收"
    return None


def released_fen(tranches: Sequence[Tranche]) -> int:
    return sum(t.amount_fen for t in tranches if t.released)


def amount_to_recover(approved_fen: int, released_fen: int, spent_fen: int) -> int:
    """Fen to recover when a project is terminated: released but unspent.

    Tranches never released are simply not paid, so nothing is recovered for them. Spending
    beyond the released amount was the organisation's own money: nothing to recover, not an
    error (the audit of the final accounts deals with it).
    """
    for name, value in (
        ("批准金额", approved_fen),
        ("已拨付金额", released_fen),
        ("已支出金额", spent_fen),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}须为非负整数（分）")
    if released_fen > approved_fen:
        raise ValueError("已拨付金额不能超过批准金额")
    return max(released_fen - spent_fen, 0)


def _yuan(fen: int) -> str:
    # Same format as the ``yuan`` page filter, which this pure module must not import.
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
