"""Every model, imported in one place so that alembic autogenerate, pshell and the tests see
the whole schema; domains import their own models directly."""

from volunteer.accounts.models import User
from volunteer.areas.models import Area, Organisation
from volunteer.audit import AuditEntry
from volunteer.counters import Counter
from volunteer.db import Base
from volunteer.spreadsheets.models import ImportBatch
from volunteer.volunteers.models import Activity, ServiceRecord, StarAward, Volunteer

__all__ = [
    "Activity",
    "Area",
    "AuditEntry",
    "Base",
    "Counter",
    "ImportBatch",
    "Organisation",
    "ServiceRecord",
    "StarAward",
    "User",
    "Volunteer",
]
