"""The committed templates in imports/templates/ match the column specs of every registered
kind (run `make templates` after changing a spec), and the page serves the same template."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.factories import login
from volunteer.spreadsheets.build_templates import build_all, main
from volunteer.spreadsheets.importing import registered_kinds
from volunteer.spreadsheets.templates import template_signature

COMMITTED = Path(__file__).resolve().parents[2] / "imports" / "templates"


@pytest.mark.parametrize("kind", sorted(registered_kinds()))
def test_committed_template_matches_its_spec(kind, tmp_path):
    committed = COMMITTED / f"{kind}.xlsx"
    assert committed.is_file(), f"imports/templates/{kind}.xlsx is missing: run `make templates`"
    (fresh,) = [p for p in build_all(tmp_path) if p.name == committed.name]
    assert template_signature(committed) == template_signature(fresh), (
        f"imports/templates/{kind}.xlsx has drifted from its spec: run `make templates`"
    )


def test_no_committed_template_without_a_kind():
    stale = {p.stem for p in COMMITTED.glob("*.xlsx")} - set(registered_kinds())
    assert not stale, f"templates of unknown kinds: {sorted(stale)}"


def test_module_entry_writes_one_template_per_kind(tmp_path, capsys):
    assert main([str(tmp_path)]) == 0
    assert {p.stem for p in tmp_path.glob("*.xlsx")} == set(registered_kinds())
    assert main([]) == 2


def test_template_download_is_the_generated_template(testapp, district):
    login(testapp, "district")
    response = testapp.get("/imports/templates/volunteers.xlsx")
    served = template_signature(io.BytesIO(response.body))
    assert served == template_signature(COMMITTED / "volunteers.xlsx")
    testapp.get("/imports/templates/nothing.xlsx", status=404)
