"""The threaded job runner as it runs in production: an app on a database of its own (the
jobs commit in their own transactions, which the doomed test transaction could not see),
upload → progress polled as JSON → preview → confirm → committed by the job's thread."""

from __future__ import annotations

import threading
import time

import alembic.command
import alembic.config
import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

from tests.conftest import INI
from tests.factories import login, make_user
from tests.samples_build import sample, seed_xiling
from volunteer import main
from volunteer.authz import Role
from volunteer.pii import PiiVault
from volunteer.spreadsheets.models import ImportBatch
from volunteer.volunteers.models import ServiceRecord

pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture
def live(app_settings, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'live.sqlite'}")
    config = alembic.config.Config(INI)
    config.set_main_option("skip_logging_setup", "true")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic.command.upgrade(config, "heads")
    settings = {**app_settings, "volunteer.upload_dir": str(tmp_path / "uploads")}
    with Session(engine) as session:
        seed_xiling(session, PiiVault.from_settings(settings), settings)
        make_user(session, "district", Role.DISTRICT_STAFF)
        session.commit()
    app = main({}, dbengine=engine, **settings)
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}), engine
    engine.dispose()


def wait(testapp, page) -> webtest.TestResponse:
    """Poll the progress endpoint as the page's script does, then reload the page."""
    progress = page.html.select_one("#progress")
    deadline = time.monotonic() + 60
    while progress is not None and time.monotonic() < deadline:
        if testapp.get(progress["data-url"]).json["state"] != "running":
            break
        time.sleep(0.05)
    return testapp.get(page.request.path)


def test_jobs_run_in_their_own_thread_and_transaction(live):
    testapp, engine = live
    login(testapp, "district")
    form = testapp.get("/imports").forms["upload"]
    form["kind"] = "hours"
    form["file"] = webtest.Upload("hours.xlsx", sample("hours").read_bytes())
    preview = wait(testapp, form.submit(status=303).follow())
    assert [c.text for c in preview.html.select("#counts .big")] == ["22", "22", "0", "0", "0"]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 0
    done = wait(testapp, preview.forms["confirm"].submit(status=303).follow())
    assert "已导入，导入批次 #" in done.text
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 22
        batch = conn.execute(sa.select(ImportBatch).where(ImportBatch.kind == "hours")).one()
    assert (batch.filename, batch.created, batch.actor_name) == ("hours.xlsx", 22, "district")


def test_a_refused_file_fails_the_job_with_its_reason(live):
    testapp, _ = live
    login(testapp, "district")
    form = testapp.get("/imports").forms["upload"]
    form["kind"] = "hours"
    form["file"] = webtest.Upload("x.xlsx", sample("hours_missing_column").read_bytes())
    page = wait(testapp, form.submit(status=303).follow())
    assert page.html.select_one("#refused").text == "缺少必填列：服务日期"


@pytest.fixture
def import_commits(live):
    """Listeners on the commits of import threads only (the job's own transaction)."""
    _, engine = live
    listeners = []

    def add(action):
        def listener(connection):
            if threading.current_thread().name.startswith("import-"):
                action()

        sa.event.listen(engine, "commit", listener)
        listeners.append(listener)

    yield add
    for listener in listeners:
        sa.event.remove(engine, "commit", listener)


def _confirmed(testapp):
    login(testapp, "district")
    form = testapp.get("/imports").forms["upload"]
    form["kind"] = "hours"
    form["file"] = webtest.Upload("hours.xlsx", sample("hours").read_bytes())
    preview = wait(testapp, form.submit(status=303).follow())
    return wait(testapp, preview.forms["confirm"].submit(status=303).follow())


def test_a_job_is_done_only_once_its_rows_are_committed(live, import_commits):
    testapp, engine = live
    import_commits(lambda: time.sleep(0.5))  # a slow disk
    done = _confirmed(testapp)
    assert "已导入，导入批次 #" in done.text
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 22


def test_a_commit_that_fails_is_not_reported_as_imported(live, import_commits):
    testapp, engine = live

    def fail():
        raise OSError("disk full")

    import_commits(fail)
    done = _confirmed(testapp)
    assert "已导入" not in done.text
    assert "未写入任何数据" in done.text
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == 0
