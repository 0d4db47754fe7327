"""The `proposals` import kind: venture-philanthropy applications collected on paper or by
e-mail, entered as drafts of a call (one row per proposal; re-importing changes nothing)."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.lookup import OrganisationIndex
from volunteer.authz import Permission
from volunteer.errors import DomainError
from volunteer.incubation.models import Proposal, VentureCall
from volunteer.incubation.proposal_rules import ProposalState
from volunteer.incubation.proposals import ProposalService
from volunteer.incubation.scoping import call_in_scope, organisation_in_scope
from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec
from volunteer.spreadsheets.importing import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    register,
)

PROPOSALS = SheetSpec(
    kind="proposals",
    title="公益创投项目申报",
    columns=(
        Column("call", "创投活动", required=True, aliases=("创投活动名称", "活动名称", "批次")),
        Column(
            "organisation", "组织名称", required=True, aliases=("申报组织", "申报单位", "所属组织")
        ),
        Column("title", "项目名称", required=True, max_length=120, aliases=("申报项目名称",)),
        Column(
            "requested",
            "申请金额(元)",
            type=ColumnType.YUAN,
            required=True,
            aliases=("申请资金(元)", "申请金额"),
        ),
        Column("summary", "项目简介", aliases=("项目概述", "简介")),
    ),
    key=("call", "organisation", "title"),
    instructions=(
        "每行一个申报项目；同一创投活动中同一组织的同名项目视为同一项目，重复导入不会重复登记。",
        "新导入的项目为“草稿”，由申报组织提交或工作人员在页面上推进流程。",
        "已提交的项目不能通过导入修改申请金额。",
    ),
)


@register
class ProposalImporter(Importer):
    spec = PROPOSALS
    permission = Permission.INCUBATION_EDIT

    def __init__(self, ctx):
        super().__init__(ctx)
        self.orgs = OrganisationIndex(self.dbsession)
        self.calls = {c.name: c for c in self.dbsession.scalars(sa.select(VentureCall))}
        self.service = ProposalService(self.dbsession, ctx.scope, ctx.audit)
        # One read for the whole file instead of a query per row.
        self.proposals = {
            (p.call_id, p.organisation_id, p.title): p
            for p in self.dbsession.scalars(sa.select(Proposal))
        }

    def plan(self, rows):
        return [self._plan_row(row) for row in rows]

    def _plan_row(self, row):
        if row.errors:
            return Planned(row, ERROR)
        v = row.values
        call = self.calls.get(v["call"].strip())
        if call is None or not call_in_scope(self.ctx.scope, call):
            self.error(row, "call", f"创投活动「{v['call']}」不存在或不在本辖区")
            return Planned(row, ERROR)
        org = self.orgs.get(v["organisation"])
        if org is None:
            self.error(row, "organisation", f"组织「{v['organisation']}」不存在，请先导入组织")
            return Planned(row, ERROR)
        if not organisation_in_scope(self.ctx.scope, org) or not org.area.path.startswith(
            call.area.path
        ):
            self.error(
                row, "organisation", f"「{org.name}」不在本期创投的服务范围（{call.area.name}）内"
            )
            return Planned(row, ERROR)
        if v["requested"] <= 0:
            self.error(row, "requested", "申请金额必须大于 0")
            return Planned(row, ERROR)
        existing = self.proposals.get((call.id, org.id, v["title"]))
        if existing is None:
            return Planned(row, CREATE, (call, org.id, v["title"], v["requested"], v["summary"]))
        changes = {}
        if v["requested"] != existing.requested_fen:
            changes["requested_fen"] = v["requested"]
        if v["summary"] and v["summary"] != existing.summary:
            changes["summary"] = v["summary"]
        if not changes:
            return Planned(row, UNCHANGED)
        if existing.state is not ProposalState.DRAFT:
            self.error(row, "requested", "该项目已提交，不能通过导入修改")
            return Planned(row, ERROR)
        return Planned(row, UPDATE, (existing, changes))

    def write(self, planned, batch):
        for item in planned:
            if item.action == CREATE:
                try:
                    created = self.service.create(*item.payload)
                except DomainError as exc:  # re-checked by the service: scope and amount rules
                    raise DomainError(f"第 {item.row.row_number} 行：{exc.message}") from None
                self.proposals[(created.call_id, created.organisation_id, created.title)] = created
            elif item.action == UPDATE:
                self.apply_update(*item.payload, "proposal.update", "proposal", batch)
