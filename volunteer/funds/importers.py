"""The `funds` and `projects` import kinds, and what every funds kind shares (area and scope
checks). The money kinds, `donations` and `programmes`, live in `importers_money` and are
registered from here so the pipeline's KIND_MODULES needs one entry for the whole domain.

Funds and projects are created through `FundService`; an existing code may only have its
descriptive fields updated (a blank cell never overwrites), never its fund, community or
nature, which the ledger depends on."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.lookup import AreaIndex
from volunteer.areas.models import AreaLevel
from volunteer.authz import Permission
from volunteer.funds.funds import HOST_CHARITY, FundInput, FundService, ProjectInput, fund_name
from volunteer.funds.models import Fund, Project
from volunteer.funds.sheets import FUNDS, PROJECTS
from volunteer.spreadsheets.importing import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    register,
)

OUT_OF_SCOPE = "不在您的管辖范围内"


class FundsImporter(Importer):
    """Shared by the funds kinds: resolving communities, scope checks, the services."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.areas = AreaIndex(self.dbsession)

    def services(self) -> FundService:
        return FundService(self.dbsession, self.ctx.scope, self.ctx.audit)

    def community(self, row, required: bool = True):
        """The community a row names (its 街道 column disambiguates), or None after an error."""
        v = row.values
        if not v.get("community"):
            if required:
                self.error(row, "community", "请填写社区")
            return None
        area, reason = self.areas.resolve(v.get("street"), v["community"])
        if area is None or area.level is not AreaLevel.COMMUNITY:
            self.error(row, "community", reason or f"「{v['community']}」不是社区")
            return None
        if not self.ctx.scope.covers_path(area.path):
            self.error(row, "community", OUT_OF_SCOPE)
            return None
        return area


def _changes(existing, fields: dict) -> dict:
    """Fields whose non-blank new value differs from the stored one."""
    return {
        k: value
        for k, value in fields.items()
        if value is not None and getattr(existing, k) != value
    }


@register
class FundImporter(FundsImporter):
    spec = FUNDS
    permission = Permission.FUNDS_EDIT

    def plan(self, rows):
        codes = [r.values["code"] for r in rows if not r.errors]
        existing = {
            f.code: f for f in self.dbsession.scalars(sa.select(Fund).where(Fund.code.in_(codes)))
        }
        return [self._plan_row(row, existing) for row in rows]

    def _plan_row(self, row, existing):
        if row.errors:
            return Planned(row, ERROR)
        v = row.values
        community = self.community(row)
        if community is None:
            return Planned(row, ERROR)
        restricted = v["nature"] != "非限定性"
        host = v["host"] or HOST_CHARITY
        name = v["name"] or fund_name(host, community.name)
        found = existing.get(v["code"])
        if found is None:
            data = FundInput(
                code=v["code"],
                community_id=community.id,
                host=host,
                name=name,
                agreement_no=v["agreement_no"],
                agreement_date=v["agreement_date"],
                purpose=v["purpose"],
                restricted=restricted,
            )
            return Planned(row, CREATE, data)
        if not self.ctx.scope.covers_path(found.community.path):
            self.error(row, "code", OUT_OF_SCOPE)
            return Planned(row, ERROR)
        for key, stored, new in (
            ("community", found.community_id, community.id),
            ("nature", found.restricted, restricted if v["nature"] else found.restricted),
            ("name", found.name, v["name"] or found.name),
        ):
            if stored != new:
                self.error(row, key, "已登记的基金不能通过导入修改名称、社区或性质")
                return Planned(row, ERROR)
        changes = _changes(
            found,
            {
                "agreement_no": v["agreement_no"],
                "agreement_date": v["agreement_date"],
                "purpose": v["purpose"],
            },
        )
        return Planned(row, UPDATE if changes else UNCHANGED, (found, changes))

    def write(self, planned, batch):
        service = self.services()
        for item in planned:
            if item.action == CREATE:
                service.create_fund(item.payload, batch_id=batch.id)
            elif item.action == UPDATE:
                self.apply_update(*item.payload, "fund.update", "fund", batch)


@register
class ProjectImporter(FundsImporter):
    spec = PROJECTS
    permission = Permission.FUNDS_EDIT

    def plan(self, rows):
        clean = [r for r in rows if not r.errors]
        funds = {
            f.code: f
            for f in self.dbsession.scalars(
                sa.select(Fund).where(Fund.code.in_({r.values["fund"] for r in clean}))
            )
        }
        existing = {
            p.code: p
            for p in self.dbsession.scalars(
                sa.select(Project).where(Project.code.in_([r.values["code"] for r in clean]))
            )
        }
        return [self._plan_row(row, funds, existing) for row in rows]

    def _plan_row(self, row, funds, existing):
        if row.errors:
            return Planned(row, ERROR)
        v = row.values
        fund = funds.get(v["fund"])
        if fund is None:
            self.error(row, "fund", f"基金编号「{v['fund']}」不存在")
            return Planned(row, ERROR)
        if not self.ctx.scope.covers_path(fund.community.path):
            self.error(row, "fund", OUT_OF_SCOPE)
            return Planned(row, ERROR)
        community = self.community(row, required=False)
        if community is None and row.errors:
            return Planned(row, ERROR)
        if v["starts_on"] and v["ends_on"] and v["starts_on"] > v["ends_on"]:
            self.error(row, "ends_on", "结束日期不能早于开始日期")
            return Planned(row, ERROR)
        found = existing.get(v["code"])
        if found is None:
            data = ProjectInput(
                code=v["code"],
                name=v["name"],
                fund_id=fund.id,
                target_fen=v["target"] or 0,
                starts_on=v["starts_on"],
                ends_on=v["ends_on"],
                community_id=community.id if community else None,
            )
            return Planned(row, CREATE, data)
        if found.fund_id != fund.id or (community and community.id != found.community_id):
            self.error(row, "fund", "已登记的项目不能通过导入改换基金或社区")
            return Planned(row, ERROR)
        if not self.ctx.scope.covers_path(found.community.path):
            self.error(row, "code", OUT_OF_SCOPE)
            return Planned(row, ERROR)
        changes = _changes(
            found,
            {
                "name": v["name"],
                "target_fen": v["target"],
                "starts_on": v["starts_on"],
                "ends_on": v["ends_on"],
            },
        )
        return Planned(row, UPDATE if changes else UNCHANGED, (found, changes))

    def write(self, planned, batch):
        service = self.services()
        for item in planned:
            if item.action == CREATE:
                service.create_project(item.payload, batch_id=batch.id)
            elif item.action == UPDATE:
                self.apply_update(*item.payload, "project.update", "project", batch)


# Registers the donations and programmes kinds (imported for its side effect).
from volunteer.funds import importers_money  # noqa: E402, F401 - see the comment above
