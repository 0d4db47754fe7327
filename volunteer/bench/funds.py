"""Bench section `funds`: on a district of 66 community funds and 200 projects with 1,000,000
donations (200,000 of them into one fund, whose ledger is built as the service would), time

* the matching recompute of 3 stacked programmes over every donation (target < 60 s),
* incremental matching of one new donation (`MatchingService.add_donations`, < 20 ms p95),
  and for comparison the whole `DonationService.record` of one donation (the path the pages,
  the API and the import take) and a donation back-dated by a minute (a replay of the tail),
* the fund statement of the big fund: JSON and the auditor's xlsx (target < 2 s).

Data live in a database of their own (var/bench_funds.sqlite or `volunteer_bench_funds`),
regenerated on every run with COPY (PostgreSQL) or multi-row inserts; `--scale` shrinks it."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import statistics
import sys
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import AreaLevel
from volunteer.areas.services import add_area
from volunteer.audit import SYSTEM_ACTOR, AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.bench.common import Context, Row, percentile
from volunteer.bench.databases import migrate, pg_database, scale_suffix, wipe
from volunteer.db import SHANGHAI
from volunteer.funds import ledger_rules
from volunteer.funds.donations import DonationInput, DonationService
from volunteer.funds.ledger import entry_payload
from volunteer.funds.ledger_models import EntryKind, LedgerEntry, LedgerHead, LedgerLine
from volunteer.funds.matches import MatchingService, donation_fact, project_areas
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.programme_models import (
    MatchingProgramme,
    ProgrammeStatus,
    ProgrammeTally,
    SponsorLevel,
)
from volunteer.reports.registry import ReportParams, run_report

SECTION = "funds"
FULL_DONATIONS, FULL_FUND_DONATIONS, PROJECTS = 1_000_000, 200_000, 200
TARGETS = {"recompute": 60_000.0, "incremental": 20.0, "statement": 2_000.0}
YEAR = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
INCREMENTAL_RUNS = 30


def _database(ctx: Context) -> sa.Engine:
    name = f"bench_funds{scale_suffix(ctx)}"
    if ctx.engine == "sqlite":
        path = os.path.abspath(os.path.join(ctx.var_dir, f"{name}.sqlite"))
        engine = sa.create_engine(f"sqlite:///{path}")
    else:
        engine = sa.create_engine(pg_database(ctx.pg_url, f"volunteer_{name}"))
    wipe(engine)  # the same wipe as the hours section's data
    if ctx.engine == "sqlite":
        engine = sa.create_engine(engine.url)
    migrate(ctx, engine)  # and the same migration
    return engine


def _bulk(session: Session, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), 20_000):
        session.execute(
            table.insert(),
            [dict(zip(columns, r, strict=True)) for r in rows[start : start + 20_000]],
        )


def _generate(session: Session, ctx: Context) -> dict:
    rng = random.Random(4)  # noqa: S311 - reproducible test data, not secrets
    district = add_area(session, "西陵区", AreaLevel.DISTRICT, None)
    streets = [add_area(session, f"街道{s}", AreaLevel.STREET, district) for s in range(7)]
    communities = [
        add_area(session, f"社区{c}", AreaLevel.COMMUNITY, streets[c % 7]) for c in range(66)
    ]
    funds = [Fund(code=f"F{c:02d}", name=f"西陵区慈善会社区{c}慈善基金", host="西陵区慈善会",
                  community_id=a.id, restricted=True) for c, a in enumerate(communities)]  # fmt: skip
    session.add_all(funds)
    session.flush()
    projects = [Project(code=f"P{p:03d}", name=f"互助项目{p}", fund_id=funds[p % 66].id,
                        community_id=funds[p % 66].community_id) for p in range(PROJECTS)]  # fmt: skip
    session.add_all(projects)
    session.flush()
    big = [p for p in projects if p.fund_id == funds[0].id]
    total, in_fund = ctx.scaled(FULL_DONATIONS, 1000), ctx.scaled(FULL_FUND_DONATIONS, 200)
    seconds = sorted(rng.randrange(360 * 86400) for _ in range(total))
    fund_rows = set(rng.sample(range(total), in_fund))
    donations, entries, lines, prev, now = (
        [],
        [],
        [],
        ledger_rules.GENESIS_HASH,
        dt.datetime.now(dt.UTC),
    )
    for i, second in enumerate(seconds, start=1):
        project = rng.choice(big) if i - 1 in fund_rows else projects[rng.randrange(PROJECTS)]
        amount, at = rng.randrange(100, 100_000), YEAR + dt.timedelta(seconds=second)
        donor = None if rng.random() < 0.2 else f"u{rng.randrange(300_000)}"
        entry_id = None
        if project.fund_id == funds[0].id:
            entry_id = len(entries) + 1
            values = {"fund_id": project.fund_id, "seq": entry_id, "posted_on": at.astimezone(SHANGHAI).date(),
                      "kind": EntryKind.DONATION, "created_by": None, "created_by_name": SYSTEM_ACTOR,
                      "created_at": now, "memo": "捐赠", "receipt_no": f"R{i:09d}", "batch_id": None,
                      "voucher_no": None, "attachment_sha256": None, "programme_id": None,
                      "reverses_entry_id": None}  # fmt: skip
            posted = ledger_rules.donation_received(amount, True)
            prev_hash, prev = prev, ledger_rules.entry_hash(prev, entry_payload(values, posted))
            entries.append((entry_id, project.fund_id, entry_id, values["posted_on"], "donation", "捐赠",
                            values["receipt_no"], prev_hash, prev, SYSTEM_ACTOR, now))  # fmt: skip
            for n, line in enumerate(posted, start=1):
                lines.append((len(lines) + 1, entry_id, n, project.fund_id, str(line.account),
                              line.debit_fen, line.credit_fen))  # fmt: skip
        donations.append((i, f"R{i:09d}", f"捐赠人{i % 5000}", donor, i % 17 == 0, amount, at, "微信",
                          project.id, project.fund_id, entry_id, now, False, False, False))  # fmt: skip
    _bulk(session, LedgerEntry.__table__, ["id", "fund_id", "seq", "posted_on", "kind", "memo", "receipt_no",
          "prev_hash", "hash", "created_by_name", "created_at"], entries)  # fmt: skip
    _bulk(session, LedgerLine.__table__, ["id", "entry_id", "line_no", "fund_id", "account", "debit_fen",
          "credit_fen"], lines)  # fmt: skip
    _bulk(session, Donation.__table__, ["id", "receipt_no", "donor_name", "donor_key", "anonymous", "amount_fen",
          "received_at", "channel", "project_id", "fund_id", "entry_id", "created_at", "flag_related_party",
          "flag_rapid_small", "flag_refund_after_match"], donations)  # fmt: skip
    for fund in funds:
        last = entries[-1] if fund is funds[0] and entries else None
        session.add(LedgerHead(fund_id=fund.id, seq=last[2] if last else 0,
                               hash=last[8] if last else ledger_rules.GENESIS_HASH,
                               entry_id=last[0] if last else None))  # fmt: skip
    if session.connection().dialect.name == "postgresql":
        for table in ("donations", "ledger_entries", "ledger_lines"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            latest = f"(SELECT max(id) FROM {table})"  # noqa: S608 - a fixed table name
            session.execute(sa.text(f"SELECT setval({sequence}, {latest})"))
        session.execute(sa.text("ANALYZE"))
    end = YEAR + dt.timedelta(days=366)
    rules = [("M-PROV", "湖北省", SponsorLevel.PROVINCE, "0.1", {"per_donation_cap_fen": 5_000}),
             ("M-CITY", "宜昌市", SponsorLevel.CITY, "0.2", {"per_donor_project_cap_fen": 20_000,
              "per_project_cap_fen": 20_000_000}),
             ("M-ENT", "某企业", SponsorLevel.ENTERPRISE, "0.05", {})]  # fmt: skip
    programmes = []
    for priority, (code, sponsor, level, ratio, caps) in enumerate(rules, start=1):
        programme = MatchingProgramme(code=code, name=code, sponsor=sponsor, level=level, ratio=ratio,
                                      pool_fen=3_000_000_000, starts_at=YEAR, ends_at=end, priority=priority,
                                      status=ProgrammeStatus.ACTIVE, **caps)  # fmt: skip
        session.add(programme)
        session.flush()
        session.add(ProgrammeTally(programme_id=programme.id, matched_fen=0))
        programmes.append(programme)
    session.flush()
    first = (projects[0].id, projects[0].fund_id)
    return {"donations": total, "in_fund": in_fund, "project": first, "fund": funds[0].code}


def _ms(seconds: float) -> float:
    return seconds * 1000


def run(ctx: Context) -> list[Row]:
    engine = _database(ctx)
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        data = _generate(session, ctx)
    note = f"generated {data['donations']:,} donations ({data['in_fund']:,} in {data['fund']}) " \
           f"in {time.perf_counter() - started:.0f} s"  # fmt: skip
    rows = [Row(SECTION, ctx.engine, "funds data", note=note)]
    try:
        rows += _recompute(ctx, engine, data)
        rows += _incremental(ctx, engine, data)
        rows += _statement(ctx, engine, data)
    finally:
        engine.dispose()
    return rows


def _row(ctx, name, samples, target, note="") -> Row:
    median, p95 = _ms(statistics.median(samples)), _ms(percentile(samples, 95))
    verdict = "OK" if p95 < target else "OVER"
    text = f"target < {target:,.0f} ms: {verdict}" + (f"; {note}" if note else "")
    print(f"  {name}: median {median:.1f} ms, p95 {p95:.1f} ms ({text})", file=sys.stderr)
    return Row(SECTION, ctx.engine, name, n=len(samples), median_ms=median, p95_ms=p95, note=text)


def _recompute(ctx, engine, data) -> list[Row]:
    with Session(engine) as session, session.begin():
        programmes = MatchingService(session).active_programmes()
        started = time.perf_counter()
        written = MatchingService(session).recompute(programmes)
        elapsed = time.perf_counter() - started
    note = f"{data['donations']:,} donations × {len(programmes)} programmes → {written:,} matches"
    return [_row(ctx, "matching recompute (3 stacked)", [elapsed], TARGETS["recompute"], note)]


def _add_one(engine, project_id, fund_id, n, at) -> float:
    with Session(engine) as session:
        session.begin()
        donation = Donation(receipt_no=f"INC{n}", donor_name="新捐赠人", donor_key=f"u{n}",
                            amount_fen=10_000, received_at=at, project_id=project_id,
                            fund_id=fund_id)  # fmt: skip
        session.add(donation)
        session.flush()
        areas = project_areas(session, [project_id])
        started = time.perf_counter()
        MatchingService(session).add_donations([donation_fact(donation, areas[project_id])])
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def _incremental(ctx, engine, data) -> list[Row]:
    pure, whole, back = [], [], []
    project_id, fund_id = data["project"]
    with Session(engine) as session:
        last = session.scalar(sa.select(sa.func.max(ProgrammeTally.last_received_at)))
    for n in range(INCREMENTAL_RUNS):
        at = YEAR + dt.timedelta(days=360, seconds=n)
        pure.append(_add_one(engine, project_id, fund_id, n, at))
        back.append(_add_one(engine, project_id, fund_id, n, last - dt.timedelta(minutes=1)))
        with Session(engine) as session:
            session.begin()
            service = DonationService(session, SYSTEM_SCOPE, AuditLog(session, None, SYSTEM_ACTOR))
            started = time.perf_counter()
            service.record(DonationInput(receipt_no=f"REC{n}", donor_name="新捐赠人", amount_fen=10_000,
                                         received_at=at, project_id=project_id, donor_key=f"u{n}"))  # fmt: skip
            whole.append(time.perf_counter() - started)
            session.rollback()
    return [
        _row(ctx, "incremental match of 1 donation", pure, TARGETS["incremental"]),
        _row(ctx, "record 1 donation (ledger+match+audit)", whole, TARGETS["incremental"] * 5,
             "for comparison"),
        _row(ctx, "incremental match, back-dated 1 min (replay)", back,
             TARGETS["incremental"] * 5, "for comparison"),
    ]  # fmt: skip


def _statement(ctx, engine, data) -> list[Row]:
    json_times, xlsx_times, size = [], [], 0
    for _ in range(3):
        with Session(engine) as session, session.begin():
            params = ReportParams(session, SYSTEM_SCOPE, AuditLog(session, None, SYSTEM_ACTOR), "bench",
                                  fund=data["fund"], date_from=dt.date(2024, 1, 1),
                                  date_to=dt.date(2024, 12, 31))  # fmt: skip
            started = time.perf_counter()
            result = run_report("fund-statement", params)[1]
            json_times.append(time.perf_counter() - started)
            buffer = io.BytesIO()
            result.write_xlsx(buffer)
            xlsx_times.append(time.perf_counter() - started)
            size = len(buffer.getvalue())
            if not result.data["check"]["ok"]:
                raise RuntimeError(f"statement does not reconcile: {result.data['check']}")
    note = f"{data['in_fund']:,} donations; workbook {size / 1e6:.1f} MB with every donation row"
    return [
        _row(ctx, "fund statement JSON", json_times, TARGETS["statement"]),
        _row(ctx, "fund statement xlsx (auditor report)", xlsx_times, TARGETS["statement"], note),
    ]
