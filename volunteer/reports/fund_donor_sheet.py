"""The donor-detail sheet (捐赠明细) of the auditor's fund report: the one sheet that holds every
donation of the period, 200,000 rows for a big fund.

On PostgreSQL the rows come rendered by the database (`fund_donor_sql`), and when the session
may have a second connection on its snapshot (`fund_snapshot`) the two share the work: the
period is cut into `PIECES` spans of time, which the session's connection streams in turn
while the other renders the next one, held in memory (one piece at most) until its turn. The
few rows the SQL leaves to Python are rendered from `donor_rows`. Elsewhere (SQLite) all rows
come from `donor_rows`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import sqlalchemy as sa

from volunteer.funds.models import Donation, Project
from volunteer.reports import fund_queries as q
from volunteer.reports.fund_donor_sql import MARKER, query_settings, rendered_days
from volunteer.reports.fund_snapshot import shared_snapshot
from volunteer.spreadsheets.numbers import fen_to_yuan
from volunteer.spreadsheets.writer import Sheet
from volunteer.spreadsheets.xlsx_stream import EncodedRows, RowsXml, row_xml

PIECES = 8
STREAM_ROWS = 50_000
UTC_TO_SHANGHAI = dt.timedelta(hours=8)  # no daylight saving in China since 1991
AMOUNT = "金额(元)"
DONOR_HEADERS = ("收据编号", "捐赠时间", "捐赠人", "匿名", AMOUNT, "项目编号", "渠道", "退款时间",
                 "关联方", "短时多笔小额", "配捐后退款")  # fmt: skip
_MARKERS = re.compile(re.escape(MARKER) + rb"(\d+)>")


def rendered_by_sql(dbsession) -> bool:
    """PostgreSQL prints float8 shortest-exact (as Python's repr) when extra_float_digits > 0,
    its default since version 12."""
    connection = dbsession.connection()
    if connection.dialect.name != "postgresql":
        return False
    return int(connection.exec_driver_sql("SHOW extra_float_digits").scalar()) > 0


def encoded_donor_xml(dbsession, fund, date_from, date_to, fallback) -> Iterator[EncodedRows]:
    """The sheet's rows as chunks of UTF-8 `<row>` XML; `fallback(ids)` gives the value tuples
    of the donations with those ids (in any order), for the rows the SQL left to Python."""
    start, end = (moment.replace(tzinfo=None) for moment in q.local_bounds(date_from, date_to))
    raw = dbsession.connection().connection.driver_connection
    with shared_snapshot(dbsession) as side, query_settings(raw):
        if side is None:
            chunks = rendered_days(raw, fund.id, start, end)
        else:
            pieces = _pieces(raw, fund.id, start, end)
            chunks = _in_turn(raw, side.connection.driver_connection, fund.id, pieces)
        for chunk in chunks:
            yield EncodedRows(_with_fallback(chunk, fallback) if MARKER in chunk else chunk)


def _pieces(raw, fund_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """[start, end) cut into `PIECES` spans, of equal time between the first and the last
    donation in it, so that pieces hold similar numbers of donations when these come evenly
    (and merely fewer, never other rows, when they do not)."""
    first, last = raw.execute(
        "SELECT min(received_at), max(received_at) FROM donations "
        "WHERE fund_id = %s AND received_at >= %s AND received_at < %s",
        (fund_id, start, end),
    ).fetchone()
    if first is None or first == last:
        return [(start, end)]
    # Rounded to the microsecond, each bound still lies between first and last.
    inner = (first + (last - first) * number / PIECES for number in range(1, PIECES))
    return list(pairwise([start, *inner, end]))


def _in_turn(raw, side_raw, fund_id: int, pieces: list[tuple]) -> Iterator[bytes]:
    """The pieces' chunks in order: the even pieces streamed from `raw`, each while `side_raw`
    renders the piece after it on a thread (psycopg waits without the GIL)."""

    def rendered(start, end) -> list[bytes]:
        return list(rendered_days(side_raw, fund_id, start, end))

    with query_settings(side_raw), ThreadPoolExecutor(1, "donor-xml") as side:
        ahead = None
        for number, (start, end) in enumerate(pieces):
            if number % 2:
                yield from ahead.result()
                continue
            if number + 1 < len(pieces):
                ahead = side.submit(rendered, *pieces[number + 1])
            yield from rendered_days(raw, fund_id, start, end)


def _with_fallback(xml: bytes, fallback) -> bytes:
    """`xml` with each `<#id>` marker replaced by that donation's row as Python renders it."""
    parts = _MARKERS.split(xml)  # rendered XML and ids, alternately
    ids = [int(i) for i in parts[1::2]]
    by_id = {i: row_xml(values).encode("utf-8") for i, values in fallback(ids)}
    parts[1::2] = [by_id[i] for i in ids]
    return b"".join(parts)


def donor_xml(dbsession, fund, date_from, date_to, fallback) -> Iterator[RowsXml]:
    """`encoded_donor_xml` as text."""
    for chunk in encoded_donor_xml(dbsession, fund, date_from, date_to, fallback):
        yield RowsXml(chunk.decode("utf-8"))


def donor_sheet(dbsession, fund, date_from, date_to) -> Sheet:
    if rendered_by_sql(dbsession):

        def fallback(ids):
            return donor_rows(dbsession, fund, date_from, date_to, ids=ids)

        rows = encoded_donor_xml(dbsession, fund, date_from, date_to, fallback)
    else:
        rows = (values for _, values in donor_rows(dbsession, fund, date_from, date_to))
    return Sheet("捐赠明细", DONOR_HEADERS, rows)


def donor_rows(dbsession, fund, date_from, date_to, ids=None):
    """(id, values) of the period's donations in sheet order (of just `ids` if given), read
    through Core with plain column types (the ORM and the UTC type decorator cost a few
    microseconds a row each); project codes come from a dict instead of a join, and the stored
    naive-UTC times are shifted to Shanghai wall-clock here."""
    codes = dict(
        dbsession.execute(
            sa.select(Project.id, Project.code).where(Project.fund_id == fund.id)
        ).all()
    )
    plain = sa.DateTime()
    query = (
        sa.select(
            Donation.id,
            Donation.receipt_no,
            sa.type_coerce(Donation.received_at, plain),
            Donation.donor_name,
            Donation.anonymous,
            Donation.amount_fen,
            Donation.project_id,
            Donation.channel,
            sa.type_coerce(Donation.refunded_at, plain),
            Donation.flag_related_party,
            Donation.flag_rapid_small,
            Donation.flag_refund_after_match,
        )
        .where(*q.donations_in(fund.id, date_from, date_to))
        .order_by(Donation.received_at, Donation.receipt_no)
        .execution_options(yield_per=STREAM_ROWS)
    )
    if ids is not None:
        query = query.where(Donation.id.in_(ids))
    yes = {True: "是", False: None}
    for (
        i, receipt, at, donor, anonymous, amount, project, channel, refunded, rp, rs, ram,
    ) in dbsession.connection().execute(query):  # fmt: skip
        yield i, (
            receipt, at + UTC_TO_SHANGHAI, "匿名" if anonymous else donor, yes[anonymous],
            fen_to_yuan(amount), codes.get(project), channel, refunded and refunded + UTC_TO_SHANGHAI,
            yes[rp], yes[rs], yes[ram],
        )  # fmt: skip
