"""Human-facing serial numbers (volunteer numbers, certificate numbers): a counter row per
series, advanced with one UPDATE so concurrent writers and bulk imports never collide."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from volunteer.db import Base


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def reserve(dbsession: Session, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers in series `name`; returns the first of them."""
    bumped = dbsession.execute(
        sa.update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar()
    if bumped is None:
        dbsession.add(Counter(name=name, value=count))
        dbsession.flush()
        bumped = count
    return bumped - count + 1
