"""The incubation part of the demo district: an incubation case in every state, filings
(including organisations late with their annual reports) and one completed venture-philanthropy
call with reviewers, a recusal, scores, ranking, awards and tranches. Everything is walked
through the services with a clock set in the past, so each record has a real history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from volunteer.areas.models import OrganisationKind
from volunteer.audit import AuditLog
from volunteer.authz import Role, Scope
from volunteer.db import SHANGHAI, today_local
from volunteer.incubation.calls import CallInput, CallService
from volunteer.incubation.cases import CaseDetails, CaseService
from volunteer.incubation.filings import FilingService
from volunteer.incubation.proposal_rules import ProposalState
from volunteer.incubation.settings import incubation_settings
from volunteer.incubation.workflow import CaseState, IncubationMode

# Steps from draft to each state: (action or a detail to set, days after the previous step).
TO_INCUBATING = [
    ("submit", 0),
    ("screen", 2),
    ("approve", 5),
    ("details", 3),
    ("start_incubation", 4),
]
CASE_PATHS: dict[CaseState, list[tuple[str, int]]] = {
    CaseState.DRAFT: [],
    CaseState.APPLIED: [("submit", 0)],
    CaseState.SCREENED: [("submit", 0), ("screen", 3)],
    CaseState.APPROVED: TO_INCUBATING[:3],
    CaseState.INCUBATING: TO_INCUBATING,
    CaseState.MIDTERM: [*TO_INCUBATING, ("start_midterm", 150)],
    CaseState.RECTIFICATION: [*TO_INCUBATING, ("start_midterm", 150), ("fail_midterm", 7)],
    CaseState.RECTIFICATION_SUBMITTED: [
        *TO_INCUBATING,
        ("start_midterm", 120),
        ("fail_midterm", 7),
        ("submit_rectification", 20),
    ],
    CaseState.EXITING: [*TO_INCUBATING, ("begin_exit", 60)],
    CaseState.GRADUATED: [*TO_INCUBATING, ("file", 100), ("evaluated", 200), ("graduate", 5)],
    CaseState.EXITED: [
        *TO_INCUBATING,
        ("begin_exit", 90),
        ("handed_back", 10),
        ("complete_exit", 1),
    ],
    CaseState.WITHDRAWN: [("submit", 0), ("withdraw", 2)],
    CaseState.REJECTED: [("submit", 0), ("reject", 3)],
}
APPLICANT_STEPS = {"submit", "withdraw", "submit_rectification"}
COMMENTS = {
    "reject": "不符合社区社会组织孵化条件：尚无固定成员",
    "begin_exit": "连续三个月未开展活动，经研究启动退出程序",
    "return_for_correction": "请补充章程草案",
}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), SHANGHAI)


class _Demo:
    def __init__(self, dbsession, settings, users, audit):
        self.dbsession = dbsession
        self.config = incubation_settings(settings)
        self.users = users
        self.audit = audit
        self.today = today_local()

    def actor(self, role: str, org=None) -> tuple[Scope, AuditLog]:
        if role == "org":
            scope = Scope(role=Role.ORG_STAFF, organisation_id=org.id, area_path=org.area.path)
            return scope, AuditLog(self.dbsession, None, f"{org.name}（申请方）")
        user = self.users[role]
        return user.scope, AuditLog(self.dbsession, user.id, user.username)

    def service(self, cls, role: str, day: dt.date, org=None):
        scope, audit = self.actor(role, org)
        return cls(self.dbsession, scope, audit, self.config, _at(day))

    # -- cases ---------------------------------------------------------------------------------

    def case(self, org, target: CaseState, started: dt.date, street_role: str) -> None:
        day = started
        case = self.service(CaseService, "org", day, org).create(
            org.id, "希望入驻孵化园，获得场地和能力建设支持"
        )
        for step, gap in CASE_PATHS[target]:
            day += dt.timedelta(days=gap)
            if step == "details":
                mode = IncubationMode.PHYSICAL if case.id % 2 else IncubationMode.VIRTUAL
                details = CaseDetails(
                    mode, True, "A-2" if mode is IncubationMode.PHYSICAL else None
                )
                self.service(CaseService, "district", day).update_details(case, details)
            elif step == "file":
                self.filing(org, day, street_role)
            elif step == "evaluated":
                case.final_evaluation_passed = True
            elif step == "handed_back":
                case.space_handed_back = True
            else:
                role = "org" if step in APPLICANT_STEPS else "district"
                if step in ("screen", "start_midterm", "fail_midterm"):
                    role = street_role
                service = self.service(CaseService, role, day, org)
                service.transition(
                    case,
                    step,
                    COMMENTS.get(step, ""),
                    public=step != "begin_exit",
                    rectification_deadline=day + dt.timedelta(days=45),
                )
        if target in (CaseState.INCUBATING, CaseState.MIDTERM):
            self.records(case, started)

    def records(self, case, started: dt.date) -> None:
        service = self.service(CaseService, "district", started + dt.timedelta(days=20))
        service.add_mentor(case, "周敏", "社会组织财务管理")
        service.add_service(
            case, "training", "社会组织登记备案实务培训", started + dt.timedelta(days=20), 180
        )
        service.add_service(
            case, "consulting", "项目设计一对一辅导", started + dt.timedelta(days=35), 90
        )
        service.add_milestone(case, "完成社区社会组织备案", started + dt.timedelta(days=150))

    # -- filings -------------------------------------------------------------------------------

    def filing(self, org, day: dt.date, street_role: str, until: str = "file"):
        filing = self.service(FilingService, "org", day, org).create(
            org.id, "开展邻里互助和为老服务"
        )
        steps = [("submit", "org", 0), ("street_approve", street_role, 3), ("file", "district", 7)]
        for action, role, gap in steps:
            day += dt.timedelta(days=gap)
            self.service(FilingService, role, day, org).transition(filing, action)
            if action == until:
                break
        return filing

    # -- the venture-philanthropy call ---------------------------------------------------------

    def call(self, rng, district, orgs) -> None:
        opens = self.today - dt.timedelta(days=330)

        def manager(day: dt.date) -> CallService:
            return self.service(CallService, "district", day)

        call = manager(opens).create_call(
            CallInput(
                name=f"{opens.year}年度西陵区社区公益创投",
                area_id=district.id,
                budget_fen=30_000_000,
                opens_on=opens,
                closes_on=opens + dt.timedelta(days=30),
                review_ends_on=opens + dt.timedelta(days=50),
                criteria=[
                    {"name": "需求分析", "weight": 30},
                    {"name": "项目设计", "weight": 30},
                    {"name": "执行能力", "weight": 20},
                    {"name": "预算合理性", "weight": 20},
                ],
                bonus=[{"name": "配套资金", "max_points": 5}],
                drop_extremes=True,
                notice_days=7,
            )
        )
        reviewers = ("admin", "district", "street", "street2")
        for name in reviewers:
            manager(opens).appoint_reviewer(call, self.users[name].id)
        titles = [
            "银龄互助食堂",
            "四点半课堂",
            "邻里调解工作室",
            "垃圾分类小管家",
            "残疾人康复陪伴",
            "社区议事厅",
            "流动儿童阅读角",
        ]
        proposals = []
        for i, (org, title) in enumerate(zip(orgs, titles, strict=False)):
            day = opens + dt.timedelta(days=5 + i)
            amount = rng.randint(50, 90) * 1_000_00
            applicant = self.service(CallService, "org", day, org)
            proposal = applicant.create(
                call, org.id, title, amount, f"{title}：服务{org.area.name}居民"
            )
            applicant.transition(proposal, "submit")
            proposals.append(proposal)
        review_day = call.closes_on + dt.timedelta(days=2)
        applicant = self.service(CallService, "org", review_day, proposals[-1].organisation)
        applicant.transition(proposals[-1], "withdraw", "组织负责人调整，撤回申报")
        manager(review_day).transition(proposals[0], "fail_check", "申报组织成立不满一年")
        in_review = proposals[1:-1]
        for proposal in in_review:
            manager(review_day).transition(proposal, "pass_check")
            manager(review_day).transition(proposal, "start_review")
        # The street officer sits on the board of one applicant: declared and recused.
        street = self.service(CallService, "street", review_day + dt.timedelta(days=1))
        street.declare_conflict(in_review[0], "本人担任该组织理事")
        for name in reviewers:
            scorer = self.service(CallService, name, review_day + dt.timedelta(days=3))
            for proposal in in_review:
                if not any(c.reviewer.user_id == self.users[name].id for c in proposal.conflicts):
                    scorer.score(proposal, _scores(rng, call.criteria), "方案可行")
        manager(review_day).set_bonus(in_review[1], {"配套资金": "3"})
        decided = call.review_ends_on
        manager(decided).shortlist_by_ranking(call)
        manager(decided).publish_notice(call)
        self.award(call, manager, decided + dt.timedelta(days=call.notice_days + 1))

    def award(self, call, manager, day: dt.date) -> None:
        for proposal in [p for p in call.proposals if p.state == ProposalState.PUBLIC_NOTICE]:
            service = manager(day)
            service.transition(
                proposal, "approve", "公示期满无异议", approved_fen=proposal.requested_fen
            )
            service.transition(
                proposal, "sign_contract", contract_signed_on=day + dt.timedelta(days=5)
            )
            half = proposal.approved_fen // 2
            service.plan_tranches(
                proposal, [(half, "report"), (proposal.approved_fen - half, "evaluation")]
            )
            service.transition(proposal, "start")
            for seq, offset in ((1, 10), (2, 200)):
                later = manager(day + dt.timedelta(days=offset))
                later.accept_requirement(proposal, seq)
                later.release(proposal, seq)
            closing = manager(day + dt.timedelta(days=210))
            closing.accept_final_report(proposal)
            closing.transition(proposal, "complete", "结项评估良好")
            closing.transition(proposal, "close")


def _scores(rng, criteria) -> dict[str, str]:
    scores = {}
    for c in criteria:
        points = Decimal(rng.randint(c["weight"] * 6 // 10, c["weight"] - 1))
        scores[c["name"]] = str(points + (Decimal("0.5") if rng.random() < 0.3 else 0))
    return scores


def load(dbsession, settings, rng, *, district, streets, communities, organisations, users, audit):
    """Add the incubation demo to a freshly loaded demo district."""
    demo = _Demo(dbsession, settings, users, audit)
    social = [o for o in organisations if o.kind is OrganisationKind.SOCIAL_ORG]
    teams = [o for o in organisations if o.kind is OrganisationKind.TEAM]
    today = demo.today
    # The demo street officer ("street") covers streets[0]; other streets' steps use admin.
    for i, target in enumerate(CASE_PATHS):
        org = social[i]
        street_role = "street" if org.area.path.startswith(streets[0].path) else "admin"
        # Incubating since long ago and still unfiled: flagged as overdue on the case list.
        length = sum(gap for _, gap in CASE_PATHS[target])
        days_ago = 230 if target == CaseState.INCUBATING else length + 15 + 3 * i
        started = today - dt.timedelta(days=days_ago)
        demo.case(org, target, started, street_role)
    # The demo organisation account sees a case of its own, recently started.
    demo.case(teams[0], CaseState.INCUBATING, today - dt.timedelta(days=40), "street")
    # Filings: filed two years ago with one report missing, in each stage, and one cancelled.
    filed_long_ago = today - dt.timedelta(days=800)
    reporter = demo.service(FilingService, "district", today)
    for n, org in enumerate(social[13:17]):
        filing = demo.filing(org, filed_long_ago, "admin")
        # Two of them keep up with their annual reports; the others are listed as overdue.
        for year in range(filing.filed_on.year, today.year) if n < 2 else ():
            reporter.record_report(filing, year, min(dt.date(year + 1, 5, 20), today))
    for org, until in zip(social[17:20], ("submit", "street_approve", "file"), strict=True):
        demo.filing(org, today - dt.timedelta(days=20), "admin", until)
    cancelled = demo.filing(social[20], filed_long_ago, "admin")
    demo.service(FilingService, "district", today - dt.timedelta(days=100)).transition(
        cancelled, "cancel", "组织自行解散，申请注销备案"
    )
    demo.call(rng, district, social[:7])
