"""volunteer-import INI FILE --kind KIND [--dry-run] [--json] [--user NAME]

Exit status: 0 committed (or a clean dry run), 1 rows with errors (nothing written),
2 the file itself was refused (format, size, missing headers)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from volunteer.db import today_local
from volunteer.errors import DomainError
from volunteer.scripts.common import app_env, resolve_actor, transaction, vault_of
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext

CLI_MAX_ROWS = 10_000_000
CLI_MAX_BYTES = 2 * 1024 * 1024 * 1024


def _progress(enabled: bool):
    if not enabled:
        return None

    def show(rows: int) -> None:
        print(f"\r已处理 {rows:,} 行", end="", file=sys.stderr, flush=True)

    return show


def _print_human(summary) -> None:
    status = (
        "已导入"
        if summary.committed
        else ("校验通过（试运行，未写入）" if not summary.errors else "有错误，未写入任何数据")
    )
    print(
        f"{summary.kind}：共 {summary.rows} 行，新增 {summary.created}，更新 {summary.updated}，"
        f"未变 {summary.unchanged}，错误 {len(summary.errors)} — {status}"
    )
    if summary.batch_id:
        print(f"导入批次 #{summary.batch_id}")
    if summary.unknown_columns:
        print("已忽略的列：" + "、".join(summary.unknown_columns))
    for skipped in summary.skipped:
        print(f"第 {skipped.row} 行已跳过（{skipped.reason}）")
    for e in summary.errors[:200]:
        print(f"第 {e.row} 行 [{e.column}] {e.value!r}：{e.message}")
    if len(summary.errors) > 200:
        print(f"……另有 {len(summary.errors) - 200} 条错误")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="volunteer-import", description="从 Excel 导入数据")
    parser.add_argument("ini")
    parser.add_argument("file")
    parser.add_argument("--kind", required=True)
    parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
    parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象")
    parser.add_argument("--user", help="以该用户身份导入（默认：系统账号）")
    args = parser.parse_args(argv)

    def refuse(message: str, code: int = 2) -> int:
        if args.json:
            print(
                json.dumps(
                    {
                        "kind": args.kind,
                        "rows": 0,
                        "created": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "errors": [
                            {"row": None, "column": None, "value": None, "message": message}
                        ],
                        "committed": False,
                        "batch_id": None,
                    },
                    ensure_ascii=False,
                )
            )
        print(message, file=sys.stderr)
        return code

    if not os.path.isfile(args.file):
        return refuse(f"文件不存在：{args.file}")
    os.environ.setdefault("VOLUNTEER_QUIET_LOGS", "1" if args.json else "0")
    with app_env(args.ini) as env:
        request = env["request"]
        with transaction(request) as abort:
            dbsession = request.dbsession
            try:
                actor = resolve_actor(dbsession, args.user)
            except SystemExit as exc:
                abort()
                return refuse(str(exc))
            ctx = ImportContext(
                dbsession,
                actor.scope,
                actor.audit,
                vault_of(env),
                env["registry"].settings,
                today_local(),
                actor.user.id if actor.user else None,
                actor.name,
            )
            try:
                summary = run_import(
                    ctx,
                    args.file,
                    args.kind,
                    dry_run=args.dry_run,
                    max_rows=CLI_MAX_ROWS,
                    max_bytes=CLI_MAX_BYTES,
                    progress=_progress(sys.stderr.isatty() and not args.json),
                )
            except (FileRefused, DomainError) as exc:
                abort()
                return refuse(getattr(exc, "message", str(exc)))
            if sys.stderr.isatty() and not args.json:
                print(file=sys.stderr)
            if not summary.committed:
                abort()
    if args.json:
        print(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_human(summary)
    return 1 if summary.errors else 0


def entry() -> None:
    try:
        code = main()
    except Exception:  # an unexpected failure must not be mistaken for exit 1 (row errors)
        traceback.print_exc()
        code = 3
    sys.exit(code)
