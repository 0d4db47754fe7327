"""Column declarations of the `volunteers` and `hours` imports (and their exports)."""

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec
from volunteer.volunteers.idcard import ID_TYPE_LABELS

STATUS_CHOICES = ("待审核", "已通过")

_IDENTITY = (
    Column("name", "姓名", required=True, max_length=60),
    Column(
        "id_type",
        "证件类型",
        type=ColumnType.CHOICE,
        choices=tuple(ID_TYPE_LABELS.values()),
        help="留空即为居民身份证",
    ),
    Column(
        "id_number",
        "证件号码",
        type=ColumnType.ID_NUMBER,
        help="请将该列设为文本格式；导出文件中的遮蔽号码配合志愿者编号也可识别",
    ),
    Column("volunteer_no", "志愿者编号", help="系统发放的编号；填写证件号码时可不填"),
)

VOLUNTEERS = SheetSpec(
    kind="volunteers",
    title="志愿者名册",
    columns=(
        *_IDENTITY,
        Column("sex", "性别", type=ColumnType.CHOICE, choices=("男", "女")),
        Column("birth_date", "出生日期", type=ColumnType.DATE),
        Column("phone", "手机号", type=ColumnType.PHONE),
        Column("street", "街道"),
        Column("community", "社区"),
        Column("organisation", "所属组织"),
        Column("skills", "服务技能", max_length=200, aliases=("技能", "特长")),
        Column("guardian_name", "监护人姓名", aliases=("监护人",)),
        Column("guardian_consent_on", "监护人同意日期", type=ColumnType.DATE),
        Column("remark", "备注"),
    ),
    key=("id_number", "volunteer_no"),
    instructions=(
        "证件号码与志愿者编号至少填写一项；居民身份证按国家标准校验，15 位旧号码自动升级为 18 位。",
        "已登记的志愿者按证件号码更新；空白单元格不会覆盖已有信息。",
        "未满 14 周岁不能注册；14 至 18 周岁须填写监护人姓名和同意日期。",
    ),
)

HOURS = SheetSpec(
    kind="hours",
    title="志愿服务时长",
    columns=(
        *_IDENTITY,
        Column("activity", "活动名称", required=True, max_length=120),
        Column(
            "organisation", "所属组织", help="活动的组织单位；系统中没有的活动将为该组织自动创建"
        ),
        Column("service_date", "服务日期", type=ColumnType.DATE, required=True),
        Column("start", "开始时间", type=ColumnType.TIME),
        Column("end", "结束时间", type=ColumnType.TIME),
        Column(
            "hours",
            "服务时长(小时)",
            type=ColumnType.HOURS,
            help="如 2.5、2小时30分、2:30、150分钟；填写了开始和结束时间时可不填",
        ),
        Column("content", "服务内容", max_length=500),
        Column(
            "status",
            "审核状态",
            type=ColumnType.CHOICE,
            choices=STATUS_CHOICES,
            help="留空为待审核；有审核权限的账号可直接导入已通过的记录",
        ),
        Column("remark", "备注", max_length=500),
        Column("phone", "手机号", type=ColumnType.PHONE, help="仅用于同时登记新志愿者"),
        Column("street", "街道", help="名册中没有的志愿者：填写街道、社区即同时登记"),
        Column("community", "社区"),
    ),
    key=("id_number", "volunteer_no", "activity", "organisation", "service_date"),
    instructions=(
        "志愿者按证件号码匹配，姓名须与名册一致。",
        "同一志愿者同一活动同一日期只能有一条记录；重复导入同一文件不会产生新记录。",
    ),
)
