"""Login, logout, throttling and CSRF through the real app."""

import sqlalchemy as sa

from tests.factories import PASSWORD, csrf, login
from volunteer.audit import AuditEntry


def test_anonymous_is_sent_to_login(testapp):
    response = testapp.get("/volunteers", status=303)
    assert "/login" in response.location


def test_login_and_logout(testapp, district):
    login(testapp, "street1")
    assert "第1街道" in testapp.get("/").text or testapp.get("/").status_int == 200
    testapp.post("/logout", {"csrf_token": testapp.cookies["csrf_token"]}, status=303)
    assert testapp.get("/volunteers", status=303)


def test_wrong_password_is_refused(testapp, district):
    page = testapp.get("/login")
    form = page.forms["login"]
    form["username"] = "street1"
    form["password"] = "wrong-password"
    response = form.submit(status=400)
    assert "用户名或密码错误" in response.text


def test_repeated_failures_lock_the_account(testapp, district, dbsession):
    for _ in range(5):
        form = testapp.get("/login").forms["login"]
        form["username"], form["password"] = "street1", "nope-nope"
        form.submit(status=400)
    form = testapp.get("/login").forms["login"]
    form["username"], form["password"] = "street1", PASSWORD
    response = form.submit(status=400)
    assert "登录失败次数过多" in response.text
    assert dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "login.locked"))


def test_post_without_csrf_token_is_refused(testapp, district):
    login(testapp, "street1")
    testapp.post("/records/review", {"record_id": "1"}, status=400)


def test_login_form_itself_needs_csrf(testapp, district):
    testapp.post("/login", {"username": "street1", "password": PASSWORD}, status=400)


def test_csrf_cookie_is_set(testapp):
    assert csrf(testapp)
