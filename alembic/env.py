"""Alembic environment: reads the database URL from the Pyramid ini (or a connection handed in
by the tests through config.attributes["connection"]) and compares against every model."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import engine_from_config, pool

from volunteer.models import Base
from volunteer.references import compared_in_schema

config = context.config
target_metadata = Base.metadata


def _settings():
    ini = config.config_file_name
    if ini and config.get_main_option("skip_logging_setup") != "true":
        setup_logging(ini)
    return get_appsettings(ini) if ini else {}


def run_migrations_offline():
    context.configure(url=_settings()["sqlalchemy.url"], target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    engine = engine_from_config(_settings(), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure_and_run(connection)


def _configure_and_run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables when a migration needs it.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=compared_in_schema(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
