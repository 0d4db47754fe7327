"""volunteer-report INI REPORT [options] [--format json|xlsx] [-o FILE]

JSON goes to stdout (or FILE); xlsx needs -o. Exit 0 on success, 2 when the report or its
parameters are refused."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import traceback

from volunteer.errors import DomainError
from volunteer.reports.registry import ReportParams, load_reports, run_report
from volunteer.scripts.common import app_env, resolve_actor, transaction


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _json_default(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="volunteer-report", description="生成报表")
    parser.add_argument("ini")
    parser.add_argument("report", help="报表名称，如 fund-statement、matching")
    parser.add_argument("--fund", help="基金编号")
    parser.add_argument("--programme", "--program", dest="programme", help="配捐计划编号")
    parser.add_argument("--from", dest="date_from", help="开始日期 YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", help="结束日期 YYYY-MM-DD（含）")
    parser.add_argument("--year", type=int)
    parser.add_argument("--area", help="街道或社区名称")
    parser.add_argument("--format", choices=("json", "xlsx"), default="json")
    parser.add_argument("-o", "--output")
    parser.add_argument("--user", help="以该用户身份生成（默认：系统账号）")
    args = parser.parse_args(argv)
    if args.format == "xlsx" and not args.output:
        print("xlsx 格式需要用 -o 指定输出文件", file=sys.stderr)
        return 2
    with app_env(args.ini) as env, transaction(env["request"]) as abort:
        dbsession = env["request"].dbsession
        try:
            actor = resolve_actor(dbsession, args.user)
            params = ReportParams(
                dbsession=dbsession,
                scope=actor.scope,
                audit=actor.audit,
                actor_name=actor.name,
                fund=args.fund,
                programme=args.programme,
                date_from=_date(args.date_from),
                date_to=_date(args.date_to),
                year=args.year,
                area=args.area,
            )
            report, result = run_report(args.report, params)
            if args.format == "xlsx":
                result.write_xlsx(args.output)
            else:
                text = json.dumps(
                    result.data, ensure_ascii=False, default=_json_default, indent=None
                )
                if args.output:
                    with open(args.output, "w", encoding="utf-8") as f:
                        f.write(text + "\n")
                else:
                    print(text)
        except DomainError as exc:
            abort()
            print(exc.message, file=sys.stderr)
            return 2
        except SystemExit as exc:
            abort()
            print(str(exc), file=sys.stderr)
            return 2
    if args.format == "xlsx" or args.output:
        print(f"已生成{report.title}：{args.output}", file=sys.stderr)
    return 0


def entry() -> None:
    try:
        code = main()
    except Exception:
        traceback.print_exc()
        code = 3
    sys.exit(code)


def names() -> list[str]:
    return sorted(load_reports())
