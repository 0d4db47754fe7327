"""Area tree with a materialised path for subtree scoping, and organisations under areas."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, UTCDateTime, str_enum, utcnow


class AreaLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


AREA_LEVEL_LABELS = {
    AreaLevel.DISTRICT: "区",
    AreaLevel.STREET: "街道",
    AreaLevel.COMMUNITY: "社区",
}


class OrganisationKind(StrEnum):
    TEAM = "team"
    SOCIAL_ORG = "social_org"
    STATION = "station"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.TEAM: "志愿服务队",
    OrganisationKind.SOCIAL_ORG: "社会组织",
    OrganisationKind.STATION: "社工站",
}


class RegistrationStatus(StrEnum):
    UNFILED = "unfiled"
    FILED = "filed"
    REGISTERED = "registered"


REGISTRATION_LABELS = {
    RegistrationStatus.UNFILED: "未备案",
    RegistrationStatus.FILED: "已备案",
    RegistrationStatus.REGISTERED: "已登记",
}


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    level: Mapped[AreaLevel] = mapped_column(str_enum(AreaLevel, 12))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"))
    # "/1/4/27/": every ancestor's id, so "is in my street" is one prefix comparison.
    path: Mapped[str] = mapped_column(sa.String(120), index=True, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent = relationship("Area", remote_side=[id])

    __table_args__ = (sa.UniqueConstraint("parent_id", "name"),)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, 20))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    leader: Mapped[str | None] = mapped_column(sa.String(60))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    registration: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, 12),
        default=RegistrationStatus.UNFILED,
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area", lazy="joined")
