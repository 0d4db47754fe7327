"""Database plumbing: the declarative Base, column types shared by every domain, and the
engine/session/transaction wiring (cookiecutter style) that views, scripts and tests use."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

from volunteer.sqlite_wal import CHECKPOINTER

SHANGHAI = ZoneInfo("Asia/Shanghai")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so SQLite and
    PostgreSQL hold the same value and comparisons never mix zones."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_local() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC timestamp as Asia/Shanghai wall-clock time, for display."""
    return value.astimezone(SHANGHAI) if value is not None else None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets the web app read while an import writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run in a worker after commits, not inside them (see sqlite_wal).
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()


@event.listens_for(Engine, "commit")
def _checkpoint_later(connection):
    # Fires as the transaction commits; the checkpointer waits a moment before it starts.
    url = connection.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        CHECKPOINTER.after_commit_of(url.database)


def get_engine(settings, prefix="sqlalchemy."):
    return sa.engine_from_config(settings, prefix)


def get_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to the transaction manager: committed or aborted with the request."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    # Tests hand in their own engine (settings["dbengine"]) so the app shares their connection.
    dbengine = settings.get("dbengine") or get_engine(settings)
    session_factory = get_session_factory(dbengine)
    config.registry["dbsession_factory"] = session_factory

    def dbsession(request):
        # Tests may hand in a session bound to a doomed transaction (environ["app.dbsession"]).
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)


# 64-bit keys on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def str_enum(enum_cls, length: int = 20) -> sa.Enum:
    """A StrEnum stored by value (not by member name) in a VARCHAR, the same on every engine."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
