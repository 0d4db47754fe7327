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


# --- funds ------------------------------------------------------------------------------------


def funds_services(dbsession, actor=None):
    """Fund, donation, programme and disbursement services acting as `actor` (an admin
    system actor by default), sharing one audit log."""
    from volunteer.audit import AuditLog
    from volunteer.authz import SYSTEM_SCOPE
    from volunteer.funds.disbursements import DisbursementService
    from volunteer.funds.donations import DonationService
    from volunteer.funds.funds import FundService
    from volunteer.funds.ledger import LedgerService
    from volunteer.funds.programmes import ProgrammeService

    scope = actor.scope if actor is not None else SYSTEM_SCOPE
    audit = AuditLog(dbsession, actor.id if actor else None, actor.username if actor else "system")
    return {
        "funds": FundService(dbsession, scope, audit),
        "donations": DonationService(dbsession, scope, audit),
        "programmes": ProgrammeService(dbsession, scope, audit),
        "disbursements": DisbursementService(dbsession, scope, audit),
        "ledger": LedgerService(dbsession, scope, audit),
    }


def make_fund(dbsession, community, code=None, restricted=True, **extra):
    from volunteer.funds.funds import FundInput

    code = code or f"F{next(_serial):05d}"
    service = funds_services(dbsession)["funds"]
    return service.create_fund(
        FundInput(code=code, community_id=community.id, restricted=restricted, **extra)
    )


def make_project(dbsession, fund, code=None, name="幸福家园互助项目", **extra):
    from volunteer.funds.funds import ProjectInput

    code = code or f"P{next(_serial):05d}"
    service = funds_services(dbsession)["funds"]
    return service.create_project(ProjectInput(code=code, name=name, fund_id=fund.id, **extra))


DONATION_DAY = dt.datetime(2024, 4, 8, 2, 0, tzinfo=dt.UTC)


def make_donation(dbsession, project, amount_fen=10_000, minutes=0, receipt=None, **extra):
    """A donation `minutes` after 2024-04-08 10:00 Shanghai, recorded through the service."""
    from volunteer.funds.donations import DonationInput

    data = DonationInput(
        receipt_no=receipt or f"R{next(_serial):08d}",
        donor_name=extra.pop("donor_name", "爱心人士"),
        amount_fen=amount_fen,
        received_at=DONATION_DAY + dt.timedelta(minutes=minutes),
        project_id=project.id,
        **extra,
    )
    return funds_services(dbsession)["donations"].record(data)


def make_programme(dbsession, code=None, ratio="0.5", pool_fen=10_000_000, **extra):
    """An active programme open through 2024 (Shanghai) unless told otherwise."""
    from volunteer.funds.programme_models import SponsorLevel
    from volunteer.funds.programmes import ProgrammeInput

    code = code or f"M{next(_serial):05d}"
    data = ProgrammeInput(
        code=code,
        name=extra.pop("name", f"配捐计划{code}"),
        sponsor=extra.pop("sponsor", "湖北省慈善总会"),
        level=extra.pop("level", SponsorLevel.PROVINCE),
        ratio=ratio,
        pool_fen=pool_fen,
        starts_at=extra.pop("starts_at", dt.datetime(2023, 12, 31, 16, 0, tzinfo=dt.UTC)),
        ends_at=extra.pop("ends_at", dt.datetime(2024, 12, 31, 16, 0, tzinfo=dt.UTC)),
        **extra,
    )
    return funds_services(dbsession)["programmes"].create(data)


def make_fund_world(dbsession, community, prefix):
    """A fund of `community` with a project, a 1,000-yuan donation, a programme scoped to the
    project (ratio 0.5) and a pending 100-yuan disbursement request."""
    from volunteer.funds.disbursements import DisbursementInput
    from volunteer.funds.models import ExpenseClass

    fund = make_fund(dbsession, community, code=f"{prefix}-F")
    project = make_project(dbsession, fund, code=f"{prefix}-P", name=f"{community.name}幸福家园")
    programme = make_programme(dbsession, f"{prefix}-M", project_ids=[project.id])
    donation = make_donation(dbsession, project, 1000_00, receipt=f"{prefix}-R1")
    disbursement = funds_services(dbsession)["disbursements"].request(
        DisbursementInput(
            fund_id=fund.id,
            amount_fen=100_00,
            expense_class=ExpenseClass.ELDERLY,
            purpose="重阳节慰问",
            project_id=project.id,
        )
    )
    return {
        "fund": fund,
        "project": project,
        "programme": programme,
        "donation": donation,
        "disbursement": disbursement,
    }
