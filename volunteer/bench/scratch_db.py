"""Scratch databases for the import benchmark: a fresh, migrated SQLite file or PostgreSQL
database per measurement, so each import starts from the same registered volunteers."""

from __future__ import annotations

import os
import shutil

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import AreaLevel, OrganisationKind
from volunteer.areas.services import add_area, add_organisation
from volunteer.bench.common import Context
from volunteer.bench.databases import migrate, pg_database, wipe
from volunteer.counters import reserve
from volunteer.pii import PiiVault
from volunteer.volunteers.idcard import IdType
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import Volunteer
from volunteer.volunteers.services import format_volunteer_no

ORGS = ("西陵街道阳光志愿服务队", "西陵区爱心助老协会", "学院街道红马甲志愿服务队")


class FreshDatabase:
    """A database with the volunteers registered and no records, new for every import."""

    def __init__(self, ctx: Context, work: str, people):
        self.ctx = ctx
        if ctx.engine == "sqlite":
            self.template = os.path.join(work, "template.sqlite")
            self.url = f"sqlite:///{os.path.abspath(os.path.join(work, 'run.sqlite'))}"
            template_url = f"sqlite:///{os.path.abspath(self.template)}"
            wipe(sa.create_engine(template_url))
            self._build(template_url, people)
        else:
            self.people = people
            self.url = pg_database(ctx.pg_url, "volunteer_bench_imports")

    def __call__(self) -> sa.Engine:
        if self.ctx.engine == "sqlite":
            wipe(sa.create_engine(self.url))
            shutil.copy(self.template, self.url.removeprefix("sqlite:///"))
        else:
            engine = sa.create_engine(self.url)
            wipe(engine)
            engine.dispose()
            self._build(self.url, self.people)
        return sa.create_engine(self.url)

    def _build(self, url: str, people) -> None:
        engine = sa.create_engine(url)
        migrate(self.ctx, engine)
        vault = PiiVault.from_settings(self.ctx.settings)
        with Session(engine) as session, session.begin():
            district = add_area(session, "西陵区", AreaLevel.DISTRICT, None)
            street = add_area(session, "西陵街道", AreaLevel.STREET, district)
            community = add_area(session, "胜利四路社区", AreaLevel.COMMUNITY, street)
            for org in ORGS:
                add_organisation(session, org, OrganisationKind.TEAM, community)
            first = reserve(session, "volunteer_no", len(people))
            session.execute(
                sa.insert(Volunteer.__table__),
                [
                    {
                        "volunteer_no": format_volunteer_no(first + i),
                        "name": name,
                        "id_type": IdType.RESIDENT,
                        "id_cipher": vault.encrypt(number),
                        "id_index": vault.blind_index(number),
                        "id_masked": mask_id(number),
                        "area_id": community.id,
                        "version": 1,
                    }
                    for i, (name, number) in enumerate(people)
                ],
            )
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
