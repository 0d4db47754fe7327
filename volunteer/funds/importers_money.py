"""The `donations` and `programmes` import kinds.

Donations go through `DonationService.record_many`, once per chunk of the file (5,000 rows):
one ledger post and one matching pass for the chunk, in the import's transaction. A receipt
number already recorded with the same amount, time and project is `unchanged`; with anything
different it is a row error — money is never updated, a correction is a refund.

Programmes go through `ProgrammeService.create` / `update`, each of which recomputes the
programme's provisional matches. Decisions (documented in the template's instructions):

* 配捐比例 is "yuan matched per yuan donated": `0.5`, `1:0.5` and `50%` all mean 0.5;
* a date-only 结束时间 includes that whole day (ends at the next midnight, Shanghai); a value
  with a clock time ends exactly then (the window is [start, end));
* an empty cap cell means no cap; an empty 适用项目 means every project."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import sqlalchemy as sa

from volunteer.authz import Permission
from volunteer.db import utcnow
from volunteer.funds.donations import DonationInput, DonationService
from volunteer.funds.importers import OUT_OF_SCOPE, FundsImporter
from volunteer.funds.models import Donation, FundStatus, Project
from volunteer.funds.programme_cells import local_moment
from volunteer.funds.programme_cells import programme_window as programme_window
from volunteer.funds.programme_cells import read_ratio as read_ratio
from volunteer.funds.programme_models import MatchingProgramme, ProgrammeStatus, SponsorLevel
from volunteer.funds.programmes import ProgrammeInput, ProgrammeService
from volunteer.funds.sheets import DONATIONS, LEVEL_CHOICES, PROGRAMMES
from volunteer.spreadsheets.importing import CREATE, ERROR, UNCHANGED, UPDATE, Planned, register
from volunteer.templating import yuan

LEVELS = dict(zip(LEVEL_CHOICES, SponsorLevel, strict=True))
_CODE_SEPARATORS = re.compile(r"[,，、;；\s]+")


@register
class DonationImporter(FundsImporter):
    spec = DONATIONS
    permission = Permission.DONATIONS_RECORD

    def plan(self, rows):
        clean = [r for r in rows if not r.errors]
        projects = {
            p.code: p
            for p in self.dbsession.scalars(
                sa.select(Project).where(Project.code.in_({r.values["project"] for r in clean}))
            )
        }
        existing = {
            d.receipt_no: d
            for d in self.dbsession.execute(
                sa.select(
                    Donation.receipt_no,
                    Donation.amount_fen,
                    Donation.received_at,
                    Donation.project_id,
                ).where(Donation.receipt_no.in_([r.values["receipt_no"] for r in clean]))
            )
        }
        latest = utcnow() + dt.timedelta(minutes=5)
        return [self._plan_row(r, projects, existing, latest) for r in rows]

    def _plan_row(self, row, projects, existing, latest):
        if row.errors:
            return Planned(row, ERROR)
        v = row.values
        if v["amount"] == 0:
            self.error(row, "amount", "捐赠金额必须大于 0")
        project = projects.get(v["project"])
        if project is None:
            self.error(row, "project", f"项目编号「{v['project']}」不存在")
        elif not self.ctx.scope.covers_path(project.community.path):
            self.error(row, "project", OUT_OF_SCOPE)
        elif project.fund.status is not FundStatus.ACTIVE:
            self.error(row, "project", f"基金「{project.fund.name}」已终止，不能再接收捐赠")
        anonymous = bool(v["anonymous"])
        if not v["donor"] and not anonymous:
            self.error(row, "donor", "请填写捐赠人；匿名捐赠请在“是否匿名”填“是”")
        received = local_moment(v["received_at"])
        if received > latest:
            self.error(row, "received_at", "捐赠时间不能晚于现在")
        if row.errors:
            return Planned(row, ERROR)
        data = DonationInput(
            receipt_no=v["receipt_no"],
            donor_name=v["donor"] or "匿名",
            amount_fen=v["amount"],
            received_at=received,
            project_id=project.id,
            donor_key=v["donor_key"],
            anonymous=anonymous,
            channel=v["channel"],
            remark=v["remark"],
        )
        stored = existing.get(data.receipt_no)
        if stored is None:
            return Planned(row, CREATE, data)
        if stored.amount_fen != data.amount_fen:
            self.error(
                row,
                "amount",
                f"该收据编号已登记，金额为 {yuan(stored.amount_fen)} 元；已登记的捐赠不能修改，"
                "如需更正请办理退款后重新登记",
            )
        elif not data.same_as(stored):
            column = "project" if stored.project_id != data.project_id else "received_at"
            self.error(
                row, column, "该收据编号已登记，捐赠时间或项目与本行不同；已登记的捐赠不能修改"
            )
        return Planned(row, ERROR) if row.errors else Planned(row, UNCHANGED)

    def write(self, planned, batch):
        inputs = [p.payload for p in planned if p.action == CREATE]
        if inputs:
            service = DonationService(self.dbsession, self.ctx.scope, self.ctx.audit)
            service.record_many(inputs, batch_id=batch.id)


@register
class ProgrammeImporter(FundsImporter):
    spec = PROGRAMMES
    permission = Permission.MATCHING_MANAGE

    def plan(self, rows):
        clean = [r for r in rows if not r.errors]
        self.projects = {}
        wanted = {c for r in clean for c in _codes(r.values["projects"])}
        if wanted:
            query = sa.select(Project).where(Project.code.in_(wanted))
            self.projects = {p.code: p for p in self.dbsession.scalars(query)}
        codes = [r.values["code"] for r in clean]
        existing = {
            p.code: p
            for p in self.dbsession.scalars(
                sa.select(MatchingProgramme).where(MatchingProgramme.code.in_(codes))
            )
        }
        return [self._plan_row(row, existing) for row in rows]

    def _plan_row(self, row, existing):
        if row.errors:
            return Planned(row, ERROR)
        data = self._input(row)
        if data is None:
            return Planned(row, ERROR)
        found = existing.get(data.code)
        if found is None:
            return Planned(row, CREATE, data)
        if _same(found, data):
            return Planned(row, UNCHANGED)
        if found.status is ProgrammeStatus.SETTLED:
            self.error(row, "code", "该计划已结算，不能再修改")
            return Planned(row, ERROR)
        data.status = found.status
        return Planned(row, UPDATE, (found, data))

    def _input(self, row) -> ProgrammeInput | None:
        v = row.values
        raw = row.raw.get("ratio")
        ratio = ""
        try:
            ratio = read_ratio(raw if isinstance(raw, int | float) else v["ratio"])
        except ValueError as exc:
            self.error(row, "ratio", str(exc))
        project_ids = []
        for code in _codes(v["projects"]):
            project = self.projects.get(code)
            if project is None:
                self.error(row, "projects", f"项目编号「{code}」不存在")
            elif not self.ctx.scope.covers_path(project.community.path):
                self.error(row, "projects", f"项目「{code}」{OUT_OF_SCOPE}")
            else:
                project_ids.append(project.id)
        starts, ends = programme_window(row)
        if starts >= ends:
            self.error(row, "ends_at", "结束时间必须晚于开始时间")
        if v["pool"] == 0:
            self.error(row, "pool", "资金池必须大于 0")
        if row.errors:
            return None
        return ProgrammeInput(
            code=v["code"],
            name=v["name"] or f"{v['sponsor']}配捐计划（{v['code']}）",
            sponsor=v["sponsor"],
            level=LEVELS[v["level"]],
            ratio=ratio,
            pool_fen=v["pool"],
            starts_at=starts,
            ends_at=ends,
            min_donation_fen=v["min_donation"] or 0,
            per_donation_cap_fen=v["per_donation_cap"],
            per_donor_project_cap_fen=v["per_donor_project_cap"],
            per_project_cap_fen=v["per_project_cap"],
            priority=v["priority"] or 0,
            project_ids=sorted(set(project_ids)),
        )

    def write(self, planned, batch):
        service = ProgrammeService(self.dbsession, self.ctx.scope, self.ctx.audit)
        for item in planned:
            if item.action == CREATE:
                service.create(item.payload, batch_id=batch.id)
            elif item.action == UPDATE:
                programme, data = item.payload
                service.update(programme, data)


def _codes(cell: str | None) -> list[str]:
    return [c for c in _CODE_SEPARATORS.split(cell or "") if c]


def _same(programme: MatchingProgramme, data: ProgrammeInput) -> bool:
    """Whether a re-imported row describes the stored programme exactly."""
    stored = (
        programme.name,
        programme.sponsor,
        programme.level,
        Decimal(programme.ratio),
        programme.pool_fen,
        programme.starts_at,
        programme.ends_at,
        programme.min_donation_fen,
        programme.per_donation_cap_fen,
        programme.per_donor_project_cap_fen,
        programme.per_project_cap_fen,
        programme.priority,
        sorted(p.id for p in programme.projects),
    )
    new = (
        data.name,
        data.sponsor,
        data.level,
        Decimal(data.ratio),
        data.pool_fen,
        data.starts_at,
        data.ends_at,
        data.min_donation_fen,
        data.per_donation_cap_fen,
        data.per_donor_project_cap_fen,
        data.per_project_cap_fen,
        data.priority,
        data.project_ids,
    )
    return stored == new and not programme.areas
