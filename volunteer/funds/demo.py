"""The funds part of the demo district (Xiling style): 宜昌市西陵区慈善会 hosts one community
fund per community, 200 幸福家园 mutual-aid projects share them, a few thousand public
donations arrive over a campaign, and a provincial and a city programme stack on top.

Figures are pinned so the reports show realised ratios per sponsor: the public gives
865,700.00 yuan (after two refunds), the province matches 95,900.00 and the city 184,900.00
(both pools run out). The provincial programme is settled, one disbursement is approved and
the months before the campaign are locked. Everything goes through the services, so the
ledger, the hash chains and the matches are exactly what staff would have produced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import SHANGHAI, today_local
from volunteer.funds.disbursements import DisbursementInput, DisbursementService
from volunteer.funds.donations import DonationInput, DonationService
from volunteer.funds.funds import FundInput, FundService, ProjectInput
from volunteer.funds.ledger import LedgerService
from volunteer.funds.models import ExpenseClass
from volunteer.funds.programme_models import SponsorLevel
from volunteer.funds.programmes import ProgrammeInput, ProgrammeService
from volunteer.scripts import demo_people

PROJECTS = 200
PUBLIC_FEN = 865_700_00
PROVINCE_POOL_FEN = 95_900_00
CITY_POOL_FEN = 184_900_00
THEMES = [
    "老年助餐",
    "困境儿童关爱",
    "社区微更新",
    "助残康复",
    "邻里互助",
    "四点半课堂",
    "独居老人探访",
]
CHANNELS = ["腾讯公益", "支付宝公益", "银行转账", "现场捐赠"]
# Yuan amounts people actually give online, with how often they give them.
AMOUNTS = [(10, 20), (20, 15), (50, 18), (66, 5), (88, 5), (100, 17), (200, 8), (500, 7),
           (1000, 3), (2000, 1), (5000, 1)]  # fmt: skip


def _services(dbsession: Session, user=None):
    scope = user.scope if user is not None else SYSTEM_SCOPE
    audit = AuditLog(dbsession, user.id if user else None, user.username if user else "system")
    return dbsession, scope, audit


def load(dbsession, settings, rng, *, district, streets, communities, organisations, users, audit):
    today = today_local()
    campaign_start = dt.datetime.combine(today - dt.timedelta(days=120), dt.time(), SHANGHAI)
    campaign_end = dt.datetime.combine(today - dt.timedelta(days=30), dt.time(), SHANGHAI)
    staff = _services(dbsession, users.get("district"))
    projects = _funds_and_projects(dbsession, rng, communities, campaign_start.date())
    programmes = ProgrammeService(*staff)
    window = {"starts_at": campaign_start.astimezone(dt.UTC), "ends_at": campaign_end}
    province = programmes.create(
        ProgrammeInput(
            code="HB-2024-PROV",
            name="湖北省“幸福家园”互助项目配捐",
            sponsor="湖北省慈善总会",
            level=SponsorLevel.PROVINCE,
            ratio="0.15",
            pool_fen=PROVINCE_POOL_FEN,
            per_project_cap_fen=800_00,
            priority=1,
            **window,
        )
    )
    programmes.create(
        ProgrammeInput(
            code="YC-2024-CITY",
            name="宜昌市社区慈善基金配捐",
            sponsor="宜昌市慈善总会",
            level=SponsorLevel.CITY,
            ratio="0.25",
            pool_fen=CITY_POOL_FEN,
            per_donation_cap_fen=1000_00,
            priority=2,
            **window,
        )
    )
    donations = DonationService(*staff)
    gifts = _donations(rng, projects, campaign_start, campaign_end)
    recorded = donations.record_many(gifts).created
    # Two gifts made by mistake and returned before settlement: as if never made.
    for donation in recorded[-2:]:
        donations.refund(donation, "捐赠人误操作，申请退回")
    programmes.settle(province)
    _disbursement(dbsession, users, projects[0])
    LedgerService(*staff).lock_period(
        None, campaign_start.date() - dt.timedelta(days=1), "上年度已结账"
    )


def _funds_and_projects(dbsession, rng, communities, start: dt.date):
    funds = FundService(*_services(dbsession))
    by_community = []
    for number, community in enumerate(communities, start=1):
        fund = funds.create_fund(
            FundInput(
                code=f"XL-F{number:03d}",
                community_id=community.id,
                agreement_no=f"西慈协〔2024〕{number}号",
                agreement_date=start - dt.timedelta(days=rng.randint(30, 300)),
                purpose="用于本社区困难群众帮扶、为老服务和社区公益项目",
                # A few communities chose an unrestricted fund.
                restricted=number % 11 != 0,
                committee=f"{community.name}社区慈善基金管理委员会",
                supervisor=demo_people.name(rng),
            )
        )
        by_community.append(fund)
    projects = []
    for number in range(1, PROJECTS + 1):
        fund = by_community[(number - 1) % len(by_community)]
        theme = THEMES[number % len(THEMES)]
        projects.append(
            funds.create_project(
                ProjectInput(
                    code=f"XL-P{number:03d}",
                    name=f"{fund.community.name}幸福家园·{theme}",
                    fund_id=fund.id,
                    target_fen=rng.choice([5_000, 8_000, 10_000, 20_000]) * 100,
                    starts_on=start,
                    ends_on=start + dt.timedelta(days=90),
                )
            )
        )
    return projects


def _donations(rng, projects, start: dt.datetime, end: dt.datetime) -> list[DonationInput]:
    """Gifts adding up to exactly PUBLIC_FEN, plus two that will be refunded."""
    donors = [(demo_people.name(rng, i), f"wx:{rng.getrandbits(40):010x}") for i in range(1200)]
    seconds = int((end - start).total_seconds())
    amounts, total = [], 0
    while total < PUBLIC_FEN:
        yuan = rng.choices([a for a, _ in AMOUNTS], weights=[w for _, w in AMOUNTS])[0]
        fen = min(yuan * 100 + rng.choice([0, 0, 0, 66, 88]), PUBLIC_FEN - total)
        amounts.append(fen)
        total += fen
    amounts += [100_00, 50_00]
    gifts = []
    for number, fen in enumerate(amounts, start=1):
        donor, key = rng.choice(donors)
        anonymous = rng.random() < 0.1
        gifts.append(
            DonationInput(
                receipt_no=f"GY2024{number:07d}",
                donor_name=donor,
                donor_key=None if rng.random() < 0.2 else key,
                anonymous=anonymous,
                amount_fen=fen,
                received_at=(start + dt.timedelta(seconds=rng.randrange(seconds))).astimezone(
                    dt.UTC
                ),
                project_id=rng.choice(projects).id,
                channel=rng.choice(CHANNELS),
            )
        )
    # The last two (by time) are the ones refunded, so the refunds replay only a short tail.
    gifts[-2:] = [
        DonationInput(
            **{**g.__dict__, "received_at": end.astimezone(dt.UTC) - dt.timedelta(minutes=i + 1)}
        )
        for i, g in enumerate(gifts[-2:])
    ]
    return gifts


def _disbursement(dbsession, users, project) -> None:
    maker = DisbursementService(*_services(dbsession, users.get("street")))
    checker = DisbursementService(*_services(dbsession, users.get("district")))
    fund = project.fund
    request = maker.request(
        DisbursementInput(
            fund_id=fund.id,
            project_id=project.id,
            amount_fen=300_00,
            expense_class=ExpenseClass.ELDERLY,
            purpose="重阳节高龄独居老人慰问",
            voucher_no="XL-ZC-2024-001",
        )
    )
    checker.approve(request, "同意，按预算执行")
