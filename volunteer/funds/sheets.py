"""Column declarations of the funds imports (`funds`, `projects`, `donations`, `programmes`)
and of the donations/matches exports, with the headers fundraising platforms actually use as
aliases. The canonical headers are the ones issue #4 lists; optional extras come last."""

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec

NATURE_CHOICES = ("限定性", "非限定性")
LEVEL_CHOICES = ("省级", "市级", "区级", "企业")

_STREET = Column("street", "街道", help="社区名称在全区不唯一时填写")

FUNDS = SheetSpec(
    kind="funds",
    title="社区慈善基金",
    columns=(
        Column("code", "基金编号", required=True, max_length=40, aliases=("基金代码",)),
        Column(
            "name",
            "基金名称",
            max_length=160,
            help="留空按“托管机构+社区+社区慈善基金”生成",
        ),
        Column("host", "托管机构", max_length=120, aliases=("托管慈善组织", "慈善会")),
        Column("community", "社区", required=True),
        Column("agreement_no", "协议编号", max_length=60, aliases=("协议号", "合作协议编号")),
        Column("agreement_date", "协议日期", type=ColumnType.DATE, aliases=("签约日期",)),
        Column(
            "nature",
            "性质",
            type=ColumnType.CHOICE,
            choices=NATURE_CHOICES,
            aliases=("基金性质", "性质(限定性/非限定性)", "资金性质"),
            help="留空为限定性",
        ),
        Column("purpose", "用途", max_length=500, aliases=("资金用途", "基金用途")),
        _STREET,
    ),
    key=("code",),
    instructions=(
        "基金编号是基金的唯一标识；重复导入同一基金不会新建。",
        "已有基金只更新协议编号、协议日期和用途；名称、社区、性质不能通过导入修改。",
    ),
)

PROJECTS = SheetSpec(
    kind="projects",
    title="互助项目",
    columns=(
        Column("code", "项目编号", required=True, max_length=40, aliases=("项目代码", "项目ID")),
        Column("name", "项目名称", required=True, max_length=160),
        Column("fund", "基金编号", required=True, aliases=("所属基金编号", "基金代码")),
        Column("community", "社区", help="留空为基金所属社区"),
        Column(
            "target",
            "目标金额(元)",
            type=ColumnType.YUAN,
            aliases=("目标金额", "筹款目标", "筹款目标(元)"),
        ),
        Column("starts_on", "开始日期", type=ColumnType.DATE, aliases=("募集开始日期",)),
        Column("ends_on", "结束日期", type=ColumnType.DATE, aliases=("募集结束日期",)),
        _STREET,
    ),
    key=("code",),
    instructions=(
        "项目编号是项目的唯一标识；已有项目只更新名称、目标金额和起止日期，不能改换基金。",
    ),
)

DONATIONS = SheetSpec(
    kind="donations",
    title="捐赠记录",
    columns=(
        Column(
            "receipt_no",
            "收据编号",
            required=True,
            max_length=64,
            aliases=("收据号", "票据编号", "捐赠编号", "订单号", "捐赠订单号", "流水号"),
        ),
        Column(
            "donor",
            "捐赠人",
            max_length=120,
            aliases=("捐赠人姓名", "捐款人", "捐赠者", "捐赠方", "爱心人士"),
            help="匿名捐赠可留空",
        ),
        Column(
            "donor_key",
            "捐赠人标识",
            max_length=64,
            aliases=("捐赠人ID", "捐赠人账号", "用户ID", "平台账号", "用户账号"),
            help="平台账号等；用于单人单项目配捐上限，留空则每笔捐赠视为不同捐赠人",
        ),
        Column("anonymous", "是否匿名", type=ColumnType.BOOL, aliases=("匿名", "匿名捐赠")),
        Column(
            "amount",
            "金额(元)",
            type=ColumnType.YUAN,
            required=True,
            aliases=("金额", "捐赠金额", "捐赠金额(元)", "捐款金额", "捐款金额(元)", "支付金额"),
            help="最多两位小数，如 1,000.00 或 ¥50",
        ),
        Column(
            "received_at",
            "捐赠时间",
            type=ColumnType.DATETIME,
            required=True,
            aliases=("捐款时间", "支付时间", "交易时间", "到账时间", "捐赠日期"),
            help="北京时间",
        ),
        Column("project", "项目编号", required=True, aliases=("项目代码", "项目ID")),
        Column("channel", "渠道", max_length=40, aliases=("捐赠渠道", "支付渠道", "支付方式")),
        Column("remark", "备注", max_length=300),
    ),
    key=("receipt_no",),
    instructions=(
        "收据编号是捐赠的唯一标识：重复导入同一捐赠不会重复记账。",
        "已登记捐赠的金额、时间、项目不能通过导入修改；更正请办理退款后重新登记。",
        "导入后立即按生效中的配捐计划计算暂定配捐。",
    ),
)

_CAP_HELP = "留空表示不设上限"

PROGRAMMES = SheetSpec(
    kind="programmes",
    title="配捐计划",
    columns=(
        Column("code", "计划编号", required=True, max_length=40, aliases=("配捐计划编号",)),
        Column("sponsor", "资助方", required=True, max_length=120, aliases=("配捐方", "出资方")),
        Column(
            "level",
            "级别",
            type=ColumnType.CHOICE,
            choices=LEVEL_CHOICES,
            required=True,
            aliases=("资助方级别", "配捐级别"),
        ),
        Column(
            "ratio",
            "配捐比例",
            required=True,
            aliases=("比例", "配比"),
            help="每捐 1 元配多少元：0.5、1:0.5 或 50% 均可",
        ),
        Column("min_donation", "最低捐赠额(元)", type=ColumnType.YUAN, aliases=("起配金额(元)",)),
        Column("per_donation_cap", "单笔配捐上限(元)", type=ColumnType.YUAN, help=_CAP_HELP),
        Column("per_donor_project_cap", "单人单项目上限(元)", type=ColumnType.YUAN, help=_CAP_HELP),
        Column("per_project_cap", "单项目上限(元)", type=ColumnType.YUAN, help=_CAP_HELP),
        Column(
            "pool", "资金池(元)", type=ColumnType.YUAN, required=True, aliases=("配捐总额(元)",)
        ),
        Column("starts_at", "开始时间", type=ColumnType.DATETIME, required=True, help="北京时间"),
        Column(
            "ends_at",
            "结束时间",
            type=ColumnType.DATETIME,
            required=True,
            help="只填日期时含当天全天（至次日零点止）；填到时分则到该时刻止（不含）",
        ),
        Column(
            "projects",
            "适用项目",
            aliases=("适用项目编号", "项目范围"),
            help="项目编号，用逗号或顿号分隔；留空为全区所有项目",
        ),
        Column(
            "priority", "优先级", type=ColumnType.INTEGER, help="叠加顺序，数字小的先配；留空为 0"
        ),
        Column("name", "计划名称", max_length=160, help="留空按资助方和计划编号生成"),
    ),
    key=("code",),
    instructions=(
        "配捐比例按“每捐 1 元配多少元”填写：0.5、1:0.5、50% 含义相同。",
        "上限留空表示不设上限；结束时间只填日期时含当天全天。",
        "新建或修改计划会重新计算该计划的全部暂定配捐；已结算的计划不能修改。",
    ),
)
