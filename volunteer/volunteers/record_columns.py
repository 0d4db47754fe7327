"""The service records an hours import creates from one block, column by column in the
file's row order, for `insert_columns`."""

from __future__ import annotations

from volunteer.volunteers.models import RecordStatus


class RecordColumns:
    """The new service records of a block, column by column, in the file's row order."""

    def __init__(self):
        keys = ("volunteer_id", "activity_id", "service_date", "minutes", "start_at", "end_at")
        keys += ("status", "content", "remark", "reviewed_by", "reviewed_at")
        self.columns: dict[str, list] = {key: [] for key in keys}

    def add_common(self, block, common) -> None:
        """The block's common rows (`hours_columns.CommonRows`)."""
        positions, count, c = common.positions, len(common.positions), self.columns
        c["volunteer_id"] += common.volunteer_ids
        c["activity_id"] += [ref.db_id for ref in common.activities]
        every = count == len(block)
        for key, source in (("service_date", "service_date"), ("minutes", "hours")):
            values = block.column(source)
            c[key] += values if every else [values[i] for i in positions]
        for key in ("content", "remark"):
            values = block.column(key)
            c[key] += values if every else [values[i] for i in positions]
        for key in ("start_at", "end_at", "reviewed_by", "reviewed_at"):
            c[key] += [None] * count
        c["status"] += [RecordStatus.PENDING] * count

    def add_one(self, vid, activity_id, day, fields, user_id, now) -> None:
        approved = fields["status"] is RecordStatus.APPROVED
        row = {
            "volunteer_id": vid,
            "activity_id": activity_id,
            "service_date": day,
            "minutes": fields["minutes"],
            "start_at": fields["start_at"],
            "end_at": fields["end_at"],
            "status": fields["status"],
            "content": fields["content"],
            "remark": fields["remark"],
            "reviewed_by": user_id if approved else None,
            "reviewed_at": now if approved else None,
        }
        for key, values in self.columns.items():
            values.append(row[key])

    def in_order(self, order: list[int]) -> dict[str, list]:
        """The columns sorted by row number (the common rows come first as added)."""
        if order == sorted(order):
            return self.columns
        permutation = sorted(range(len(order)), key=order.__getitem__)
        return {k: [v[i] for i in permutation] for k, v in self.columns.items()}
