"""The column contract of an import kind as Markdown (imports/README.md is generated from it,
so the documented headers, aliases and rules are the ones the reader applies)."""

from __future__ import annotations

from volunteer.spreadsheets.columns import SheetSpec, header_lookup, normalise_header
from volunteer.spreadsheets.templates import COLUMN_DESCRIPTIONS, column_choices


def _aliases(spec: SheetSpec, key: str) -> list[str]:
    lookup = header_lookup(spec)
    own = normalise_header(spec.column(key).header)
    return [h for h, k in lookup.items() if k == key and h != own]


def markdown_contract(spec: SheetSpec) -> str:
    lines = [f"### `{spec.kind}` — {spec.title}", ""]
    keys = "、".join(spec.column(k).header for k in spec.key)
    lines += [f"Row key (repeats inside one file are row errors): {keys}", ""]
    lines += ["| 表头 | 必填 | 类型 / 规则 | 也接受的表头 |", "|---|---|---|---|"]
    for column in spec.columns:
        rule = COLUMN_DESCRIPTIONS[column.type]
        if choices := column_choices(column):
            rule = f"{rule}：{'、'.join(choices)}"
        if column.max_length:
            rule = f"{rule}，最多 {column.max_length} 字"
        if column.help:
            rule = f"{rule}；{column.help}"
        required = "是" if column.required else ""
        lines.append(
            f"| {column.header} | {required} | {rule} | {'、'.join(_aliases(spec, column.key))} |"
        )
    lines.append("")
    lines += [f"- {line}" for line in spec.instructions]
    return "\n".join(lines) + "\n"
