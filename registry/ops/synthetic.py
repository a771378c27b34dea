"""Synthetic accountants for demos, tests and benchmarks. Never real people.

ID numbers are valid in form (area in the province, real date, correct check)
but generated at random; names are drawn from common characters.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from registry.standard.identity import check_char
from registry.standard.uscc import uscc_check_char

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺"
    "媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑"
    "婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
    "浩宇子轩博文志鹏晨旭俊辉建国永刚天佑嘉懿煜城懿轩烨伟苑博伟泽熠彤鸿煊博涛烨霖烨华煜祺智宸正豪昊然明杰立诚"
)
UNIT_WORDS = [
    "华信",
    "恒通",
    "中联",
    "泰和",
    "瑞丰",
    "宏达",
    "金源",
    "鼎盛",
    "安和",
    "永新",
    "长城",
    "广源",
    "东方",
    "南粤",
    "国泰",
    "立信",
    "诚信",
    "天成",
    "盛世",
    "嘉禾",
]
UNIT_TRADES = [
    "贸易",
    "科技",
    "建设",
    "制造",
    "物流",
    "食品",
    "医药",
    "电子",
    "实业",
    "投资",
    "置业",
    "服饰",
    "能源",
    "文化",
    "咨询",
]
SCHOOLS = [
    "中山大学",
    "华南理工大学",
    "暨南大学",
    "广东财经大学",
    "华南师范大学",
    "广东外语外贸大学",
    "广州大学",
    "深圳大学",
    "汕头大学",
    "广东工业大学",
]
VOCATIONAL = [
    "广东科学技术职业学院",
    "广州番禺职业技术学院",
    "广东轻工职业技术学院",
    "广东财贸职业学院",
    "顺德职业技术学院",
]
MAJORS = [
    "会计学",
    "财务管理",
    "审计学",
    "税收学",
    "金融学",
    "会计",
    "会计信息管理",
    "财务会计教育",
    "工商管理",
]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# (education code, share, school pool, years of study); shares are of accountants, not the population.
EDUCATION_MIX = (
    ("11", 0.005, SCHOOLS, 3),
    ("14", 0.07, SCHOOLS, 3),
    ("21", 0.46, SCHOOLS, 4),
    ("31", 0.36, VOCATIONAL, 3),
    ("41", 0.095, VOCATIONAL, 3),
    ("61", 0.01, VOCATIONAL, 3),
)
INDUSTRY_WEIGHTS = {
    "C": 22,
    "F": 8,
    "G": 16,
    "I": 5,
    "J": 7,
    "K": 5,
    "L": 6,
    "M": 5,
    "P": 4,
    "Q": 3,
    "S": 9,
    "E": 4,
    "H": 3,
    "N": 3,
}


@dataclass(frozen=True)
class FakePerson:
    archive_no: str
    name: str
    sex: str
    birth_date: date
    category: str
    county: str
    education: list[dict[str, object]]
    work: list[dict[str, object]]
    student: dict[str, object] | None
    mobile: str


def resident_id(rng: random.Random, area: str, birth: date, sex: str) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "1" else 0)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def credit_code(rng: random.Random, area: str) -> str:
    body = "91" + area + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


def _weighted(rng: random.Random, pairs: dict[str, int]) -> str:
    return rng.choices(list(pairs), weights=list(pairs.values()))[0]


def people(rng: random.Random, counties: dict[str, str], today: date) -> Iterator[FakePerson]:
    """An endless stream of synthetic accountants living and working in the given counties
    (county code → the city name used in employers' names)."""
    codes = list(counties)
    edu_weights = [m[1] for m in EDUCATION_MIX]
    while True:
        sex = "2" if rng.random() < 0.62 else "1"
        code, _, pool, years = rng.choices(EDUCATION_MIX, weights=edu_weights)[0]
        # Old enough to have finished that education: 18 at entry, a year or two of slack.
        youngest = max(20, 18 + years + 1 if code[0] in "12" else 20)
        age_days = rng.randrange(youngest * 366, 65 * 365)
        birth = today - timedelta(days=age_days)
        home = rng.choice(codes)
        county = home if rng.random() < 0.7 else rng.choice(codes)
        grad_year = min(birth.year + 18 + years + rng.randrange(0, 3), today.year - 1)
        education: list[dict[str, object]] = [
            {
                "mode": "1",
                "school": rng.choice(pool),
                "education": code,
                "major": rng.choice(MAJORS),
                "start_date": date(grad_year - years, 9, 1),
                "end_date": date(grad_year, 7, 1),
            }
        ]
        roll = rng.random()
        category = "1" if roll < 0.93 else ("2" if roll < 0.96 else "3")
        student = None
        work: list[dict[str, object]] = []
        if category == "2":
            student = {
                "school": rng.choice(SCHOOLS),
                "school_region": county,
                "expected_graduation": date(today.year + 1, 7, 1),
            }
        elif category == "1":
            start = date(min(grad_year + rng.randrange(0, 3), today.year), rng.randrange(1, 13), 1)
            work.append(
                {
                    "start_date": min(start, today),
                    "unit_name": f"{counties[county]}{rng.choice(UNIT_WORDS)}{rng.choice(UNIT_TRADES)}有限公司",
                    "credit_code": credit_code(rng, county),
                    "unit_nature": "1",
                    "industry": _weighted(rng, INDUSTRY_WEIGHTS),
                    "unit_region": county,
                    "is_accounting": True,
                    "post": rng.choice(["01", "03", "04", "05", "06"]),
                }
            )
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        yield FakePerson(
            archive_no=resident_id(rng, home, birth, sex),
            name=rng.choice(SURNAMES) + given,
            sex=sex,
            birth_date=birth,
            category=category,
            county=county,
            education=education,
            work=work,
            student=student,
            mobile="1" + rng.choice("3456789") + f"{rng.randrange(0, 10**9):09d}",
        )
