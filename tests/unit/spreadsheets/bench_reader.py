"""Reader speed against python-calamine alone, on a generated 100,000 × 10 workbook.

Not a test (pytest does not collect it); run by hand:
    .venv/bin/python tests/unit/spreadsheets/bench_reader.py [ROWS] [REPEATS]
Prints the best of REPEATS for calamine alone, `open_sheet` + `rows()`, and
`check_upload` + `open_sheet` + `rows()`, and the ratios to calamine.
"""

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import python_calamine
from openpyxl import Workbook

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec
from volunteer.spreadsheets.reader import open_sheet
from volunteer.spreadsheets.safety import check_upload

SPEC = SheetSpec(
    "bench",
    "服务时长",
    (
        Column("name", "姓名", required=True),
        Column("id_number", "证件号码", ColumnType.ID_NUMBER, required=True),
        Column("phone", "手机号", ColumnType.PHONE),
        Column("date", "服务日期", ColumnType.DATE, required=True),
        Column("minutes", "服务时长", ColumnType.HOURS, required=True),
        Column("activity", "活动名称", required=True),
        Column("org", "所属组织"),
        Column("street", "街道"),
        Column("community", "社区"),
        Column("note", "备注", max_length=500),
    ),
    key=("id_number", "date", "activity"),
)


def generate(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿服务时长")
    header = ["姓名", "证件号码", "手机号", "服务日期", "服务时长（小时）", "活动名称"]
    sheet.append([*header, "所属组织", "街道", "社区", "备注"])
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        sheet.append(
            [
                f"张{i % 500}",
                f"4205021990{i:08d}",
                f"138{i:08d}",
                start + dt.timedelta(days=i % 300),
                2.5 if i % 3 else 2,
                f"活动{i % 50}",
                "西陵区志愿服务队",
                "学院街道",
                "某社区",
                "" if i % 2 else "备注文本",
            ]
        )
    workbook.save(path)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        generate(path, rows)

        def calamine() -> None:
            sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            for _ in sheet.iter_rows():
                pass

        def reader() -> None:
            for _ in open_sheet(path, SPEC).rows():
                pass

        def end_to_end() -> None:
            check_upload(path, max_bytes=1 << 30)
            reader()

        best = dict.fromkeys(("calamine", "reader", "end_to_end"), float("inf"))
        for _ in range(repeats):
            for name, run in (
                ("calamine", calamine),
                ("reader", reader),
                ("end_to_end", end_to_end),
            ):
                started = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - started)
    print({name: round(seconds, 3) for name, seconds in best.items()})
    print(
        f"reader/calamine {best['reader'] / best['calamine']:.2f}  "
        f"end_to_end/calamine {best['end_to_end'] / best['calamine']:.2f}"
    )


if __name__ == "__main__":
    main()
