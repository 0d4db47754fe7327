"""Fixtures for the spreadsheet engine tests: a service-hours spec and a workbook factory."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sheet_samples import HOURS_SPEC

from volunteer.spreadsheets.columns import SheetSpec


@pytest.fixture
def spec() -> SheetSpec:
    return HOURS_SPEC


@pytest.fixture
def make_xlsx(tmp_path):
    """make_xlsx(rows, merge=None) -> path of a one-sheet workbook holding `rows`."""
    counter = iter(range(1000))

    def make(rows, *, merge=None, name=None):
        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(list(row))
        if merge:
            sheet.merge_cells(merge)
        path = tmp_path / (name or f"book{next(counter)}.xlsx")
        workbook.save(path)
        return path

    return make
