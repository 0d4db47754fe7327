"""Checking the ledger's hash chains: every fund's entries are recomputed from the stored rows
(as an auditor's `verify` would) and the broken ones listed. A changed amount flags its entry,
a removed entry flags its successor, a removed last entry shows at the chain head."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.funds import ledger_rules
from volunteer.funds.ledger import entry_payload
from volunteer.funds.ledger_models import LedgerEntry, LedgerHead, LedgerLine
from volunteer.funds.ledger_rules import GENESIS_HASH, Line


@dataclass
class BrokenEntry:
    fund_id: int
    entry_id: int | None
    seq: int | None
    reason: str = field(default="哈希链断裂")


def verify_ledger(dbsession: Session, fund_id: int | None = None) -> list[BrokenEntry]:
    """Recompute every fund's chain from the stored rows; an empty list means intact."""
    broken: list[BrokenEntry] = []
    heads = dbsession.scalars(
        sa.select(LedgerHead)
        .order_by(LedgerHead.fund_id)
        .where(sa.true() if fund_id is None else LedgerHead.fund_id == fund_id)
    ).all()
    for head in heads:
        broken.extend(_verify_fund(dbsession, head))
    return broken


def _verify_fund(dbsession: Session, head: LedgerHead) -> list[BrokenEntry]:
    lines: dict[int, list[Line]] = {}
    for row in dbsession.execute(
        sa.select(
            LedgerLine.entry_id,
            LedgerLine.account,
            LedgerLine.debit_fen,
            LedgerLine.credit_fen,
            LedgerLine.sponsor,
        )
        .where(LedgerLine.fund_id == head.fund_id)
        .order_by(LedgerLine.entry_id, LedgerLine.line_no)
    ):
        lines.setdefault(row.entry_id, []).append(Line(*row[1:]))
    columns = [c for c in LedgerEntry.__table__.c]
    entries = (
        dbsession.execute(
            sa.select(*columns).where(LedgerEntry.fund_id == head.fund_id).order_by(LedgerEntry.seq)
        )
        .mappings()
        .all()
    )
    chain = [
        (entry_payload(dict(e), lines.get(e["id"], [])), e["prev_hash"], e["hash"]) for e in entries
    ]
    broken = [
        BrokenEntry(head.fund_id, entries[i]["id"], entries[i]["seq"])
        for i in ledger_rules.verify_chain(chain)
    ]
    last_hash = entries[-1]["hash"] if entries else GENESIS_HASH
    last_seq = entries[-1]["seq"] if entries else 0
    if (head.hash, head.seq) != (last_hash, last_seq):
        broken.append(
            BrokenEntry(
                head.fund_id, head.entry_id, head.seq, "链尾与最后一笔分录不符（分录被删除？）"
            )
        )
    return broken
