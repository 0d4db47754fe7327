"""Plausible synthetic people for the demo and the benchmark: names (including minority
names with the middle dot and a rare character), valid 居民身份证 numbers, mobile numbers."""

from __future__ import annotations

import datetime as dt
import random

from volunteer.volunteers.idcard import check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁欣怡梓涵子轩浩然雨桐晨曦佳琪思远"
SPECIAL_NAMES = ["阿依古丽·买买提", "吉𠮷", "欧阳明月", "玛丽·尼古拉耶芙娜", "司马雯"]
XILING_REGION = "420502"


def name(rng: random.Random, index: int | None = None) -> str:
    if index is not None and index % 500 == 7:
        return SPECIAL_NAMES[(index // 500) % len(SPECIAL_NAMES)]
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def resident_id(rng: random.Random, today: dt.date, region: str = XILING_REGION, used=None):
    """A valid 18-digit number for someone aged 15 to 75: (number, birth_date, sex).

    Pass a set as `used` to get numbers unique across calls.
    """
    while True:
        number, birth, sex = _resident_id(rng, today, region)
        if used is None or number not in used:
            if used is not None:
                used.add(number)
            return number, birth, sex


def _resident_id(rng: random.Random, today: dt.date, region: str):
    birth = today - dt.timedelta(days=rng.randint(15 * 366, 75 * 365))
    sequence = rng.randint(0, 999)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    sex = "男" if sequence % 2 else "女"
    return first17 + check_digit(first17), birth, sex


def phone(rng: random.Random) -> str:
    return (
        rng.choice(["138", "139", "158", "186", "177", "135"]) + f"{rng.randint(0, 99_999_999):08d}"
    )
