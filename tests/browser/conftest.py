"""Browser-test fixtures: the real app served by waitress on a free loopback port, over its own
migrated SQLite database with committed seed data, and Debian's chromium driven by Playwright.

Chromium is never downloaded: outside CI a missing /usr/bin/chromium skips these tests; with
CI=true it fails them."""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass

import alembic.command
import alembic.config
import pytest
import sqlalchemy as sa
from pyramid.paster import get_appsettings
from webtest.http import StopableWSGIServer

from tests.factories import (
    make_activity,
    make_district,
    make_record,
    make_user,
    make_volunteer,
)
from volunteer import main
from volunteer.authz import Role
from volunteer.db import get_session_factory
from volunteer.pii import PiiVault
from volunteer.volunteers.models import RecordStatus

HERE = os.path.dirname(__file__)
INI = os.path.join(HERE, "..", "..", "development.ini")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Seed:
    volunteer_name: str
    approved_minutes: int
    pending_record_id: int


def _unavailable(reason: str):
    # In CI the browser test is part of "done": a missing browser is a failure, not a skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test may not be skipped)")
    pytest.skip(reason)


def _seed(engine, settings) -> Seed:
    """Committed rows through the real factories: the server thread has its own sessions."""
    session = get_session_factory(engine)()
    with session.begin():
        tree = make_district(session)
        vault = PiiVault.from_settings(settings)
        volunteer = make_volunteer(session, vault, tree["community11"], name="阿依古丽·买买提")
        activity = make_activity(session, tree["team1"], name="社区助老服务")
        make_record(session, volunteer, activity, 150, days_ago=3, status=RecordStatus.APPROVED)
        make_record(session, volunteer, activity, 90, days_ago=5, status=RecordStatus.APPROVED)
        make_record(session, volunteer, activity, 60, days_ago=1)
        # The officer approves someone else's record, so the two tests do not depend on order.
        other = make_volunteer(session, vault, tree["community12"], name="欧阳明月")
        pending = make_record(session, other, activity, 60, days_ago=2)
        make_user(session, "vol1", Role.VOLUNTEER, volunteer_id=volunteer.id)
        make_user(session, "street1", Role.STREET_STAFF, area_id=tree["street1"].id)
        seed = Seed(volunteer.name, 240, pending.id)
    session.close()
    return seed


@pytest.fixture(scope="module")
def live_app():
    """(base_url, engine, seed) of the app served by waitress in a background thread."""
    with tempfile.TemporaryDirectory() as tmp_dir:
        url = f"sqlite:///{tmp_dir}/browser.sqlite"
        settings = dict(get_appsettings(INI))
        settings.update({"sqlalchemy.url": url, "pyramid.reload_templates": "false"})
        engine = sa.create_engine(url)
        config = alembic.config.Config(INI)
        config.set_main_option("skip_logging_setup", "true")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            alembic.command.upgrade(config, "heads")
        seed = _seed(engine, settings)
        # Port 0: the OS picks a free port when waitress binds, so there is no race for it;
        # the socket listens from construction on, so no readiness polling is needed.
        app = main({}, dbengine=engine, **settings)
        server = StopableWSGIServer(app, host="127.0.0.1", port=0, threads=2)
        runner = threading.Thread(target=server.run, name="waitress", daemon=True)
        runner.start()
        try:
            yield f"http://127.0.0.1:{server.effective_port}", engine, seed
        finally:
            server.shutdown()
            runner.join(timeout=5)
            engine.dispose()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """A persistent chromium context on a fresh profile directory (phone-sized viewport)."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(chromium):
    """A fresh tab with no cookies left over from the previous test's login."""
    chromium.clear_cookies()
    tab = chromium.new_page()
    yield tab
    tab.close()
