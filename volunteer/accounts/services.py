"""Account use cases: authenticate with throttling, create users, change passwords."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.accounts.models import User
from volunteer.accounts.passwords import hash_password, needs_rehash, verify_password
from volunteer.audit import AuditLog
from volunteer.authz import Role
from volunteer.db import utcnow
from volunteer.errors import ValidationFailed

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)


@functools.cache
def _dummy_hash() -> str:
    """A real hash to verify against for unknown users, so response time reveals nothing;
    made on first use, not at import (console scripts never need it)."""
    return hash_password("not-a-real-password")


class LoginThrottled(Exception):
    def __init__(self, until: dt.datetime):
        super().__init__("locked")
        self.until = until


class AccountService:
    def __init__(self, dbsession: Session):
        self.dbsession = dbsession

    def by_username(self, username: str) -> User | None:
        return self.dbsession.scalar(sa.select(User).where(User.username == username))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right; None otherwise. Raises LoginThrottled while locked."""
        user = self.by_username(username.strip())
        now = utcnow()
        if user is None or not user.is_active:
            verify_password(_dummy_hash(), password)
            return None
        if user.locked_until is not None and user.locked_until > now:
            raise LoginThrottled(user.locked_until)
        if not verify_password(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
                AuditLog(self.dbsession, user.id, user.username).record(
                    "login.locked", "user", user.id, note="连续登录失败，账号暂时锁定"
                )
            return None
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user

    def create_user(
        self,
        audit: AuditLog,
        *,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        area_id: int | None = None,
        organisation_id: int | None = None,
        volunteer_id: int | None = None,
    ) -> User:
        if len(password) < 8:
            raise ValidationFailed("密码至少 8 位")
        if self.by_username(username) is not None:
            raise ValidationFailed(f"用户名「{username}」已存在")
        user = User(
            username=username,
            display_name=display_name,
            password_hash=hash_password(password),
            role=role,
            area_id=area_id,
            organisation_id=organisation_id,
            volunteer_id=volunteer_id,
        )
        self.dbsession.add(user)
        self.dbsession.flush()
        audit.record(
            "user.create",
            "user",
            user.id,
            after={"username": username, "role": role.value, "area_id": area_id},
        )
        return user

    def change_password(self, audit: AuditLog, user: User, old: str, new: str) -> None:
        if not verify_password(user.password_hash, old):
            raise ValidationFailed("原密码不正确")
        if len(new) < 8:
            raise ValidationFailed("新密码至少 8 位")
        user.password_hash = hash_password(new)
        audit.record("user.password", "user", user.id)
