"""The donor-detail sheet (捐赠明细) of the auditor's fund report: the one sheet that holds every
donation of the period, 200,000 rows for a big fund.

On PostgreSQL the `<row>` elements are rendered by the database, exactly as `xlsx.row_xml`
renders the tuples of `donor_rows` (the same order, the same cells, the same bytes), and
stream through a server-side cursor into the zip member: no Python object per cell. A row
whose text the SQL cannot vouch for (a leading `= + - @`, control characters, `& < >`,
whitespace at either end) comes back empty and is rendered by Python from its values, so
every odd value still goes through `safe_text`. Elsewhere (SQLite) the rows come from
`donor_rows`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa

from volunteer.funds.models import Donation, Project
from volunteer.reports import fund_queries as q
from volunteer.reports.xlsx import RowsXml, row_xml
from volunteer.spreadsheets.writer import Sheet

FETCH_ROWS = 10_000
STREAM_ROWS = 50_000
UTC_TO_SHANGHAI = dt.timedelta(hours=8)  # no daylight saving in China since 1991
AMOUNT = "金额(元)"
DONOR_HEADERS = ("收据编号", "捐赠时间", "捐赠人", "匿名", AMOUNT, "项目编号", "渠道", "退款时间",
                 "关联方", "短时多笔小额", "配捐后退款")  # fmt: skip
# A row's texts are joined with a private-use separator and checked by one regex: none may hold
# a control character or `& < >`, begin with a formula trigger, or begin or end with a
# character Python's str.strip() could remove (a superset of them). (None can reach Excel's
# 32,767-character cell limit: the columns are varchar(120) at most.) The separator inside a
# text can only make a row look odd, never hide anything: each text's real first and last
# characters still sit next to a separator.
_SEP = "\ue000"
_WS = r"\x01-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff"
_ODD = rf"[\x01-\x08\x0b\x0c\x0e-\x1f&<>]|{_SEP}[=+\-@{_WS}]|[{_WS}]{_SEP}"


def _text(column: str) -> str:
    """SQL: the inline-string cell of a plain text, `<c/>` for NULL or empty (as `_text`)."""
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN '<c/>' "
        f"ELSE '<c t=\"inlineStr\"><is><t>' || {column} || '</t></is></c>' END"
    )


def _serial(days: str, seconds: str) -> str:
    """SQL: the date-time cell of a Shanghai wall-clock time as `xlsx._datetime` computes it
    for a naive time, whole days since 1899-12-30 plus whole seconds / 86,400 in float8,
    printed shortest-exact like Python's repr (with ".0" when integral)."""
    return (
        f"CASE WHEN {days} IS NULL THEN '<c/>' ELSE '<c s=\"3\"><v>' || "
        f"CASE WHEN {seconds} = 0 THEN {days}::int8::text || '.0' "
        f"ELSE ({days} + {seconds} / 86400::float8)::text END || '</v></c>' END"
    )


def _flag(column: str) -> str:
    return f"CASE WHEN {column} THEN '<c t=\"inlineStr\"><is><t>是</t></is></c>' ELSE '<c/>' END"


