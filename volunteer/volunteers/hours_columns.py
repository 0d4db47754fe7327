"""The `hours` import a block at a time: the common row is checked from the block's columns
and created in bulk, every other row takes the row-by-row path of `HoursImporter`.

The common row — a registered volunteer whose name matches the register, an activity an
earlier row already resolved, a duration and no start/end time, not marked approved, no
stored record of the volunteer near the block's dates and no other row of theirs that day
— is exactly the row for which the row path would only ask `hour_rules.plainly_valid` and
create the record. Such rows leave a light mark per volunteer and day (`fast_days`); the
row path takes the marks near a row's day into `accepted` before it checks that row, so
both paths see the same earlier rows. Mixed into `HoursImporter`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter

from volunteer.db import utcnow
from volunteer.spreadsheets.bulk import insert_columns
from volunteer.spreadsheets.importing import CREATE, UPDATE, ChunkPlan
from volunteer.volunteers import hour_rules
from volunteer.volunteers.directory import Identity, Known, row_identity
from volunteer.volunteers.models import Provenance, ServiceRecord
from volunteer.volunteers.record_columns import RecordColumns

_ONE_DAY = dt.timedelta(days=1)
_APPROVED = "已通过"
_NAME, _ID = attrgetter("name"), attrgetter("id")


@dataclass(slots=True)
class CommonRows:
    """The block's common rows (positions in the block), created column-wise."""

    positions: list[int] = field(default_factory=list)
    volunteer_ids: list[int] = field(default_factory=list)
    activities: list = field(default_factory=list)  # ActivityRef of each row


