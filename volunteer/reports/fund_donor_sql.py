"""The SQL that renders the donor-detail sheet (捐赠明细) on PostgreSQL: the `<row>` elements of
a fund's donations in a time range, exactly as `xlsx_stream.row_xml` renders the tuples of
`fund_donor_sheet.donor_rows` (the same order, the same cells, the same bytes), joined into one
UTF-8 string per day and read in binary through a server-side cursor: no Python object per row
or cell, and no decoding and re-encoding of the XML (~60 MB for 200,000 donations) on its way
to the zip member.

A row whose text the SQL cannot vouch for (a leading `= + - @`, control characters, `& < >`,
whitespace at either end) comes back as a `<#id>` marker, for Python to render from its
values, so every odd value still goes through `safe_text`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

FETCH_DAYS = 16
# A row's texts are joined with a private-use separator and checked by one regex: none may hold
# a control character or `& < >`, begin with a formula trigger, or begin or end with a
# character Python's str.strip() could remove (a superset of them). (None can reach Excel's
# 32,767-character cell limit: the columns are varchar(120) at most.) The separator inside a
# text can only make a row look odd, never hide anything: each text's real first and last
# characters still sit next to a separator. No rendered text can hold `<`, so a `<#` in the
# XML is always one of the markers.
_SEP = "\ue000"
_WS = r"\x01-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff"
ODD = rf"[\x01-\x08\x0b\x0c\x0e-\x1f&<>]|{_SEP}[=+\-@{_WS}]|[{_WS}]{_SEP}"
MARKER = b"<#"


def _text(column: str) -> str:
    """SQL: the inline-string cell of a plain text, `<c/>` for NULL or empty (as `_text`)."""
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN '<c/>' "
        f"ELSE '<c t=\"inlineStr\"><is><t>' || {column} || '</t></is></c>' END"
    )


def _serial(seconds: str) -> str:
    """SQL: the date-time cell of a time given as whole Shanghai wall-clock seconds since the
    Unix epoch (float8), as `xlsx_stream._datetime` computes it for a naive time: whole days since
    1899-12-30 (25,569 days before 1970) plus whole seconds / 86,400 in float8, printed
    shortest-exact like Python's repr (with ".0" when integral). float8 holds all of it
    exactly."""
    days = f"(floor({seconds} / 86400) + 25569)"
    second = f"({seconds} - floor({seconds} / 86400) * 86400)"
    return (
        f"CASE WHEN {seconds} IS NULL THEN '<c/>' ELSE '<c s=\"3\"><v>' || "
        f"CASE WHEN {second} = 0 THEN {days}::int8::text || '.0' "
        f"ELSE ({days} + {second} / 86400::float8)::text END || '</v></c>' END"
    )


def _flag(column: str) -> str:
    return f"CASE WHEN {column} THEN '<c t=\"inlineStr\"><is><t>是</t></is></c>' ELSE '<c/>' END"


# Each cell is a CASE that is never NULL, so `||` (cheaper than concat()) cannot lose a row;
# were one ever NULL, the coalesce below would hand the row to Python rather than drop it.
_ROW = " || ".join(
    [
        "'<row>'",
        _text("receipt_no"),
        _serial("at_seconds"),
        _text("donor"),
        _flag("anonymous"),
        "'<c s=\"2\"><v>' || (amount_fen::numeric * 0.01)::text || '</v></c>'",
        _text("code"),
        _text("channel"),
        _serial("refunded_seconds"),
        _flag("flag_related_party"),
        _flag("flag_rapid_small"),
        _flag("flag_refund_after_match"),
        "'</row>'",
    ]
)
_SECONDS = "floor(date_part('epoch', d.{0}) + 28800)"  # Shanghai is UTC + 8 h
_DONOR = "CASE WHEN d.anonymous THEN '匿名' ELSE d.donor_name END"
_TEXTS = f"concat_ws('{_SEP}', '', d.receipt_no, {_DONOR}, p.code, d.channel, '')"
# Built from the fixed fragments above; every value is a parameter. The inner query reads
# each donation once and works out its times and oddness once (OFFSET 0 keeps the planner
# from copying those expressions into every place the row uses them); the outer one renders
# the rows and joins them per day (any grouping that follows the sheet's order would do), in
# the sheet's order within the day.
SQL = (
    "SELECT convert_to(string_agg("  # noqa: S608
    f"coalesce(CASE WHEN NOT odd THEN {_ROW} END, '<#' || id || '>'), '' "
    "ORDER BY received_at, receipt_no), 'UTF8') FROM ("
    f"SELECT d.id, d.received_at, d.receipt_no, {_DONOR} AS donor, d.anonymous, "
    "d.amount_fen, p.code, d.channel, d.flag_related_party, d.flag_rapid_small, "
    "d.flag_refund_after_match, d.received_at::date AS day, "
    f"{_SECONDS.format('received_at')} AS at_seconds, "
    f"{_SECONDS.format('refunded_at')} AS refunded_seconds, "
    f"{_TEXTS} ~ %(odd)s AS odd "
    "FROM donations d LEFT JOIN projects p ON p.id = d.project_id AND p.fund_id = d.fund_id "
    "WHERE d.fund_id = %(fund)s AND d.received_at >= %(start)s AND d.received_at < %(end)s "
    "OFFSET 0) AS rows GROUP BY day ORDER BY day"
)


def rendered_days(raw, fund_id: int, start: dt.datetime, end: dt.datetime) -> Iterator[bytes]:
    """The rows of the fund's donations received in [start, end) (naive UTC), as UTF-8 XML,
    `FETCH_DAYS` days a chunk, on the psycopg connection `raw` (with `query_settings`)."""
    params = {"odd": ODD, "fund": fund_id, "start": start, "end": end}
    with raw.cursor(name="donor_detail_xml", binary=True) as cursor:
        cursor.execute(SQL, params)
        while days := cursor.fetchmany(FETCH_DAYS):
            yield b"".join([day for (day,) in days])


# For the query: the whole result is read, so plan for all of it rather than the first tenth
# a cursor plans for (which walks the time index over every fund's donations); sort in
# memory; and skip JIT compilation, which costs more than it saves on one pass.
_QUERY_SETTINGS = {"cursor_tuple_fraction": "1", "work_mem": "64MB", "jit": "off"}


@contextmanager
def query_settings(raw):
    """Set `_QUERY_SETTINGS` for the rest of `raw`'s transaction, and put the previous values
    back after."""
    with raw.cursor() as cursor:
        before = {
            name: cursor.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]
            for name in _QUERY_SETTINGS
        }
        for name, value in _QUERY_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
    try:
        yield
    finally:
        with raw.cursor() as cursor:
            for name, value in before.items():
                cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
