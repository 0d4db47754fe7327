"""service records: on PostgreSQL, references checked per statement instead of per row

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 18:00:00

An import writes 100,000 service records at a time; PostgreSQL's foreign keys ran one query
per row and reference, most of the server's work. volunteer/references.py says what stands
in for them. SQLite keeps its foreign keys.
"""

from alembic import op
from volunteer import references

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

SERVICE_RECORD_REFERENCES = [
    ("service_records", "volunteer_id", "volunteers"),
    ("service_records", "activity_id", "activities"),
    ("service_records", "batch_id", "import_batches"),
    ("service_records", "recorded_by", "users"),
    ("service_records", "reviewed_by", "users"),
    ("service_records", "voided_by", "users"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in references.FUNCTIONS:
        op.execute(statement)
    for table, column, target in SERVICE_RECORD_REFERENCES:
        for statement in references.install(table, column, target):
            op.execute(statement)
        op.drop_constraint(references.constraint_name(table, column, target), table, "foreignkey")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, target in SERVICE_RECORD_REFERENCES:
        name = references.constraint_name(table, column, target)
        op.create_foreign_key(name, table, target, [column], ["id"])
        for statement in references.uninstall(table, column, target):
            op.execute(statement)
    for statement in references.DROP_FUNCTIONS:
        op.execute(statement)
