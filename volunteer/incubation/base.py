"""What every incubation service shares: the session, the caller's scope, the audit writer,
the centre's settings and the clock (the demo walks cases through the past with it)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.db import SHANGHAI, utcnow
from volunteer.errors import NotAllowed, NotFound, ValidationFailed
from volunteer.incubation.settings import IncubationSettings, incubation_settings

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class IncubationService:
    def __init__(
        self,
        dbsession: Session,
        scope: Scope,
        audit: AuditLog,
        settings: IncubationSettings | None = None,
        now: dt.datetime | None = None,
    ):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit
        self.settings = settings or incubation_settings()
        self.now = now or utcnow()
        self.today = self.now.astimezone(SHANGHAI).date()

    def require(self, permission: Permission, message: str = "没有执行此操作的权限") -> None:
        if not self.scope.may(permission):
            raise NotAllowed(message)

    def require_in_scope(self, visible: bool, what: str = "记录") -> None:
        # Scripts call services without a route factory: the scope check lives here too.
        if not visible:
            raise NotFound(f"{what}不存在或不在本辖区")


def attachment_meta(files: Iterable[tuple[str, bytes]]) -> list[dict]:
    """Name, size and SHA-256 of each uploaded paper, for the history (files stay archived)."""
    meta = []
    for name, data in files:
        if not name:
            continue
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed(f"附件「{name}」超过 20 MB")
        meta.append({"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return meta
