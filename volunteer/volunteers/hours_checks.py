"""The timing and hour-rule part of the `hours` import: a row's minutes and start/end, the
volunteers' stored records, and the rules of `hour_rules` against those and the records
accepted earlier in the same file. Mixed into `HoursImporter`.

Most rows of an import have no start/end time and no other record of the volunteer that day:
those take `hour_rules.plainly_valid`, which only answers "nothing to report"; every other
row, and every row it does not clear, goes through `hour_rules.check_record`, which words
the violations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from volunteer.db import SHANGHAI
from volunteer.spreadsheets.bulk import in_filters
from volunteer.volunteers import hour_rules
from volunteer.volunteers.models import ServiceRecord

_ONE_DAY = dt.timedelta(days=1)
STORED_WINDOW = dt.timedelta(days=31)
_RECORD_COLUMNS = (
    ServiceRecord.id,
    ServiceRecord.volunteer_id,
    ServiceRecord.activity_id,
    ServiceRecord.service_date,
    ServiceRecord.minutes,
    ServiceRecord.start_at,
    ServiceRecord.end_at,
    ServiceRecord.status,
    ServiceRecord.voided_at,
    ServiceRecord.content,
    ServiceRecord.remark,
)


def _moment(day: dt.date, clock: dt.time | None) -> dt.datetime | None:
    return None if clock is None else dt.datetime.combine(day, clock, SHANGHAI)


class HourChecks:
    """Needs `self.rules`, `self.accepted`, `self.ctx`, `self.error`, `self.dbsession` and
    `self.batch_id` from the importer."""

    _stored_window: tuple | None = None  # (first day, last day, volunteers asked about)
    _stored_cache: dict[int, list]

    def _stored_records(self, dates, ids):
        """Stored records of the chunk's registered volunteers (`ids`) on the chunk's dates
        (of its rows without errors), and their timed records of the days either side.

        Read from the database for a window of STORED_WINDOW either side of the first
        chunk's dates and kept: later chunks within the window ask only about volunteers
        not asked about yet (a month's file is one query, not one per chunk)."""
        by_volunteer: dict[int, list] = {}
        if not ids or not dates:
            return by_volunteer
        first, last = min(dates), max(dates)
        low, high = first - _ONE_DAY, last + _ONE_DAY
        window = self._stored_window
        if window is None or not (window[0] <= low and high <= window[1]):
            window = self._stored_window = (low - STORED_WINDOW, high + STORED_WINDOW, set())
            self._stored_cache = defaultdict(list)
        cache, asked = self._stored_cache, window[2]
        unasked = ids.difference(asked)
        if unasked:
            self._read_stored(sorted(unasked), window[0], window[1])
            asked.update(unasked)
        # The days either side matter only for overlaps across midnight: of those, only
        # the records with a start and an end.
        for vid in ids.intersection(cache):
            records = [
                r
                for r in cache[vid]
                if first <= r.service_date <= last
                or (low <= r.service_date <= high and r.start_at and r.end_at)
            ]
            if records:
                by_volunteer[vid] = records
        return by_volunteer

    def _read_stored(self, ids, low, high):
        between = ServiceRecord.service_date.between(low, high)
        if self.batch_id is not None:
            # Rows this import already wrote are in `self.accepted`; reading them back as
            # stored records would count them twice.
            mine = sa.or_(ServiceRecord.batch_id.is_(None), ServiceRecord.batch_id != self.batch_id)
            between = sa.and_(between, mine)
        for matches in in_filters(self.dbsession, ServiceRecord.volunteer_id, ids):
            query = sa.select(*_RECORD_COLUMNS).where(matches, between)
            for record in self.dbsession.execute(query):
                self._stored_cache[record.volunteer_id].append(record)

    def _timing(self, row):
        v, day = row.values, row.values["service_date"]
        start, end = _moment(day, v["start"]), _moment(day, v["end"])
        minutes = v["hours"]
        if minutes is None:
            if start is None or end is None:
                self.error(row, "hours", "请填写服务时长，或同时填写开始时间和结束时间")
                return None
            minutes = int((end - start).total_seconds() // 60)
        return minutes, start, end

    def _passes_rules(self, row, proposed, activity, volunteer_key, stored, exclude_id=None):
        """Check `proposed` (a `hour_rules.ProposedRecord`, or the tuple (volunteer_id,
        activity_id, service_date, minutes, start, end) of a new record) and, when it
        passes, remember it for the rows that follow."""
        # The rules compare a record with the same day (duplicate, daily cap) and the days
        # either side (overnight overlap) only, as `_stored_records` already assumes.
        if isinstance(proposed, tuple):
            _, _, day, minutes, start, end = proposed
        else:
            day, minutes = proposed.service_date, proposed.minutes
            start, end = proposed.start, proposed.end
        accepted = self.accepted[volunteer_key]
        if stored:
            before, after = day - _ONE_DAY, day + _ONE_DAY
            near_stored = [
                r for r in stored if r.id != exclude_id and before <= r.service_date <= after
            ]
        else:
            near_stored = stored
        facts = activity.facts(day)
        # Without start and end no overlap is possible: only records of the same day count.
        if not (
            start is None
            and end is None
            and day not in accepted
            and all(r.service_date != day for r in near_stored)
            and hour_rules.plainly_valid(minutes, day, facts, self.rules, self.ctx.today)
        ):
            if isinstance(proposed, tuple):
                proposed = hour_rules.ProposedRecord(*proposed)
            if not self._check_fully(row, proposed, facts, accepted, near_stored):
                return False
        # An edit keeps the stored record's id, so later rows see its new values, not both.
        accepted.setdefault(day, []).append(
            hour_rules.ExistingRecord(
                exclude_id or -row.row_number, activity.id, day, minutes, start, end, "pending"
            )
        )
        return True

    def _check_fully(self, row, proposed, facts, accepted, near_stored):
        day = proposed.service_date
        mine = [a for on in (day - _ONE_DAY, day, day + _ONE_DAY) for a in accepted.get(on, ())]
        # A stored record this file already saw (unchanged or edited) counts once, as the file
        # has it; records this import wrote are left out of `near_stored` by the importer.
        seen = {a.id for a in mine if a.id > 0}
        others = [
            hour_rules.ExistingRecord(
                r.id,
                r.activity_id,
                r.service_date,
                r.minutes,
                r.start_at,
                r.end_at,
                r.status.value,
                r.voided_at is not None,
            )
            for r in near_stored
            if r.id not in seen
        ] + mine
        violations = hour_rules.check_record(proposed, facts, others, self.rules, self.ctx.today)
        for violation in violations:
            self.error(row, _column_of(violation.code), violation.message_zh)
        return not violations


def _column_of(code: str) -> str:
    if code in ("future_date", "too_old", "outside_activity"):
        return "service_date"
    if code in ("time_incomplete", "time_order", "time_date_mismatch", "overlap"):
        return "start"
    if code == "duplicate":
        return "activity"
    return "hours"
