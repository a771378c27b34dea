"""The 40 provincial accounting-management bodies of the notice (DOMAIN.md §8).

The four bodies without a 区划 code get internal codes beginning with "Z", a
letter GB/T 2260 never uses, so they cannot collide with a division code.
"""

from __future__ import annotations

NATIONAL_CODE = "000000"
NATIONAL_NAME = "财政部会计司（全国会计人员信息管理）"

# 计划单列市: provincial bodies of their own, excluded from their parent province's tree.
SEPARATE_PLAN_CITIES = {
    "210200": "大连",
    "370200": "青岛",
    "330200": "宁波",
    "350200": "厦门",
    "440300": "深圳",
}

SPECIAL_BODIES = {
    "Z10000": ("新疆生产建设兵团财政局", "兵团"),
    "Z20000": ("中共中央直属机关事务管理局", "中直管理局"),
    "Z30000": ("国家机关事务管理局财务管理司", "国管局"),
    "Z40000": ("中央军委后勤保障部财务局", "军委后勤保障部"),
}

MAINLAND_PROVINCES = [
    "110000",
    "120000",
    "130000",
    "140000",
    "150000",
    "210000",
    "220000",
    "230000",
    "310000",
    "320000",
    "330000",
    "340000",
    "350000",
    "360000",
    "370000",
    "410000",
    "420000",
    "430000",
    "440000",
    "450000",
    "460000",
    "500000",
    "510000",
    "520000",
    "530000",
    "540000",
    "610000",
    "620000",
    "630000",
    "640000",
    "650000",
]

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}


def provincial_body_name(code: str, division_name: str) -> str:
    if code in SEPARATE_PLAN_CITIES or code in MUNICIPALITIES:
        return f"{division_name}财政局"
    return f"{division_name}财政厅"
