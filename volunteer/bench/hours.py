"""Bench section `hours`: server time of the volunteer's own page (GET /me) and the street
officer's approval queue (GET /records/pending) on a district of 200,000 volunteers and
2,000,000 service records, served in-process through the real WSGI app and compared with a
bare Pyramid view timed in the same run. Target: my-hours p95 < 20 ms on PostgreSQL."""

from __future__ import annotations

import itertools
import sys

import sqlalchemy as sa
from pyramid.interfaces import ISecurityPolicy
from webob import Request

from volunteer import main
from volunteer.accounts.models import User
from volunteer.authz import Role
from volunteer.bench import common, hours_data
from volunteer.bench.common import Context, Row

SECTION = "hours"
TARGET_P95_MS = 20.0
STATEMENT_SAMPLE = 20


def run(ctx: Context) -> list[Row]:
    data = hours_data.prepare(ctx)
    volunteers, records = hours_data.counts(data.engine)
    load_note = (
        f"reused {volunteers:,} volunteers / {records:,} records"
        if data.generated_seconds is None
        else f"generated {volunteers:,} volunteers / {records:,} records"
        f" in {data.generated_seconds:.0f} s"
    )
    rows = [Row(SECTION, ctx.engine, "district data", note=load_note)]
    settings = {**ctx.settings, "sqlalchemy.url": data.url, "pyramid.reload_templates": "false"}
    app = main({}, dbengine=data.engine, **settings)
    try:
        rows += _measure(ctx, app, data.engine)
    finally:
        data.engine.dispose()
    return rows


def _measure(ctx: Context, app, engine: sa.Engine) -> list[Row]:
    me_users = _user_ids(engine, Role.VOLUNTEER)
    officers = _user_ids(engine, Role.STREET_STAFF)
    me = _environs(app, "/me", me_users)
    queue = _environs(app, "/records/pending", officers)
    pages = [
        ("my hours GET /me", me, f"{len(me_users)} volunteers in turn"),
        ("approval queue GET /records/pending", queue, f"{len(officers)} street officers"),
    ]
    rows, bare_samples = [], []
    for name, environs, who in pages:
        page, bare = common.compare(app, environs, ctx.baseline_app, ctx.requests)
        bare_samples += bare.samples
        per_request = _statements_per_request(ctx, app, engine, environs, name)
        note = who
        if environs is me:
            verdict = "met" if page.p95_ms < TARGET_P95_MS else "MISSED"
            goal = f"target p95 < {TARGET_P95_MS:g} ms on PostgreSQL"
            note += f"; {goal}: {verdict}" if ctx.engine == "postgresql" else f"; ({goal})"
        rows.append(
            common.timed_row(SECTION, ctx, name, page, bare, statements=per_request, note=note)
        )
    bare = common.Timing(bare_samples)
    rows.append(
        Row(
            SECTION,
            ctx.engine,
            "bare Pyramid view (baseline)",
            n=len(bare.samples),
            median_ms=bare.median_ms,
            p95_ms=bare.p95_ms,
            ratio=1.0,
            ratio_p95=1.0,
            note="interleaved with the pages above",
        )
    )
    return rows


def _user_ids(engine: sa.Engine, role: Role) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                sa.select(User.id)
                .where(User.role == role, User.username.startswith("bench-"))
                .order_by(User.id)
            )
        )


def _auth_cookie(app, user_id: int) -> str:
    """The auth-ticket cookie the real security policy would set at login."""
    policy = app.registry.getUtility(ISecurityPolicy)
    request = Request.blank("/", headers={"Host": "bench.local"})
    headers = policy.remember(request, user_id)
    return next(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")


def _environs(app, path: str, user_ids: list[int]):
    cookies = [_auth_cookie(app, uid) for uid in user_ids]
    cycle = itertools.cycle(cookies)

    def environ(_i: int) -> dict:
        return common.environ_for(path, next(cycle))

    return environ


def _statements_per_request(ctx: Context, app, engine, environs, name: str) -> float:
    counts = []
    for i in range(STATEMENT_SAMPLE):
        with common.statements(engine) as seen:
            common.call_wsgi(app, environs(i))
        counts.append(len(seen))
        if ctx.show_sql and i == 0:
            print(f"\n-- {ctx.engine}: SQL of one request to {name}", file=sys.stderr)
            for statement, params in seen:
                print(f"{statement};\n   -- {params!r}", file=sys.stderr)
    return sum(counts) / len(counts)
