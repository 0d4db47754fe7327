"""The real pages in a real browser: a volunteer sees their approved hours, and a street
officer approves a pending record from the queue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD
from volunteer.volunteers.models import RecordStatus, ServiceRecord

pytestmark = pytest.mark.browser


def _login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    form = page.locator("form#login")
    form.locator("[name=username]").fill(username)
    form.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/login" not in page.url, page.locator(".error").all_inner_texts()


def test_volunteer_sees_own_hours(page, live_app, tmp_path):
    base_url, _, seed = live_app
    _login(page, base_url, "vol1")
    page.goto(f"{base_url}/me")
    assert page.locator("h1").inner_text().startswith(seed.volunteer_name)
    assert page.locator("#approved-hours").inner_text().strip() == "4"
    assert page.locator("#pending-count").inner_text().strip() == "1"
    rows = page.locator("#records tr")
    assert rows.count() == 1 + 3  # header + two approved + one pending
    assert "社区助老服务" in page.locator("#records").inner_text()
    # The page must fit a phone: nothing wider than the viewport forces sideways scrolling.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a 390px phone screen"
    shots = Path(os.environ.get("VOLUNTEER_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(shots / "volunteer-me.png"), full_page=True)


def test_street_officer_approves_pending_record(page, live_app):
    base_url, engine, seed = live_app
    _login(page, base_url, "street1")
    page.goto(f"{base_url}/records/pending")
    checkbox = page.locator(f"form#review input[name=record_id][value='{seed.pending_record_id}']")
    checkbox.check()
    with page.expect_navigation():
        page.get_by_role("button", name="通过所选").click()
    assert page.url.endswith("/records/pending")
    assert "已通过 1 条记录" in page.locator(".flash").inner_text()
    assert page.locator(f"input[name=record_id][value='{seed.pending_record_id}']").count() == 0
    with engine.connect() as connection:
        status = connection.scalar(
            sa.select(ServiceRecord.status).where(ServiceRecord.id == seed.pending_record_id)
        )
    assert status is RecordStatus.APPROVED
