"""Write the blank import template of every registered kind into a folder (`make templates`):

    python -m volunteer.spreadsheets.build_templates imports/templates

One `<kind>.xlsx` per kind, generated from the kind's column spec by `build_template`
(deterministic bytes, so an unchanged spec leaves the committed files unchanged). Kinds that
other domains register later are picked up from the registry without editing this module.
"""

from __future__ import annotations

import sys
from pathlib import Path

from volunteer.spreadsheets.importing import registered_kinds
from volunteer.spreadsheets.templates import build_template


def build_all(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, importer in sorted(registered_kinds().items()):
        path = folder / f"{kind}.xlsx"
        build_template(importer.spec, path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m volunteer.spreadsheets.build_templates FOLDER", file=sys.stderr)
        return 2
    for path in build_all(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
