"""The migrations build exactly the models' schema, and downgrade cleanly to nothing."""

import alembic.command
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from volunteer.models import Base
from volunteer.references import compared_in_schema


def test_migrations_match_models(dbengine):
    with dbengine.connect() as connection:
        opts = {
            "compare_type": True,
            "include_object": compared_in_schema(connection.dialect.name),
        }
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(alembic_config, dbengine):
    with dbengine.begin() as connection:
        alembic_config.attributes["connection"] = connection
        alembic.command.downgrade(alembic_config, "base")
        remaining = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        alembic.command.upgrade(alembic_config, "heads")
        assert "volunteers" in sa.inspect(connection).get_table_names()
