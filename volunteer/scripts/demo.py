"""The demo district, modelled on Yichang's Xiling district ("1+7+66"): 7 streets, 66
communities, social-work stations, teams and organisations, a few thousand volunteers with a
year of service records, and a user for every role (passwords in the README)."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.accounts.services import AccountService
from volunteer.areas.models import Area, AreaLevel, OrganisationKind
from volunteer.areas.services import add_area, add_organisation
from volunteer.audit import SYSTEM_ACTOR, AuditLog
from volunteer.authz import Role
from volunteer.counters import reserve
from volunteer.db import today_local
from volunteer.pii import PiiVault
from volunteer.scripts import demo_people
from volunteer.scripts.demo_hours import build_activities, build_records
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import Volunteer
from volunteer.volunteers.services import format_volunteer_no

STREETS = {
    "西陵街道": [
        "西陵一路",
        "胜利四路",
        "绿萝路",
        "珍珠路",
        "南湖",
        "石板溪",
        "解放路",
        "云集路",
        "北山坡",
    ],
    "学院街道": [
        "东山",
        "湖堤",
        "三峡大学",
        "桃花岭",
        "铁路坝",
        "清江",
        "大公桥",
        "钟鼓楼",
        "中书",
    ],
    "云集街道": [
        "福绥路",
        "滨江",
        "尔雅",
        "南正街",
        "文化里",
        "一马路",
        "二马路",
        "天官桥",
        "珠宝",
    ],
    "西坝街道": ["建设路", "庙咀", "西坝", "船厂", "巴山", "三江", "葛洲坝一", "小北门", "西湖"],
    "葛洲坝街道": [
        "葛洲坝二",
        "葛洲坝三",
        "樵湖",
        "沿江",
        "紫阳",
        "金缔",
        "西湖公园",
        "泰和",
        "港城",
        "新建",
    ],
    "夜明珠街道": [
        "夜明珠",
        "东苑",
        "西苑",
        "北苑",
        "南苑",
        "宜都路",
        "天鹅湖",
        "电力",
        "苏家坡",
        "平湖",
    ],
    "窑湾街道": [
        "窑湾",
        "乐天溪",
        "土门",
        "东湖",
        "桔城",
        "谭艾",
        "紫阳湖",
        "黄河路",
        "城东",
        "八一",
    ],
}
DEMO_PASSWORDS = {
    "admin": ("系统管理员", Role.ADMIN, "admin12345"),
    "district": ("区民政局 王科长", Role.DISTRICT_STAFF, "district123"),
    "street": ("西陵街道 李干事", Role.STREET_STAFF, "street1234"),
    "street2": ("学院街道 赵干事", Role.STREET_STAFF, "street1234"),
    "org": ("西陵一路志愿服务队 陈队长", Role.ORG_STAFF, "org123456"),
    "auditor": ("审计 刘会计", Role.AUDITOR, "auditor123"),
    "volunteer": ("志愿者 张晓梅", Role.VOLUNTEER, "volunteer123"),
}


def build_areas(dbsession: Session) -> tuple[Area, list[Area], list[Area]]:
    district = add_area(dbsession, "西陵区", AreaLevel.DISTRICT, None)
    streets, communities = [], []
    for street_name, names in STREETS.items():
        street = add_area(dbsession, street_name, AreaLevel.STREET, district)
        streets.append(street)
        communities += [add_area(dbsession, f"{n}社区", AreaLevel.COMMUNITY, street) for n in names]
    return district, streets, communities


def build_organisations(dbsession, rng, streets, communities):
    orgs = []
    for street in streets:
        orgs.append(
            add_organisation(
                dbsession, f"{street.name}社会工作服务站", OrganisationKind.STATION, street
            )
        )
    for community in communities:
        orgs.append(
            add_organisation(
                dbsession,
                f"{community.name}志愿服务队",
                OrganisationKind.TEAM,
                community,
                leader=demo_people.name(rng),
                phone=demo_people.phone(rng),
            )
        )
    for i, street in enumerate(streets):
        for kind_name in ("邻里互助会", "老年协会", "青少年成长服务中心"):
            orgs.append(
                add_organisation(
                    dbsession,
                    f"西陵区{street.name[:2]}{kind_name}",
                    OrganisationKind.SOCIAL_ORG,
                    communities[i * 9 + 1],
                    leader=demo_people.name(rng),
                )
            )
    return orgs


def build_volunteers(dbsession, vault: PiiVault, rng, communities, teams, count: int, today):
    first = reserve(dbsession, "volunteer_no", count)
    rows = []
    used: set[str] = set()
    for i in range(count):
        community = rng.choice(communities)
        team = teams[communities.index(community)]
        number, birth, sex = demo_people.resident_id(rng, today, used=used)
        minor = (today - birth).days < 18 * 365.25
        rows.append(
            {
                "volunteer_no": format_volunteer_no(first + i),
                "name": "张晓梅" if i == 0 else demo_people.name(rng, i),
                "id_type": "resident",
                "id_cipher": vault.encrypt(number),
                "id_index": vault.blind_index(number),
                "id_masked": mask_id(number),
                "sex": sex,
                "birth_date": birth,
                "phone": demo_people.phone(rng),
                "area_id": community.id,
                "organisation_id": team.id if rng.random() < 0.7 else None,
                "skills": rng.choice(
                    ["", "医疗护理", "心理疏导", "法律咨询", "摄影", "驾驶", "电脑维修"]
                )
                or None,
                "guardian_name": demo_people.name(rng) if minor else None,
                "guardian_consent_on": today - dt.timedelta(days=200) if minor else None,
                "version": 1,
            }
        )
    # Core insert on the table: one executemany, not the ORM's per-row statements.
    dbsession.execute(sa.insert(Volunteer.__table__), rows)
    return list(dbsession.execute(sa.select(Volunteer.id, Volunteer.area_id)).all())


def load_demo(dbsession: Session, settings, volunteers: int = 3000) -> bool:
    """Load the demo district into an empty database; returns False if data already exists."""
    if dbsession.scalar(sa.select(sa.func.count(Area.id))):
        return False
    rng = random.Random(20241008)  # fixed seed: the same demo on every machine
    today = today_local()
    vault = PiiVault.from_settings(settings)
    audit = AuditLog(dbsession, None, SYSTEM_ACTOR)
    district, streets, communities = build_areas(dbsession)
    orgs = build_organisations(dbsession, rng, streets, communities)
    teams = [o for o in orgs if o.kind is OrganisationKind.TEAM]
    people = build_volunteers(dbsession, vault, rng, communities, teams, volunteers, today)
    accounts = AccountService(dbsession)
    users = {}
    for username, (display, role, password) in DEMO_PASSWORDS.items():
        users[username] = accounts.create_user(
            audit,
            username=username,
            display_name=display,
            password=password,
            role=role,
            area_id={"street": streets[0].id, "street2": streets[1].id}.get(username),
            organisation_id=teams[0].id if role is Role.ORG_STAFF else None,
            volunteer_id=people[0][0] if role is Role.VOLUNTEER else None,
        )
    activities = build_activities(dbsession, rng, teams, today)
    records = build_records(dbsession, rng, people, activities, users["district"].id)
    audit.record(
        "demo.load", "database", None, after={"volunteers": len(people), "records": records}
    )
    for extra in _extra_loaders():
        extra(
            dbsession,
            settings,
            rng,
            district=district,
            streets=streets,
            communities=communities,
            organisations=orgs,
            users=users,
            audit=audit,
        )
    return True


def _extra_loaders():
    """Demo sections of the other domains (funds, incubation), each in its own module."""
    from volunteer.funds import demo as funds_demo
    from volunteer.incubation import demo as incubation_demo

    return [funds_demo.load, incubation_demo.load]
