"""Benchmark sections of `volunteer-bench`. A section is a module `volunteer.bench.<name>` with
`run(ctx: common.Context) -> list[common.Row]`; registering one is adding its name here."""

from __future__ import annotations

import importlib
from types import ModuleType

SECTIONS = ["hours", "funds", "imports"]


def load(name: str) -> ModuleType:
    if name not in SECTIONS:
        raise KeyError(f"unknown bench section {name!r}; known: {', '.join(SECTIONS)}")
    return importlib.import_module(f"volunteer.bench.{name}")