class ColumnwiseHours:
    """Needs from `HoursImporter`: `ctx`, `rules`, `directory`, `activities`, `accepted`,
    `index_cache`, `_stored_records`, `_plan_row` and `_register_fresh`."""

    columnwise = True  # False: every row takes the row path (the reference for tests)

    def _init_columns(self) -> None:
        self.fast_days: dict[tuple[int, dt.date], tuple[int, int, int]] = {}
        self._identity_memo: dict[object, object] = {}  # claim → Identity or reason
        self._plainly_valid_memo: dict[tuple, bool] = {}
        self._found: dict[object, Known] = {}  # claim → the volunteer found

    def prefetch_block(self, block):
        if not self.columnwise:
            return super().prefetch_block(block)
        # A row's claim is its (ID number, volunteer number, ID type), or the ID number
        # alone when the file has neither of the others: identities and the volunteers
        # found are remembered per distinct claim (text and tuples of text hash in C).
        numbers = block.column("id_number")
        if "volunteer_no" in block.keys or "id_type" in block.keys:
            others = block.column("volunteer_no"), block.column("id_type")
            claims = list(zip(numbers, *others, strict=True))
        else:
            claims = numbers
        distinct = set(claims)
        identity_of, known_of = self._identity_memo, self._found
        vault, cache = self.ctx.vault, self.index_cache
        for claim in distinct.difference(identity_of):
            parts = claim if claim.__class__ is tuple else (claim, None, None)
            values = dict(zip(("id_number", "volunteer_no", "id_type"), parts, strict=True))
            identity_of[claim] = row_identity(vault, values, cache)
        unknown = [c for c in distinct.difference(known_of) if identity_of[c].__class__ is Identity]
        self.directory.load([identity_of[c] for c in unknown])
        for claim in unknown:
            # A volunteer found stays found; one not found yet may be registered by this file.
            known = self.directory.find(identity_of[claim])
            if known.__class__ is Known:
                known_of[claim] = known
        identities = list(map(identity_of.__getitem__, claims))
        found = list(map(known_of.get, claims))
        failed = [i for i, errors in block.errors.items() if errors]
        for i in failed:
            identities[i] = found[i] = None
        if set(map(type, found)) != {Known}:  # (`None in found` would call Known.__eq__)
            for i, known in enumerate(found):
                if known is None and identities[i].__class__ is Identity:
                    found[i] = self.directory.find(identities[i])  # None, or why it conflicts
        dates = block.column("service_date")
        if failed:
            dates = [d for i, d in enumerate(dates) if identities[i] is not None]
        ids = set(map(attrgetter("id"), filter(None, map(known_of.get, distinct))))
        stored = self._stored_records(dates, ids)
        self._prefetched = (block, (identities, found), stored)
        return None

    def plan_block(self, block):
        if not self.columnwise:
            return super().plan_block(block)
        if self._prefetched[0] is not block:
            self.prefetch_block(block)
        _, (identities, found), stored = self._prefetched
        common, planned = CommonRows(), []
        resolved, valid = self.activities.resolved, self._plainly_valid_memo
        accepted, fast_days = self.accepted, self.fast_days
        rules, today, numbers = self.rules, self.ctx.today, block.row_numbers
        days, hours = block.column("service_date"), block.column("hours")
        irregular = _irregular(block, hours)
        if not irregular:
            common = self._all_common(block, found, stored, days, hours)
            if common is not None:
                self._widen_new_activities(common, days)
                return ChunkPlan([], len(common.positions), (block, common))
            common = CommonRows()
        columns = zip(
            identities,
            found,
            block.column("name"),
            block.column("organisation"),
            block.column("activity"),
            days,
            hours,
            strict=True,
        )
        for i, (identity, known, name, org, act, day, minutes) in enumerate(columns):
            if (
                known.__class__ is Known
                and name == known.name
                and i not in irregular
                and known.id not in stored
                and (ref := resolved.get((org or "", act))) is not None
                and (known.id, day) not in fast_days
                and day not in accepted.get(known.id, ())
            ):
                ok = valid.get((minutes, day, ref.id))
                if ok is None:
                    facts = ref.facts(day)
                    ok = valid[minutes, day, ref.id] = hour_rules.plainly_valid(
                        minutes, day, facts, rules, today
                    )
                if ok:
                    fast_days[known.id, day] = (numbers[i], ref.id, minutes)
                    common.positions.append(i)
                    common.volunteer_ids.append(known.id)
                    common.activities.append(ref)
                    continue
            if known.__class__ is Known and day is not None:
                self._take_fast_days(known.id, day)
            planned.append(self._plan_row(block.parsed(i), (identity, known), stored))
        self._widen_new_activities(common, days)
        return ChunkPlan(planned, len(common.positions), (block, common))

    def _all_common(self, block, knowns, stored, days, hours) -> CommonRows | None:
        """The whole block as common rows when every row is one (a clean file's usual
        block), checked column by column; None when any row is not."""
        if set(map(type, knowns)) != {Known}:
            return None
        if list(map(_NAME, knowns)) != block.column("name"):
            return None
        ids = list(map(_ID, knowns))
        if not stored.keys().isdisjoint(ids):
            return None
        orgs = block.column("organisation")
        if orgs.count(None):
            orgs = [org or "" for org in orgs]
        typed = zip(orgs, block.column("activity"), strict=True)
        refs = list(map(self.activities.resolved.get, typed))
        if not all(refs):
            return None
        keys = list(zip(ids, days, strict=True))
        if len(set(keys)) != len(keys) or not self.fast_days.keys().isdisjoint(keys):
            return None
        # Volunteers with rows taken by the row path have `accepted` records: on those days?
        accepted = self.accepted
        busy = accepted.keys() & set(ids)
        if busy and any(day in accepted[vid] for vid, day in keys if vid in busy):
            return None
        ref_ids = list(map(_ID, refs))
        valid, rules, today = self._plainly_valid_memo, self.rules, self.ctx.today
        by_id = dict(zip(ref_ids, refs, strict=True))
        for minutes, day, ref_id in set(zip(hours, days, ref_ids, strict=True)):
            ok = valid.get((minutes, day, ref_id))
            if ok is None:
                facts = by_id[ref_id].facts(day)
                ok = valid[minutes, day, ref_id] = hour_rules.plainly_valid(
                    minutes, day, facts, rules, today
                )
            if not ok:
                return None
        marks = zip(block.row_numbers, ref_ids, hours, strict=True)
        self.fast_days.update(zip(keys, marks, strict=True))
        return CommonRows(list(range(len(keys))), ids, refs)

    def _widen_new_activities(self, common: CommonRows, days: list) -> None:
        refs = dict(zip(map(id, common.activities), common.activities, strict=True))
        if not any(ref.is_new for ref in refs.values()):
            return
        # A block's rows hold few distinct (activity, day) pairs: widen by those.
        taken = days
        if len(common.positions) != len(days):
            taken = [days[i] for i in common.positions]
        for ref_id, day in set(zip(map(id, common.activities), taken, strict=True)):
            self.activities.widen(refs[ref_id], day)

    def _take_fast_days(self, volunteer_id: int, day: dt.date) -> None:
        """Turn the common rows' marks near `day` into `accepted` records, which the row
        path reads (it looks at the day and the days either side)."""
        for on in (day - _ONE_DAY, day, day + _ONE_DAY):
            mark = self.fast_days.pop((volunteer_id, on), None)
            if mark is not None:
                row_number, activity_id, minutes = mark
                self.accepted[volunteer_id].setdefault(on, []).append(
                    hour_rules.ExistingRecord(
                        -row_number, activity_id, on, minutes, None, None, "pending"
                    )
                )

    def write_block(self, plan, batch):
        self.batch_id = batch.id
        self._register_fresh(batch)
        self.activities.create_pending(batch)
        user_id, now = self.ctx.user_id, utcnow()
        order, out = [], RecordColumns()
        if plan.bulk is not None:
            block, common = plan.bulk
            out.add_common(block, common)
            order += [block.row_numbers[i] for i in common.positions]
        for item in plan.planned:
            if item.action == CREATE:
                volunteer_key, activity, day, fields = item.payload
                vid = (
                    volunteer_key
                    if volunteer_key.__class__ is int
                    else self.directory.by_index[volunteer_key[1]].id
                )
                out.add_one(vid, activity.db_id, day, fields, user_id, now)
                order.append(item.row.row_number)
            elif item.action == UPDATE:
                self._update(*item.payload, batch)
        constants = {
            "provenance": Provenance.IMPORT,
            "recorded_by": user_id,
            "recorded_at": now,
            "batch_id": batch.id,
            "version": 1,
        }
        insert_columns(
            self.dbsession, ServiceRecord.__table__, out.in_order(order), len(order), constants
        )
        return None


def _irregular(block, hours: list) -> set[int]:
    """Positions of the rows the common path never takes: with errors from the reader, a
    start or end time, no duration, or marked approved."""
    irregular = {i for i, errors in block.errors.items() if errors}
    for key in ("start", "end"):
        values = block.column(key)
        if values.count(None) != len(values):
            irregular.update(i for i, v in enumerate(values) if v is not None)
    if hours.count(None):
        irregular.update(i for i, v in enumerate(hours) if v is None)
    statuses = block.column("status")
    if statuses.count(_APPROVED):
        irregular.update(i for i, v in enumerate(statuses) if v == _APPROVED)
    return irregular
