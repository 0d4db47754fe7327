"""Role names as the incubation rules use them.

The values are those of ``volunteer.authz.Role`` (a ``StrEnum``, so its members compare and hash
equal to these strings). ``reviewer`` is not an account role: it is the per-call capability of an
expert appointed to score a venture-philanthropy call, passed in by the service for that call.
"""

ADMIN = "admin"
DISTRICT_STAFF = "district_staff"
STREET_STAFF = "street_staff"
ORG_STAFF = "org_staff"
AUDITOR = "auditor"
VOLUNTEER = "volunteer"
REVIEWER = "reviewer"

ALL_ROLES = frozenset(
    {ADMIN, DISTRICT_STAFF, STREET_STAFF, ORG_STAFF, AUDITOR, VOLUNTEER, REVIEWER}
)

# The applicant side: staff of the organisation the case, filing or proposal belongs to.
APPLICANT = frozenset({ORG_STAFF})
# Any civil-affairs staff; area scoping (a street sees only its subtree) is applied by the service.
STAFF = frozenset({STREET_STAFF, DISTRICT_STAFF, ADMIN})
# Decisions the district bureau keeps for itself.
DISTRICT = frozenset({DISTRICT_STAFF, ADMIN})
# Street-level review; admin is included because it may act for any area.
STREET = frozenset({STREET_STAFF, ADMIN})
