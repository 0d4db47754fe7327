"""Plain factory functions for incubation test data: rows made directly (no workflow), with
sensible defaults, flushed so ids exist. Functional tests and the scoping test share them."""

from __future__ import annotations

import datetime as dt
import itertools

from volunteer.db import today_local
from volunteer.incubation.models import (
    CallReviewer,
    Filing,
    IncubationCase,
    Proposal,
    VentureCall,
)
from volunteer.incubation.workflow import CaseState

_serial = itertools.count(1)

CRITERIA = [
    {"name": "需求分析", "weight": 30},
    {"name": "项目设计", "weight": 30},
    {"name": "执行能力", "weight": 20},
    {"name": "预算合理性", "weight": 20},
]
BONUS = [{"name": "配套资金", "max_points": 5}]


def make_case(dbsession, organisation, state=CaseState.DRAFT, **extra) -> IncubationCase:
    case = IncubationCase(organisation_id=organisation.id, state=state, **extra)
    dbsession.add(case)
    dbsession.flush()
    return case


def make_filing(dbsession, organisation, **extra) -> Filing:
    filing = Filing(organisation_id=organisation.id, **extra)
    dbsession.add(filing)
    dbsession.flush()
    return filing


def make_call(dbsession, area, reviewers=(), **extra) -> VentureCall:
    today = today_local()
    values = {
        "name": f"第{next(_serial)}期公益创投",
        "area_id": area.id,
        "budget_fen": 10_000_000,
        "opens_on": today - dt.timedelta(days=30),
        "closes_on": today + dt.timedelta(days=30),
        "criteria": CRITERIA,
        "bonus": BONUS,
        "drop_extremes": True,
        "notice_days": 7,
        **extra,
    }
    call = VentureCall(**values)
    dbsession.add(call)
    dbsession.flush()
    for user in reviewers:
        dbsession.add(CallReviewer(call_id=call.id, user_id=user.id))
    dbsession.flush()
    dbsession.expire(call, ["reviewers"])
    return call


def make_proposal(dbsession, call, organisation, **extra) -> Proposal:
    values = {"title": f"项目{next(_serial)}", "requested_fen": 3_000_000, **extra}
    proposal = Proposal(call_id=call.id, organisation_id=organisation.id, **values)
    dbsession.add(proposal)
    dbsession.flush()
    dbsession.expire(call, ["proposals"])
    return proposal
