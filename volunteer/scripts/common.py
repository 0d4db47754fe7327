"""What every console script shares: bootstrapping the app from an ini inside a transaction,
and acting as a named user or as the built-in system account."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.paster import bootstrap, setup_logging
from sqlalchemy.orm import Session

from volunteer.accounts.models import User
from volunteer.audit import SYSTEM_ACTOR, AuditLog
from volunteer.authz import SYSTEM_SCOPE, Scope
from volunteer.pii import PiiVault


@dataclass
class Actor:
    user: User | None
    scope: Scope
    audit: AuditLog
    name: str


@contextlib.contextmanager
def app_env(ini: str) -> Iterator[dict]:
    """Bootstrap the application; the caller works inside `with env["request"].tm:`."""
    if os.environ.get("VOLUNTEER_QUIET_LOGS") != "1":
        setup_logging(ini)
    env = bootstrap(ini)
    try:
        yield env
    finally:
        env["closer"]()
        # Return pooled connections now: a console run must not leave PostgreSQL sessions open.
        env["registry"]["dbsession_factory"].kw["bind"].dispose()


@contextlib.contextmanager
def transaction(request) -> Iterator[Callable[[], None]]:
    """Run a block in one transaction: committed at the end unless the block calls the
    yielded `abort` (dry runs, files with errors) or raises."""
    aborted = False

    def abort() -> None:
        nonlocal aborted
        aborted = True

    request.tm.begin()
    try:
        yield abort
    except BaseException:
        request.tm.abort()
        raise
    if aborted:
        request.tm.abort()
    else:
        request.tm.commit()


def resolve_actor(dbsession: Session, username: str | None) -> Actor:
    """The named user, or the built-in system account (an admin) when none is given."""
    if not username:
        return Actor(None, SYSTEM_SCOPE, AuditLog(dbsession, None, SYSTEM_ACTOR), SYSTEM_ACTOR)
    user = dbsession.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise SystemExit(f"用户不存在或已停用：{username}")
    return Actor(user, user.scope, AuditLog(dbsession, user.id, user.username), user.username)


def vault_of(env) -> PiiVault:
    return env["registry"]["pii_vault"]


def fail(message: str, code: int = 2) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(code)
