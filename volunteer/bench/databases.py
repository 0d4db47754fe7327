"""The bench's own databases: named per section and scale, created on the PostgreSQL
server when missing, wiped and migrated to heads the way the application migrates."""

from __future__ import annotations

import os

import alembic.command
import alembic.config
import sqlalchemy as sa

from volunteer.bench.common import Context
from volunteer.sqlite_wal import CHECKPOINTER


def scale_suffix(ctx: Context) -> str:
    # Quick runs at another scale keep their own database, so they never wipe the full one.
    return "" if ctx.scale == 1.0 else "_s" + f"{ctx.scale:g}".replace(".", "_")


def pg_database(server_url: str, name: str) -> str:
    """The URL of database `name` on the server, created first if it does not exist."""
    server = sa.make_url(server_url)
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def wipe(engine: sa.Engine) -> None:
    """Drop everything: the public schema on PostgreSQL, the files of a SQLite database."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        return
    path = engine.url.database
    engine.dispose()
    CHECKPOINTER.forget(path)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def migrate(ctx: Context, engine: sa.Engine) -> None:
    config = alembic.config.Config(ctx.ini)
    config.set_main_option("skip_logging_setup", "true")
    # The ini names the scripts relative to itself: the bench may run from anywhere.
    here = os.path.dirname(os.path.abspath(ctx.ini))
    config.set_main_option("script_location", os.path.join(here, "alembic"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        alembic.command.upgrade(config, "heads")


def missing_indexes(engine: sa.Engine) -> set[str]:
    """Indexes the models declare that the database lacks: a reused database built before an
    index was added to an already applied migration would otherwise be measured without it."""
    from volunteer.models import Base  # every model, as alembic sees them

    inspector = sa.inspect(engine)
    present = {
        index["name"]
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }
    declared = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    return declared - present
