"""Import batches as the pages see them: the list a user may see, and revoking a batch.

A batch is in a user's scope when it was imported inside their area (district-wide users
see every batch; a street officer only batches whose `area_path` lies in their street);
organisation staff see only their own. Revoking hands the batch to its kind's `revoke`
(records are voided, never deleted) and is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.accounts.models import User
from volunteer.authz import Role, Scope
from volunteer.db import utcnow
from volunteer.errors import Conflict, ValidationFailed
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.importing import ImportContext, importer_for, registered_kinds
from volunteer.spreadsheets.models import BatchStatus, ImportBatch

LIST_LIMIT = 200


def batches_clause(scope: Scope):
    if scope.role is Role.ORG_STAFF or scope.role is Role.VOLUNTEER:
        return ImportBatch.user_id == scope.user_id
    if scope.area_path is None:
        return sa.true()
    return ImportBatch.area_path.startswith(scope.area_path, autoescape=True)


def batch_in_scope(scope: Scope, batch: ImportBatch) -> bool:
    if scope.role is Role.ORG_STAFF or scope.role is Role.VOLUNTEER:
        return batch.user_id == scope.user_id
    if scope.area_path is None:
        return True
    return batch.area_path is not None and batch.area_path.startswith(scope.area_path)


def list_batches(dbsession: Session, scope: Scope) -> list[tuple[ImportBatch, str, str]]:
    """(batch, kind title, importing user's display name), newest first."""
    titles = {kind: cls.spec.title for kind, cls in registered_kinds().items()}
    rows = dbsession.execute(
        sa.select(ImportBatch, User.display_name)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(batches_clause(scope))
        .order_by(ImportBatch.id.desc())
        .limit(LIST_LIMIT)
    )
    return [(b, titles.get(b.kind, b.kind), name or b.actor_name) for b, name in rows]


def revoke_batch(ctx: ImportContext, batch: ImportBatch, reason: str | None) -> int:
    """Void what the batch wrote; returns how many records were voided."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写撤销原因")
    if batch.status is BatchStatus.REVOKED:
        raise Conflict(f"导入批次 #{batch.id} 已于此前撤销")
    importer = importer_for(batch.kind, ctx)
    try:
        count = importer.revoke(batch, reason[:200])
    except FileRefused as exc:
        raise Conflict(exc.message) from None
    batch.status = BatchStatus.REVOKED
    batch.revoked_at = utcnow()
    batch.revoked_by = ctx.user_id
    batch.revoke_reason = reason[:200]
    ctx.audit.record(
        "import.revoke",
        "import_batch",
        batch.id,
        before={"status": BatchStatus.COMMITTED},
        after={"status": BatchStatus.REVOKED, "reason": reason[:200], "voided": count},
        area_path=batch.area_path,
    )
    return count
