"""volunteer-export INI --kind KIND -o FILE.xlsx [--area NAME] [--organisation NAME]
[--from DATE] [--to DATE] [--year YEAR] [--code CODE] [--reveal] [--user NAME]"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback

import sqlalchemy as sa

from volunteer.areas.lookup import bare_name
from volunteer.areas.models import Area, Organisation
from volunteer.errors import DomainError
from volunteer.scripts.common import app_env, resolve_actor, transaction, vault_of
from volunteer.spreadsheets.exporting import ExportFilters, export_workbook


def _area(dbsession, text: str | None) -> Area | None:
    if not text:
        return None
    if text.isdigit():
        found = dbsession.get(Area, int(text))
    else:
        candidates = dbsession.scalars(sa.select(Area)).all()
        found = next((a for a in candidates if a.name == text), None) or next(
            (a for a in candidates if bare_name(a.name) == bare_name(text)), None
        )
    if found is None:
        raise DomainError(f"区域不存在：{text}")
    return found


def _organisation(dbsession, text: str | None) -> Organisation | None:
    if not text:
        return None
    found = dbsession.scalar(sa.select(Organisation).where(Organisation.name == text))
    if found is None:
        raise DomainError(f"组织不存在：{text}")
    return found


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="volunteer-export", description="导出 Excel")
    parser.add_argument("ini")
    parser.add_argument("--kind", required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--area", help="街道或社区（名称或编号）")
    parser.add_argument("--organisation", help="组织名称")
    parser.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD")
    parser.add_argument("--year", type=int)
    parser.add_argument("--code", help="基金、配捐计划或创投活动编号")
    parser.add_argument(
        "--reveal", action="store_true", help="导出完整证件号码和手机号（需权限，记入审计）"
    )
    parser.add_argument("--user", help="以该用户身份导出（默认：系统账号）")
    args = parser.parse_args(argv)
    with app_env(args.ini) as env, transaction(env["request"]) as abort:
        dbsession = env["request"].dbsession
        try:
            actor = resolve_actor(dbsession, args.user)
            filters = ExportFilters(
                area=_area(dbsession, args.area),
                organisation=_organisation(dbsession, args.organisation),
                date_from=_date(args.date_from),
                date_to=_date(args.date_to),
                year=args.year,
                code=args.code,
            )
            spec = export_workbook(
                args.output,
                args.kind,
                dbsession=dbsession,
                scope=actor.scope,
                vault=vault_of(env),
                audit=actor.audit,
                filters=filters,
                reveal=args.reveal,
            )
        except (DomainError, ValueError) as exc:
            abort()
            print(getattr(exc, "message", str(exc)), file=sys.stderr)
            return 2
    print(f"已导出{spec.title}：{args.output}")
    return 0


def entry() -> None:
    try:
        code = main()
    except SystemExit as exc:
        raise exc
    except Exception:
        traceback.print_exc()
        code = 3
    sys.exit(code)