# One concat() per row: a chain of || would copy the growing row once per cell.
_ROW = (
    "concat('<row>', "
    + ", ".join(
        [
            _text("receipt_no"),
            _serial("at_days", "at_seconds"),
            _text("donor"),
            _flag("anonymous"),
            "'<c s=\"2\"><v>' || (amount_fen::numeric * 0.01)::text || '</v></c>'",
            _text("code"),
            _text("channel"),
            _serial("refunded_days", "refunded_seconds"),
            _flag("flag_related_party"),
            _flag("flag_rapid_small"),
            _flag("flag_refund_after_match"),
        ]
    )
    + ", '</row>')"
)
# Times: seconds since the Unix epoch in Shanghai (+8 h), split into whole days since Excel's
# epoch (25,569 days before Unix's) and whole seconds of the day; float8 holds both exactly.
_EPOCH = "(date_part('epoch', d.{0}) + 28800)"
_DAYS = "floor({0} / 86400) + 25569"
_SECONDS = "floor({0}) - floor({0} / 86400) * 86400"
_AT, _REFUNDED = _EPOCH.format("received_at"), _EPOCH.format("refunded_at")
_DONOR = "CASE WHEN d.anonymous THEN '匿名' ELSE d.donor_name END"
_TEXTS = f"concat_ws('{_SEP}', '', d.receipt_no, {_DONOR}, p.code, d.channel, '')"
# Built from the fixed fragments above; every value is a parameter.
SQL = (
    f"SELECT CASE WHEN NOT odd THEN {_ROW} END, id FROM ("  # noqa: S608
    f"SELECT d.id, d.receipt_no, {_DONOR} AS donor, d.anonymous, d.amount_fen, p.code, "
    "d.channel, d.flag_related_party, d.flag_rapid_small, d.flag_refund_after_match, "
    f"{_DAYS.format(_AT)} AS at_days, {_SECONDS.format(_AT)} AS at_seconds, "
    f"{_DAYS.format(_REFUNDED)} AS refunded_days, "
    f"{_SECONDS.format(_REFUNDED)} AS refunded_seconds, "
    f"{_TEXTS} ~ %(odd)s AS odd "
    "FROM donations d LEFT JOIN projects p ON p.id = d.project_id AND p.fund_id = d.fund_id "
    "WHERE d.fund_id = %(fund)s AND d.received_at >= %(start)s AND d.received_at < %(end)s "
    "ORDER BY d.received_at, d.receipt_no) AS rows"
)


def rendered_by_sql(dbsession) -> bool:
    """PostgreSQL prints float8 shortest-exact (as Python's repr) when extra_float_digits > 0,
    its default since version 12."""
    connection = dbsession.connection()
    if connection.dialect.name != "postgresql":
        return False
    return int(connection.exec_driver_sql("SHOW extra_float_digits").scalar()) > 0


def donor_xml(dbsession, fund, date_from, date_to, fallback) -> Iterator[RowsXml]:
    """The sheet's rows as chunks of `<row>` XML; `fallback(ids)` gives the value tuples of
    the donations with those ids (in any order), for the rows the SQL left to Python."""
    start, end = q.local_bounds(date_from, date_to)
    params = {
        "odd": _ODD,
        "fund": fund.id,
        "start": start.replace(tzinfo=None),
        "end": end.replace(tzinfo=None),
    }
    raw = dbsession.connection().connection.driver_connection
    with _settings(raw, _QUERY_SETTINGS), raw.cursor(name="donor_detail_xml") as cursor:
        cursor.execute(SQL, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            odd = [i for xml, i in rows if xml is None]
            if not odd:
                yield RowsXml("".join([xml for xml, _ in rows]))
                continue
            by_id = {i: row_xml(values) for i, values in fallback(odd)}
            yield RowsXml("".join([by_id[i] if xml is None else xml for xml, i in rows]))


# For the one query: the whole result is read, so plan for all of it rather than the first
# tenth a cursor plans for (which walks the time index over every fund's donations); sort in
# memory; and skip JIT compilation, which costs more than it saves on one pass.
_QUERY_SETTINGS = {"cursor_tuple_fraction": "1", "work_mem": "64MB", "jit": "off"}


@contextmanager
def _settings(raw, settings: dict[str, str]):
    """Set these for the rest of the transaction, and put the previous values back after."""
    with raw.cursor() as cursor:
        before = {
            name: cursor.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]
            for name in settings
        }
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
    try:
        yield
    finally:
        with raw.cursor() as cursor:
            for name, value in before.items():
                cursor.execute("SELECT set_config(%s, %s, true)", (name, value))


def yuan(fen: int | None) -> Decimal | None:
    """Exact yuan with two decimals: 12345 fen → Decimal('123.45')."""
    return None if fen is None else Decimal(int(fen)).scaleb(-2)


def donor_sheet(dbsession, fund, date_from, date_to) -> Sheet:
    if rendered_by_sql(dbsession):

        def fallback(ids):
            return donor_rows(dbsession, fund, date_from, date_to, ids=ids)

        rows = donor_xml(dbsession, fund, date_from, date_to, fallback)
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
            yuan(amount), codes.get(project), channel, refunded and refunded + UTC_TO_SHANGHAI,
            yes[rp], yes[rs], yes[ram],
        )  # fmt: skip
