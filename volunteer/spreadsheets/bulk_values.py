"""The values of a bulk insert as the driver takes them, column by column: each column's
own bind processing (enums stored by value, aware datetimes as naive UTC), Python-side
column defaults filled in as a Core INSERT would, columns NULL on every row left out.
Column-major, so that the per-value work is done by C loops where it can be. Used by
`bulk`."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

_MEMO = 512


def bound_columns(table: sa.Table, given: dict, constants: dict, count: int, dialect):
    """The columns to write, column by column their values as the driver takes them, and
    the positions of the columns holding one value on every row. Column-major, so that the
    per-value work is done by C loops where it can be."""
    columns, data, constant = [], [], set()
    for key, values in given.items():
        column = table.c[key]
        # A column NULL on every row is left to the table: no server default can differ
        # from NULL there unless the column has one, and then it is written as given.
        if column.server_default is None and values.count(None) == count:
            continue
        columns.append(column)
        data.append(_bound(values, column.type._cached_bind_processor(dialect)))
    # Python-side defaults of the columns not given, filled in as a Core INSERT would.
    defaulted = {
        c.key: _default_value(c)
        for c in table.columns
        if c.key not in given
        and c.key not in constants
        and c.default is not None
        and not c.default.is_sequence
    }
    for key, value in {**constants, **defaulted}.items():
        column = table.c[key]
        if value is None and column.server_default is None:
            continue
        processor = column.type._cached_bind_processor(dialect)
        constant.add(len(columns))
        columns.append(column)
        data.append([value if processor is None or value is None else processor(value)] * count)
    return columns, data, constant


def _bound(values: tuple, processor) -> Sequence:
    """`values` through the column's bind processor. Dates, enums and the import's
    timestamps repeat down a column: each distinct value is converted once (keyed by type
    too, so 1 and True never share one)."""
    if processor is None:
        return values
    if same_on_every_row(values):
        first = values[0]
        return [None if first is None else processor(first)] * len(values)
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) == 1 and kinds.pop().__hash__ is not None:
        # One type (dates, say): equal values convert alike, so a plain dict maps them in C.
        distinct = set(values)
        if len(distinct) <= _MEMO:
            done = {v: None if v is None else processor(v) for v in distinct}
            return list(map(done.__getitem__, values))
    memo: dict = {}

    def convert(value):
        if value is None:
            return None
        key = (value.__class__, value)
        try:
            done = memo.get(key, memo)
        except TypeError:  # unhashable (JSON): convert every time
            return processor(value)
        if done is memo:
            done = processor(value)
            if len(memo) < _MEMO:
                memo[key] = done
        return done

    return list(map(convert, values))


def same_on_every_row(values: Sequence) -> bool:
    """Every value the same, of the same type (1, 1.0 and True are equal, not the same)."""
    return values.count(values[0]) == len(values) and len(set(map(type, values))) == 1


def _default_value(column: sa.Column):
    default = column.default
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps plain callables to take a context
    return default.arg
