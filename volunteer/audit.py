"""The append-only audit log: every write records who, when, what, and before/after, in the
same transaction as the change it describes."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from volunteer.db import Base, BigId, UTCDateTime, utcnow

SYSTEM_ACTOR = "system"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[str | None] = mapped_column(sa.String(80))
    area_path: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj, fields: tuple[str, ...] | None = None) -> dict:
    """The persisted column values of a model instance (secrets and ciphertext excluded)."""
    mapper = sa.inspect(obj).mapper
    names = fields or tuple(c.key for c in mapper.column_attrs)
    return {
        name: _jsonable(getattr(obj, name))
        for name in names
        if not name.endswith(("_cipher", "_hash", "_index"))
    }


class AuditLog:
    """Writes audit entries through the caller's session, so they commit or roll back with it."""

    def __init__(self, dbsession: Session, actor_id: int | None, actor_name: str):
        self.dbsession = dbsession
        self.actor_id = actor_id
        self.actor_name = actor_name

    def record(
        self,
        action: str,
        entity: str,
        entity_id: Any = None,
        *,
        before: dict | None = None,
        after: dict | None = None,
        area_path: str | None = None,
        note: str | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor_id=self.actor_id,
            actor_name=self.actor_name,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            area_path=area_path,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            note=note,
        )
        self.dbsession.add(entry)
        return entry

    def record_many(self, rows: list[dict]) -> None:
        """Bulk form for imports: one INSERT for many entries."""
        if not rows:
            return
        now = utcnow()
        self.dbsession.execute(
            sa.insert(AuditEntry),
            [
                {
                    "at": now,
                    "actor_id": self.actor_id,
                    "actor_name": self.actor_name,
                    "entity_id": None,
                    "area_path": None,
                    "before": None,
                    "after": None,
                    "note": None,
                    **{k: _jsonable(v) for k, v in row.items()},
                }
                for row in rows
            ],
        )
