"""Plain factory functions for test data (no factory framework): each makes one thing with
sensible defaults and flushes it so ids exist."""

from __future__ import annotations

import datetime as dt
import itertools

from volunteer.accounts.models import User
from volunteer.accounts.passwords import hash_password
from volunteer.areas.models import AreaLevel, OrganisationKind
from volunteer.areas.services import add_area, add_organisation
from volunteer.authz import Role
from volunteer.db import today_local
from volunteer.pii import PiiVault
from volunteer.volunteers.idcard import IdType, check_digit
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import (
    Activity,
    Provenance,
    RecordStatus,
    ServiceRecord,
    Volunteer,
)

PASSWORD = "password123"
_serial = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}


def make_id_number(birth: dt.date = dt.date(1990, 5, 17), seq: int | None = None) -> str:
    seq = next(_serial) % 1000 if seq is None else seq
    first17 = f"420502{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def make_district(dbsession):
    """A district with two streets, each with two communities and a volunteer team."""
    district = add_area(dbsession, "测试区", AreaLevel.DISTRICT, None)
    tree = {"district": district}
    for s in (1, 2):
        street = add_area(dbsession, f"第{s}街道", AreaLevel.STREET, district)
        tree[f"street{s}"] = street
        for c in (1, 2):
            community = add_area(dbsession, f"第{s}-{c}社区", AreaLevel.COMMUNITY, street)
            tree[f"community{s}{c}"] = community
        tree[f"team{s}"] = add_organisation(
            dbsession, f"第{s}街道志愿服务队", OrganisationKind.TEAM, tree[f"community{s}1"]
        )
    return tree


def make_user(dbsession, username: str, role: Role, **scope) -> User:
    # argon2id is deliberately slow; hash the shared test password once.
    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = hash_password(PASSWORD)
    user = User(
        username=username,
        display_name=username,
        password_hash=_HASH_CACHE[PASSWORD],
        role=role,
        **scope,
    )
    dbsession.add(user)
    dbsession.flush()
    return user


def make_volunteer(dbsession, vault: PiiVault, area, name="张三", id_number=None, **extra):
    number = id_number or make_id_number()
    volunteer = Volunteer(
        volunteer_no=f"T{next(_serial):09d}",
        name=name,
        id_type=IdType.RESIDENT,
        id_cipher=vault.encrypt(number),
        id_index=vault.blind_index(number),
        id_masked=mask_id(number),
        sex="男",
        birth_date=dt.date(1990, 5, 17),
        area_id=area.id,
        **extra,
    )
    dbsession.add(volunteer)
    dbsession.flush()
    return volunteer


def make_activity(dbsession, organisation, name="社区助老", **extra) -> Activity:
    today = today_local()
    activity = Activity(
        name=name,
        organisation_id=organisation.id,
        area_id=organisation.area_id,
        starts_on=extra.pop("starts_on", today - dt.timedelta(days=60)),
        ends_on=extra.pop("ends_on", today),
        **extra,
    )
    dbsession.add(activity)
    dbsession.flush()
    return activity


def make_record(
    dbsession, volunteer, activity, minutes=120, days_ago=1, status=RecordStatus.PENDING
):
    record = ServiceRecord(
        volunteer_id=volunteer.id,
        activity_id=activity.id,
        service_date=today_local() - dt.timedelta(days=days_ago),
        minutes=minutes,
        provenance=Provenance.STAFF,
        status=status,
    )
    dbsession.add(record)
    dbsession.flush()
    return record


def login(testapp, username: str, password: str = PASSWORD):
    page = testapp.get("/login")
    form = page.forms["login"]
    form["username"] = username
    form["password"] = password
    return form.submit(status=303)


def csrf(testapp) -> str:
    """The CSRF token the app set in its cookie (CookieCSRFStoragePolicy)."""
    testapp.get("/login")
    return testapp.cookies["csrf_token"]
