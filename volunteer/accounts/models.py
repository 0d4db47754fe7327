"""The user account: one role, and the area / organisation / volunteer it is scoped to."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.authz import Role, Scope
from volunteer.db import Base, UTCDateTime, str_enum, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(60), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    volunteer_id: Mapped[int | None] = mapped_column(
        # use_alter breaks the users → volunteers → import_batches → users creation cycle.
        sa.ForeignKey("volunteers.id", use_alter=True)
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area", lazy="joined")
    organisation = relationship("Organisation")

    @property
    def scope(self) -> Scope:
        if self.role in (Role.ADMIN, Role.DISTRICT_STAFF, Role.AUDITOR):
            return Scope(role=self.role, user_id=self.id)
        if self.role is Role.STREET_STAFF:
            # A street officer without an area sees nothing rather than everything.
            path = self.area.path if self.area is not None else "/none/"
            return Scope(role=self.role, area_path=path, user_id=self.id)
        if self.role is Role.ORG_STAFF:
            return Scope(
                role=self.role,
                organisation_id=self.organisation_id or -1,
                area_path=self.organisation.area.path if self.organisation else "/none/",
                user_id=self.id,
            )
        return Scope(role=self.role, volunteer_id=self.volunteer_id or -1, user_id=self.id)
