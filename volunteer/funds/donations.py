"""Recording and refunding donations: each donation is posted to its fund's ledger and matched
against the active programmes in the same transaction; a refund undoes its provisional matches
(as if it had never been made) or claws back settled ones with reversal entries.

`record_many` is the bulk form the donations import uses: one ledger post, one matching pass
per call. The receipt number is the natural key: the same donation twice does nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Permission, Scope
from volunteer.db import SHANGHAI, today_local, utcnow
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds import ledger_rules
from volunteer.funds.ledger import LedgerService, Posting
from volunteer.funds.ledger_models import EntryKind
from volunteer.funds.matches import MatchingService, donation_fact, project_areas
from volunteer.funds.models import Donation, FundStatus, Project
from volunteer.funds.programme_models import Match, MatchingProgramme, MatchStatus, ProgrammeTally
from volunteer.funds.scoping import project_in_scope

# "Many small donations from one donor within minutes": this many, each under the amount,
# inside the window, flags every one of them for the auditor.
RAPID_COUNT = 5
RAPID_WINDOW = dt.timedelta(minutes=10)
RAPID_SMALL_FEN = 10_00


@dataclass
class DonationInput:
    receipt_no: str
    donor_name: str
    amount_fen: int
    received_at: dt.datetime
    project_id: int
    donor_key: str | None = None
    anonymous: bool = False
    channel: str | None = None
    remark: str | None = None
    related_party: bool = False

    def same_as(self, other: Donation | DonationInput) -> bool:
        """The same gift: what matters for money and matching is equal."""
        return (other.amount_fen, other.received_at, other.project_id) == (
            self.amount_fen,
            self.received_at,
            self.project_id,
        )


@dataclass
class Recorded:
    created: list[Donation] = field(default_factory=list)
    unchanged: list[Donation] = field(default_factory=list)


class DonationService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit
        self.ledger = LedgerService(dbsession, scope, audit)
        self.matching = MatchingService(dbsession)

    def record(self, data: DonationInput, batch_id: int | None = None) -> Donation:
        result = self.record_many([data], batch_id=batch_id)
        return (result.created or result.unchanged)[0]

    def record_many(self, inputs: Sequence[DonationInput], batch_id: int | None = None):
        """Record donations all or nothing; receipts already recorded with the same amount,
        time and project are left alone (`unchanged`), different ones are refused."""
        if not self.scope.may(Permission.DONATIONS_RECORD):
            raise NotAllowed("没有登记捐赠的权限")
        result = Recorded()
        fresh = self._new_only(inputs, result)
        if not fresh:
            return result
        projects = self._projects({d.project_id for d in fresh})
        postings = [
            Posting(
                fund_id=projects[d.project_id].fund_id,
                kind=EntryKind.DONATION,
                lines=ledger_rules.donation_received(
                    d.amount_fen, projects[d.project_id].fund.restricted
                ),
                posted_on=d.received_at.astimezone(SHANGHAI).date(),
                memo=f"{'匿名' if d.anonymous else d.donor_name}捐赠「{projects[d.project_id].name}」",
                receipt_no=d.receipt_no,
                batch_id=batch_id,
            )
            for d in fresh
        ]
        entry_ids = self.ledger.post_many(postings)
        for data, entry_id in zip(fresh, entry_ids, strict=True):
            donation = Donation(
                receipt_no=data.receipt_no,
                donor_name=data.donor_name,
                donor_key=data.donor_key or None,
                anonymous=data.anonymous,
                amount_fen=data.amount_fen,
                received_at=data.received_at,
                channel=data.channel,
                remark=data.remark,
                project_id=data.project_id,
                fund_id=projects[data.project_id].fund_id,
                batch_id=batch_id,
                entry_id=entry_id,
                recorded_by=self.audit.actor_id,
                flag_related_party=data.related_party,
            )
            self.dbsession.add(donation)
            result.created.append(donation)
        self.dbsession.flush()
        self._flag_rapid_small(result.created)
        areas = project_areas(self.dbsession, projects)
        self.matching.add_donations([donation_fact(d, areas[d.project_id]) for d in result.created])
        self._audit_created(result.created, batch_id)
        return result

    def _new_only(self, inputs: Sequence[DonationInput], result: Recorded) -> list[DonationInput]:
        seen: dict[str, DonationInput] = {}
        for data in inputs:
            _check(data)
            if data.receipt_no in seen:
                if not data.same_as(seen[data.receipt_no]):
                    raise ValidationFailed(f"收据编号 {data.receipt_no} 重复且内容不同")
                continue
            seen[data.receipt_no] = data
        existing = {
            d.receipt_no: d
            for d in self.dbsession.scalars(
                sa.select(Donation).where(Donation.receipt_no.in_(list(seen)))
            )
        }
        fresh = []
        for receipt, data in seen.items():
            found = existing.get(receipt)
            if found is None:
                fresh.append(data)
            elif data.same_as(found):
                result.unchanged.append(found)
            else:
                raise Conflict(f"收据编号 {receipt} 已登记，且金额、时间或项目不同")
        return fresh

    def _projects(self, project_ids: set[int]) -> dict[int, Project]:
        projects = {
            p.id: p
            for p in self.dbsession.scalars(sa.select(Project).where(Project.id.in_(project_ids)))
        }
        for project_id in project_ids:
            project = projects.get(project_id)
            if project is None or not project_in_scope(self.scope, project):
                raise ValidationFailed("项目不存在或不在本辖区")
            if project.fund.status is not FundStatus.ACTIVE:
                raise Conflict(f"基金「{project.fund.name}」已终止，不能再接收捐赠")
        return projects

    def _flag_rapid_small(self, created: list[Donation]) -> None:
        donors = {d.donor_key for d in created if d.donor_key and d.amount_fen < RAPID_SMALL_FEN}
        if not donors:
            return
        start = min(d.received_at for d in created) - RAPID_WINDOW
        end = max(d.received_at for d in created) + RAPID_WINDOW
        small = self.dbsession.scalars(
            sa.select(Donation)
            .where(
                Donation.donor_key.in_(donors),
                Donation.amount_fen < RAPID_SMALL_FEN,
                Donation.received_at.between(start, end),
            )
            .order_by(Donation.donor_key, Donation.received_at)
        ).all()
        by_donor: dict[str, list[Donation]] = {}
        for donation in small:
            by_donor.setdefault(donation.donor_key, []).append(donation)
        for run in by_donor.values():
            for i in range(len(run) - RAPID_COUNT + 1):
                window = run[i : i + RAPID_COUNT]
                if window[-1].received_at - window[0].received_at <= RAPID_WINDOW:
                    for donation in window:
                        donation.flag_rapid_small = True

    def _audit_created(self, created: list[Donation], batch_id: int | None) -> None:
        if len(created) == 1 and batch_id is None:
            donation = created[0]
            self.audit.record(
                "donation.record",
                "donation",
                donation.id,
                after=snapshot(donation),
                area_path=donation.project.community.path,
            )
            return
        self.audit.record_many(
            [
                {
                    "action": "donation.record",
                    "entity": "donation",
                    "entity_id": str(d.id),
                    "after": {"receipt_no": d.receipt_no, "amount_fen": d.amount_fen},
                    "note": f"导入批次 {batch_id}" if batch_id else None,
                }
                for d in created
            ]
        )

    def refund(self, donation: Donation, reason: str) -> Donation:
        """Refund a whole donation. Provisional matches are recomputed as if it had never
        been made; settled ones are clawed back with reversal entries."""
        if not self.scope.may(Permission.DONATIONS_RECORD):
            raise NotAllowed("没有办理退款的权限")
        if donation.refunded_at is not None:
            raise Conflict("该捐赠已退款")
        if not reason.strip():
            raise ValidationFailed("请填写退款原因")
        before = snapshot(donation)
        restricted = donation.project.fund.restricted
        today = today_local()
        matches = self.dbsession.scalars(
            sa.select(Match).where(Match.donation_id == donation.id).order_by(Match.programme_id)
        ).all()
        donation.flag_refund_after_match = any(m.amount_fen > 0 for m in matches)
        donation.refunded_at = utcnow()
        donation.refunded_by = self.audit.actor_id
        donation.refund_reason = reason.strip()
        common = {
            "fund_id": donation.fund_id,
            "posted_on": today,
            "receipt_no": donation.receipt_no,
        }
        postings = [
            Posting(kind=EntryKind.REFUND, lines=ledger_rules.refund(donation.amount_fen, restricted),
                    memo=f"退款：{reason.strip()}", reverses_entry_id=donation.entry_id, **common),
            Posting(kind=EntryKind.REFUND_PAID, lines=ledger_rules.refund_paid(donation.amount_fen),
                    memo="退款支付", **common),
        ]  # fmt: skip
        settled = [m for m in matches if m.status is MatchStatus.SETTLED]
        for match in settled:
            if match.amount_fen > 0:
                sponsor = self.dbsession.get(MatchingProgramme, match.programme_id).sponsor
                postings.append(
                    Posting(
                        kind=EntryKind.MATCH_CLAWBACK,
                        lines=ledger_rules.reversal(
                            ledger_rules.match_receivable(match.amount_fen, restricted, sponsor)
                        ),
                        memo=f"捐赠退款，冲回{sponsor}配捐",
                        reverses_entry_id=match.entry_id,
                        programme_id=match.programme_id,
                        **common,
                    )
                )
        entry_ids = self.ledger.post_many(postings)
        clawbacks = iter(entry_ids[2:])
        for match in settled:
            match.status = MatchStatus.CLAWED_BACK
            if match.amount_fen > 0:
                match.clawback_entry_id = next(clawbacks)
                tally = self.dbsession.get(ProgrammeTally, match.programme_id)
                tally.matched_fen -= match.amount_fen
        self.dbsession.flush()
        self.matching.remove_donation(donation)
        self.audit.record(
            "donation.refund",
            "donation",
            donation.id,
            before=before,
            after=snapshot(donation),
            area_path=donation.project.community.path,
            note=reason.strip(),
        )
        return donation


def _check(data: DonationInput) -> None:
    if not (data.receipt_no or "").strip():
        raise ValidationFailed("请填写收据编号")
    if not (data.donor_name or "").strip():
        raise ValidationFailed(f"收据 {data.receipt_no}：请填写捐赠人")
    if type(data.amount_fen) is not int or data.amount_fen <= 0:
        raise ValidationFailed(f"收据 {data.receipt_no}：捐赠金额必须大于 0")
    if data.received_at.tzinfo is None:
        raise ValidationFailed(f"收据 {data.receipt_no}：捐赠时间缺少时区")
    if data.received_at > utcnow() + dt.timedelta(minutes=5):
        raise ValidationFailed(f"收据 {data.receipt_no}：捐赠时间不能晚于现在")
