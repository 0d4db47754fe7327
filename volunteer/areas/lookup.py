"""In-memory index of the area tree and organisations for imports: resolve the street and
community names typed in a spreadsheet (with or without 街道/社区/居委会 suffixes) to areas,
once per file instead of once per row."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area, AreaLevel, Organisation
from volunteer.authz import Scope

_SUFFIX = re.compile(
    r"(街道办事处|街道办|街道|办事处|镇人民政府|镇|乡|社区居民委员会|社区居委会|居委会|社区|村民委员会|村委会|村|区)$"
)


def bare_name(name: str) -> str:
    """'西陵街道办事处' → '西陵'; '胜利四路社区居委会' → '胜利四路' (for lenient matching)."""
    text = "".join(name.split())
    stripped = _SUFFIX.sub("", text)
    return stripped or text


class AreaIndex:
    def __init__(self, dbsession: Session):
        self.dbsession = dbsession
        self.by_id: dict[int, Area] = {}
        self._children: dict[int | None, dict[str, list[Area]]] = {}
        for area in dbsession.scalars(sa.select(Area)):
            self._add(area)

    def _add(self, area: Area) -> None:
        self.by_id[area.id] = area
        names = self._children.setdefault(area.parent_id, {})
        for key in {area.name, bare_name(area.name)}:
            names.setdefault(key, []).append(area)

    def child(self, parent_id: int | None, name: str) -> Area | None:
        """The child of `parent_id` called `name` (exact first, then without suffixes)."""
        names = self._children.get(parent_id, {})
        text = "".join(name.split())
        exact = [a for a in names.get(text, []) if a.name == text]
        if exact:
            return exact[0]
        loose = names.get(bare_name(text), [])
        return loose[0] if len(loose) == 1 else None

    def districts(self) -> list[Area]:
        return [a for a in self.by_id.values() if a.level is AreaLevel.DISTRICT]

    def only_district(self) -> Area | None:
        found = self.districts()
        return found[0] if len(found) == 1 else None

    def resolve(self, street: str | None, community: str | None) -> tuple[Area | None, str | None]:
        """The community (or the street when no community is given) named in a row, under
        the single district; returns (area, Chinese reason when not found)."""
        district = self.only_district()
        if not street and not community:
            return None, "请填写街道和社区"
        streets = (
            [self.child(district.id if district else None, street)]
            if street
            else [a for a in self.by_id.values() if a.level is AreaLevel.STREET]
        )
        streets = [s for s in streets if s is not None]
        if street and not streets:
            return None, f"街道「{street}」不存在（请先导入区域，或核对名称）"
        if not community:
            return streets[0], None
        matches = [c for s in streets if (c := self.child(s.id, community)) is not None]
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            where = f"「{street}」下" if street else ""
            return None, f"{where}没有社区「{community}」（请先导入区域，或核对名称）"
        return None, f"社区「{community}」不唯一，请同时填写街道"

    def add(self, area: Area) -> None:
        self._add(area)


class OrganisationIndex:
    def __init__(self, dbsession: Session):
        self.by_name: dict[str, Organisation] = {}
        self.by_id: dict[int, Organisation] = {}
        for org in dbsession.scalars(sa.select(Organisation)):
            self.add(org)

    def add(self, org: Organisation) -> None:
        self.by_name["".join(org.name.split())] = org
        self.by_id[org.id] = org

    def get(self, name: str | None) -> Organisation | None:
        return self.by_name.get("".join(name.split())) if name else None


def area_allowed(scope: Scope, area: Area) -> bool:
    return scope.covers_path(area.path)
