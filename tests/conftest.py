"""Test fixtures in the cookiecutter style: the schema comes from `alembic upgrade head`,
each test runs inside a doomed transaction that is rolled back, and the WSGI app shares the
test's session. Set VOLUNTEER_TEST_DB_URL to run the suite on PostgreSQL."""

from __future__ import annotations

import os
import tempfile

import alembic.command
import alembic.config
import pytest
import sqlalchemy as sa
import transaction
import webtest
from pyramid.paster import get_appsettings
from pyramid.scripting import prepare
from pyramid.testing import DummyRequest, testConfig

from volunteer import main
from volunteer.db import get_tm_session

HERE = os.path.dirname(__file__)
INI = os.path.join(HERE, "..", "development.ini")


def _database_url(tmp_dir: str) -> str:
    return os.environ.get("VOLUNTEER_TEST_DB_URL") or f"sqlite:///{tmp_dir}/test.sqlite"


@pytest.fixture(scope="session")
def app_settings():
    settings = dict(get_appsettings(INI))
    settings["pyramid.reload_templates"] = "false"
    return settings


@pytest.fixture(scope="session")
def alembic_config():
    config = alembic.config.Config(INI)
    config.set_main_option("skip_logging_setup", "true")
    return config


@pytest.fixture(scope="session")
def dbengine(app_settings, alembic_config):
    with tempfile.TemporaryDirectory() as tmp_dir:
        engine = sa.create_engine(_database_url(tmp_dir))
        with engine.begin() as connection:
            alembic_config.attributes["connection"] = connection
            alembic.command.downgrade(alembic_config, "base")
            alembic.command.upgrade(alembic_config, "heads")
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def app(app_settings, dbengine):
    return main({}, dbengine=dbengine, **app_settings)


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(app, tm):
    session_factory = app.registry["dbsession_factory"]
    return get_tm_session(session_factory, tm)


@pytest.fixture
def testapp(app, tm, dbsession):
    return webtest.TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


@pytest.fixture
def app_request(app, tm, dbsession):
    """A real request from the app, for testing services that take request helpers."""
    with prepare(registry=app.registry) as env:
        request = env["request"]
        request.host = "example.com"
        request.dbsession = dbsession
        request.tm = tm
        yield request


@pytest.fixture
def dummy_request(tm, dbsession):
    request = DummyRequest()
    request.host = "example.com"
    request.dbsession = dbsession
    request.tm = tm
    return request


@pytest.fixture
def dummy_config(dummy_request):
    with testConfig(request=dummy_request) as config:
        yield config
