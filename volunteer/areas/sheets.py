"""Column declarations of the `areas` and `organisations` imports."""

from volunteer.areas.models import ORGANISATION_KIND_LABELS
from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec

AREAS = SheetSpec(
    kind="areas",
    title="区域（街道、社区）",
    columns=(
        Column("district", "区", aliases=("区县", "县区", "所属区")),
        Column("street", "街道", required=True),
        Column("community", "社区", required=True),
    ),
    key=("district", "street", "community"),
    instructions=("每行一个社区；区、街道不存在时自动创建。", "区可留空（系统中只有一个区时）。"),
)

ORGANISATIONS = SheetSpec(
    kind="organisations",
    title="组织（志愿服务队、社会组织、社工站）",
    columns=(
        Column("name", "组织名称", required=True, aliases=("名称", "单位名称", "队伍名称")),
        Column(
            "kind",
            "组织类型",
            type=ColumnType.CHOICE,
            required=True,
            choices=tuple(ORGANISATION_KIND_LABELS.values()),
            aliases=("类型",),
        ),
        Column("street", "街道"),
        Column("community", "社区"),
        Column("leader", "负责人", aliases=("联系人", "队长")),
        Column("phone", "联系电话", type=ColumnType.PHONE),
    ),
    key=("name",),
    instructions=("组织名称唯一；已存在的组织按名称更新，空白单元格不会覆盖已有信息。",),
)
