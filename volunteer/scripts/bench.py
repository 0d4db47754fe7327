"""volunteer-bench: run the benchmark sections (volunteer/bench/) on SQLite and/or PostgreSQL
and print one table of median / p95 server times with their ratio to a bare Pyramid view
timed in the same run; optionally write the rows as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict

from pyramid.paster import get_appsettings

from volunteer import bench
from volunteer.bench import common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="volunteer-bench", description="性能基准测试")
    parser.add_argument("--ini", default="development.ini", help="app settings (keys, migrations)")
    parser.add_argument("--only", choices=bench.SECTIONS, action="append", help="run one section")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("VOLUNTEER_BENCH_PG_URL"),
        help="PostgreSQL server URL (default $VOLUNTEER_BENCH_PG_URL); the bench uses its own "
        "database volunteer_bench there and creates it if missing",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="size factor (1.0 = the issue's full sizes)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--out", help="also write the results to this JSON file")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request per page")
    return parser


def _engines(args) -> list[str]:
    engine = args.engine or ("both" if args.pg_url else "sqlite")
    if engine == "sqlite":
        return ["sqlite"]
    if not args.pg_url:
        raise SystemExit("PostgreSQL needs --pg-url or VOLUNTEER_BENCH_PG_URL")
    return ["sqlite", "postgresql"] if engine == "both" else ["postgresql"]


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.scale <= 1.0:
        raise SystemExit("--scale must be in (0, 1]")
    settings = dict(get_appsettings(args.ini))
    var_dir = os.path.join(os.path.dirname(os.path.abspath(args.ini)), "var")
    rows: list[common.Row] = []
    started = time.perf_counter()
    for engine in _engines(args):
        ctx = common.Context(
            engine=engine,
            ini=args.ini,
            settings=settings,
            scale=args.scale,
            requests=args.requests,
            show_sql=args.sql,
            pg_url=args.pg_url,
            var_dir=var_dir,
            baseline_app=common.bare_app(),
        )
        for name in args.only or bench.SECTIONS:
            print(f"== {name} on {engine} (scale {args.scale:g}) ...", file=sys.stderr, flush=True)
            rows += bench.load(name).run(ctx)
    print(common.format_table(rows))
    print(
        f"\nratios are against a bare Pyramid view timed in the same run; "
        f"peak RSS {common.peak_rss_mb():.0f} MB; total {time.perf_counter() - started:.0f} s"
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "scale": args.scale,
                    "requests": args.requests,
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                    "peak_rss_mb": round(common.peak_rss_mb(), 1),
                    "rows": [asdict(row) for row in rows],
                },
                out,
                ensure_ascii=False,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
