"""Finding the volunteer a spreadsheet row means, for a whole chunk at once: by the blind
index of the ID number, or by volunteer number when the ID is masked (our own exports) or
absent. Shared by the `volunteers` and `hours` imports."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.pii import PiiVault
from volunteer.spreadsheets.bulk import in_filters
from volunteer.spreadsheets.coerce import normalise_name
from volunteer.volunteers.idcard import ID_TYPE_LABELS, IdType, check_digit
from volunteer.volunteers.models import Volunteer

_RESIDENT = (None, ID_TYPE_LABELS[IdType.RESIDENT])


@dataclass(frozen=True)
class Known:
    id: int
    name: str
    volunteer_no: str
    id_masked: str
    area_id: int
    revoked: bool


@dataclass(frozen=True)
class Identity:
    """A row's claim to be someone: the blind index (full ID) or the volunteer number."""

    index: str | None
    number: str | None
    volunteer_no: str | None
    masked: str | None


def row_identity(vault: PiiVault, values: dict, cache: dict | None = None) -> Identity | str:
    """The identity in a row's values, or a Chinese reason why there is none. `cache` maps
    numbers to blind indexes, and (number, volunteer number) to identities, across the
    chunks of one import (a volunteer's number repeats on every row of theirs; the keyed
    hash is the costly part)."""
    number = values.get("id_number")
    volunteer_no = (values.get("volunteer_no") or "").strip().upper() or None
    if number and "*" in number:
        if not volunteer_no:
            return "证件号码已遮蔽，请同时填写志愿者编号（或填写完整证件号码）"
        return Identity(None, None, volunteer_no, number)
    if number:
        if len(number) == 15 and number.isdigit() and values.get("id_type") in _RESIDENT:
            # A legacy 15-digit ID is stored as its 18-digit form: index that form too.
            first17 = number[:6] + "19" + number[6:]
            number = first17 + check_digit(first17)
        if cache is None:
            return Identity(vault.blind_index(number), number, volunteer_no, None)
        # The identity itself is cached (it is immutable), keyed by what it is made of.
        identity = cache.get((number, volunteer_no))
        if identity is None:
            index = cache.get(number)
            if index is None:
                index = cache[number] = vault.blind_index(number)
            identity = cache[number, volunteer_no] = Identity(index, number, volunteer_no, None)
        return identity
    if volunteer_no:
        return Identity(None, None, volunteer_no, None)
    return "请填写证件号码"


class VolunteerDirectory:
    def __init__(self, dbsession: Session):
        self.dbsession = dbsession
        self.by_index: dict[str, Known] = {}
        self.by_number: dict[str, Known] = {}

    def load(self, identities: list[Identity]) -> None:
        """Fetch every volunteer the identities name that is not cached yet."""
        indexes = {i.index for i in identities if i.index and i.index not in self.by_index}
        numbers = {
            i.volunteer_no
            for i in identities
            if i.volunteer_no and i.volunteer_no not in self.by_number
        }
        if not indexes and not numbers:
            return
        columns = (
            Volunteer.id,
            Volunteer.name,
            Volunteer.volunteer_no,
            Volunteer.id_masked,
            Volunteer.area_id,
            Volunteer.revoked_at,
            Volunteer.id_index,
        )
        for column, wanted in ((Volunteer.id_index, indexes), (Volunteer.volunteer_no, numbers)):
            for matches in in_filters(self.dbsession, column, sorted(wanted)):
                rows = self.dbsession.execute(sa.select(*columns).where(matches))
                for vid, name, no, masked, area_id, revoked_at, index in rows:
                    self.remember(
                        index, Known(vid, name, no, masked, area_id, revoked_at is not None)
                    )

    def remember(self, index: str, known: Known) -> None:
        self.by_index[index] = known
        self.by_number[known.volunteer_no] = known

    def load_new(self, payloads: list[dict]) -> None:
        """Cache volunteers just inserted, so later rows of the same file find them."""
        numbers = [p["volunteer_no"] for p in payloads]
        ids: dict[str, int] = {}
        for matches in in_filters(self.dbsession, Volunteer.volunteer_no, numbers):
            query = sa.select(Volunteer.volunteer_no, Volunteer.id).where(matches)
            ids.update((no, vid) for no, vid in self.dbsession.execute(query))
        for p in payloads:
            no = p["volunteer_no"]
            self.remember(
                p["id_index"], Known(ids[no], p["name"], no, p["id_masked"], p["area_id"], False)
            )

    def find(self, identity: Identity) -> Known | str | None:
        """The registered volunteer, None if unregistered, or a reason the claim conflicts."""
        if identity.index is not None:
            known = self.by_index.get(identity.index)
            if (
                known is not None
                and identity.volunteer_no
                and identity.volunteer_no != known.volunteer_no
            ):
                return f"志愿者编号与证件号码不符（该证件号码的编号为 {known.volunteer_no}）"
            return known
        known = self.by_number.get(identity.volunteer_no or "")
        if known is None:
            return f"志愿者编号 {identity.volunteer_no} 不存在"
        if identity.masked and identity.masked != known.id_masked:
            return "遮蔽的证件号码与该志愿者编号不符"
        return known


def same_name(a: str, b: str) -> bool:
    return a == b or normalise_name(a) == normalise_name(b)
