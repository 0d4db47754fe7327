"""Who may do what, and where. `ROLE_PERMISSIONS` is the ONE table that grants permissions;
`Scope` narrows every query and every id lookup to the user's own area subtree, organisation
or volunteer record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone


class Role(StrEnum):
    ADMIN = "admin"
    DISTRICT_STAFF = "district_staff"
    STREET_STAFF = "street_staff"
    ORG_STAFF = "org_staff"
    AUDITOR = "auditor"
    VOLUNTEER = "volunteer"


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.DISTRICT_STAFF: "区民政局工作人员",
    Role.STREET_STAFF: "街道工作人员",
    Role.ORG_STAFF: "组织工作人员",
    Role.AUDITOR: "审计人员",
    Role.VOLUNTEER: "志愿者",
}


class Permission(StrEnum):
    AREAS_VIEW = "areas:view"
    AREAS_EDIT = "areas:edit"
    VOLUNTEERS_VIEW = "volunteers:view"
    VOLUNTEERS_EDIT = "volunteers:edit"
    PII_REVEAL = "pii:reveal"
    HOURS_RECORD = "hours:record"
    HOURS_APPROVE = "hours:approve"
    SELF_SERVICE = "self:view"
    IMPORTS_RUN = "imports:run"
    IMPORTS_REVOKE = "imports:revoke"
    EXPORTS_RUN = "exports:run"
    AUDIT_VIEW = "audit:view"
    USERS_MANAGE = "users:manage"
    FUNDS_VIEW = "funds:view"
    FUNDS_EDIT = "funds:edit"
    DONATIONS_RECORD = "donations:record"
    MATCHING_MANAGE = "matching:manage"
    MATCHING_SETTLE = "matching:settle"
    DISBURSEMENTS_REQUEST = "disbursements:request"
    DISBURSEMENTS_APPROVE = "disbursements:approve"
    LEDGER_LOCK = "ledger:lock"
    REPORTS_VIEW = "reports:view"
    INCUBATION_VIEW = "incubation:view"
    INCUBATION_EDIT = "incubation:edit"
    FILINGS_REVIEW = "filings:review"
    CALLS_MANAGE = "calls:manage"
    CALLS_REVIEW = "calls:review"


P = Permission
_STAFF_COMMON = frozenset(
    {
        P.AREAS_VIEW,
        P.VOLUNTEERS_VIEW,
        P.VOLUNTEERS_EDIT,
        P.HOURS_RECORD,
        P.HOURS_APPROVE,
        P.IMPORTS_RUN,
        P.IMPORTS_REVOKE,
        P.EXPORTS_RUN,
        P.AUDIT_VIEW,
        P.FUNDS_VIEW,
        P.FUNDS_EDIT,
        P.DONATIONS_RECORD,
        P.DISBURSEMENTS_REQUEST,
        P.DISBURSEMENTS_APPROVE,
        P.REPORTS_VIEW,
        P.INCUBATION_VIEW,
        P.INCUBATION_EDIT,
        P.FILINGS_REVIEW,
        P.CALLS_REVIEW,
    }
)

# The only place that grants permissions. tests/unit/test_authz.py prints it as a matrix.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Admins run the system; "my hours" belongs to volunteers only.
    Role.ADMIN: frozenset(Permission) - {P.SELF_SERVICE},
    Role.DISTRICT_STAFF: _STAFF_COMMON
    | {P.AREAS_EDIT, P.PII_REVEAL, P.MATCHING_MANAGE, P.MATCHING_SETTLE, P.LEDGER_LOCK}
    | {P.CALLS_MANAGE},
    Role.STREET_STAFF: _STAFF_COMMON,
    Role.ORG_STAFF: frozenset(
        {
            P.VOLUNTEERS_VIEW,
            P.VOLUNTEERS_EDIT,
            P.HOURS_RECORD,
            P.IMPORTS_RUN,
            P.EXPORTS_RUN,
            P.INCUBATION_VIEW,
            P.INCUBATION_EDIT,
        }
    ),
    Role.AUDITOR: frozenset(
        {P.FUNDS_VIEW, P.REPORTS_VIEW, P.AUDIT_VIEW, P.AREAS_VIEW, P.INCUBATION_VIEW}
    ),
    Role.VOLUNTEER: frozenset({P.SELF_SERVICE}),
}


def permissions_for(role: str | None) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def root_acl() -> list:
    """The Pyramid ACL derived from the table; area scoping is applied by `Scope`."""
    acl: list = [(Allow, Authenticated, "authenticated")]
    for role, perms in ROLE_PERMISSIONS.items():
        acl.extend((Allow, f"role:{role}", str(perm)) for perm in sorted(perms))
    acl.append((Deny, Everyone, ALL_PERMISSIONS))
    return acl


@dataclass(frozen=True)
class Scope:
    """What part of the district a user may see.

    `area_path` is a materialised path prefix ("/1/" for the whole district, "/1/3/" for a
    street); None means every area (admin, district staff, auditor). Organisation staff are
    further limited to one organisation, volunteers to their own record.
    """

    role: Role
    area_path: str | None = None
    organisation_id: int | None = None
    volunteer_id: int | None = None
    user_id: int | None = None

    @property
    def is_global(self) -> bool:
        return self.area_path is None and self.organisation_id is None and self.volunteer_id is None

    def covers_path(self, path: str | None) -> bool:
        if self.area_path is None:
            return True
        return path is not None and path.startswith(self.area_path)

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


SYSTEM_SCOPE = Scope(role=Role.ADMIN)
