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

TABLE = "service_records"
REFERENCES = {  # column → the table it refers to
    "volunteer_id": "volunteers",
    "activity_id": "activities",
    "batch_id": "import_batches",
    "recorded_by": "users",
    "reviewed_by": "users",
    "voided_by": "users",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in references.FUNCTIONS:
        op.execute(statement)
    for column, target in REFERENCES.items():
        for statement in references.install(TABLE, column, target):
            op.execute(statement)
        op.drop_constraint(references.constraint_name(TABLE, column, target), TABLE, "foreignkey")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, target in REFERENCES.items():
        name = references.constraint_name(TABLE, column, target)
        op.create_foreign_key(name, TABLE, target, [column], ["id"])
        for statement in references.uninstall(TABLE, column, target):
            op.execute(statement)
    for statement in references.DROP_FUNCTIONS:
        op.execute(statement)
