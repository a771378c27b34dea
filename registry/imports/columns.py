"""The import file's columns: one row per person, flattened from the standard's PersonRecord.

identity + 采集 (category, managing agency) + the highest education + the current work + the
student items (docs/adr/0012-bulk-import.md). Headers are the data standard's Chinese item
names; the explanation sheet of the template is generated from this table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from registry.standard.codes import load_table

TEXT, CODE, DATE, BOOL, NUMBER = "text", "code", "date", "bool", "number"


@dataclass(frozen=True)
class Col:
    header: str
    key: str
    group: str  # identity, collection, education, work, student
    field: str  # the standard's item in that group
    kind: str = TEXT
    table: str = ""
    required: bool = False  # the column must be in the file
    note: str = ""
    aliases: tuple[str, ...] = ()
    width: int = 14


COLUMNS: tuple[Col, ...] = (
    Col(
        "证件类型",
        "document_type",
        "identity",
        "document_type",
        CODE,
        "document_type",
        note="不填为居民身份证",
        aliases=("证件种类",),
        width=12,
    ),
    Col(
        "证件号码",
        "archive_no",
        "identity",
        "archive_no",
        NUMBER,
        required=True,
        note="档案号，即身份证号码等；请将该列设为“文本”格式，18 位号码存成数字会丢失末尾数字",
        aliases=("身份证号", "身份证号码", "档案号"),
        width=22,
    ),
    Col("姓名", "name", "identity", "name", required=True, width=10),
    Col("性别", "sex", "identity", "sex", CODE, "sex", note="居民身份证可不填，按号码确定", width=8),
    Col("出生日期", "birth_date", "identity", "birth_date", DATE, note="居民身份证可不填，按号码确定"),
    Col(
        "国籍/地区",
        "nationality",
        "identity",
        "nationality",
        CODE,
        "country",
        note="三字母代码或中文名称，如 CHN、中国；护照必填",
        aliases=("国籍", "国籍（地区）"),
    ),
    Col("民族", "ethnicity", "identity", "ethnicity", CODE, "ethnicity", width=10),
    Col("政治面貌", "political_status", "identity", "political_status", CODE, "political_status"),
    Col("手机号", "mobile", "identity", "mobile", NUMBER, aliases=("手机号码", "手机")),
    Col("电子邮箱", "email", "identity", "email", aliases=("邮箱",), width=20),
    Col("通讯地址", "address", "identity", "address", width=30),
    Col(
        "户籍或居住地",
        "residence_region",
        "identity",
        "residence_region",
        CODE,
        "division",
        note="6 位行政区划代码",
        aliases=("户籍所在地",),
    ),
    Col(
        "人员类别",
        "category",
        "collection",
        "category",
        CODE,
        "person_category",
        required=True,
        note="在职会计人员、在校学生或其他",
    ),
    Col(
        "管理机构代码",
        "agency_code",
        "collection",
        "agency_code",
        NUMBER,
        note="如 440106；不填为本次导入的机构；须在您管理的范围内",
        aliases=("管理机构",),
    ),
    Col("培养方式", "edu_mode", "education", "mode", CODE, "training_mode", note="全日制或非全日制"),
    Col("毕业学校", "edu_school", "education", "school", note="最高学历的学校", aliases=("学校",), width=20),
    Col(
        "学历",
        "edu_education",
        "education",
        "education",
        CODE,
        "education",
        note="最高学历，GB/T 4658 代码或名称，如 21、大学本科毕业、本科",
        aliases=("最高学历",),
    ),
    Col("学位", "edu_degree", "education", "degree", CODE, "degree", note="GB/T 6864 代码或名称"),
    Col("专业", "edu_major", "education", "major"),
    Col("入学日期", "edu_start", "education", "start_date", DATE),
    Col("毕业日期", "edu_end", "education", "end_date", DATE),
    Col("学历证书号", "edu_diploma_no", "education", "diploma_no", NUMBER, width=20),
    Col("学位证书号", "edu_degree_cert_no", "education", "degree_cert_no", NUMBER, width=20),
    Col("工作单位", "work_unit", "work", "unit_name", note="现工作单位全称", aliases=("单位名称",), width=24),
    Col("统一社会信用代码", "work_credit_code", "work", "credit_code", NUMBER, width=22),
    Col("单位性质", "work_nature", "work", "unit_nature", CODE, "unit_nature"),
    Col(
        "所属行业",
        "work_industry",
        "work",
        "industry",
        CODE,
        "industry",
        note="GB/T 4754 门类字母或名称，如 C、制造业",
    ),
    Col("单位所在地", "work_region", "work", "unit_region", CODE, "division", note="6 位行政区划代码"),
    Col(
        "参加本单位工作日期",
        "work_start",
        "work",
        "start_date",
        DATE,
        aliases=("工作起始日期", "起始日期", "入职日期"),
    ),
    Col("是否从事会计工作", "work_is_accounting", "work", "is_accounting", BOOL, note="是或否，不填为是"),
    Col("会计岗位", "work_post", "work", "post", CODE, "accounting_post"),
    Col("会计职务", "work_position", "work", "position", note="如 会计机构负责人、总会计师"),
    Col("学籍学校", "student_school", "student", "school", note="在校学生填写", width=20),
    Col(
        "学籍所在地",
        "student_region",
        "student",
        "school_region",
        CODE,
        "division",
        note="在校学生填写，6 位行政区划代码",
    ),
    Col("预计毕业日期", "student_graduation", "student", "expected_graduation", DATE, note="在校学生填写"),
)

BY_KEY = {c.key: c for c in COLUMNS}
GROUP_COLUMNS: dict[str, tuple[Col, ...]] = {
    g: tuple(c for c in COLUMNS if c.group == g)
    for g in ("identity", "collection", "education", "work", "student")
}
# Standard item (group.field) → column, to name the column of a validation error.
BY_FIELD = {f"{c.group}.{c.field}": c for c in COLUMNS}
BY_FIELD["identity.number"] = BY_KEY["archive_no"]

# Names that legacy systems and people use for some codes. Only unambiguous ones: 研究生 could be
# 博士 or 硕士, so it is not here.
ALIASES: dict[str, dict[str, str]] = {
    "education": {
        "博士": "11",
        "博士研究生": "11",
        "硕士": "14",
        "硕士研究生": "14",
        "本科": "21",
        "大学本科": "21",
        "大专": "31",
        "专科": "31",
        "大学专科": "31",
        "中专": "41",
        "高中": "61",
        "初中": "71",
    },
    "document_type": {
        "身份证": "resident_id",
        "居民身份证号码": "resident_id",
        "居住证": "hmt_residence_permit",
    },
    "sex": {"男性": "1", "女性": "2"},
    "country": {"中国": "CHN", "中华人民共和国": "CHN", "香港": "HKG", "澳门": "MAC", "台湾": "TWN"},
    "training_mode": {"全日制教育": "1", "非全日制教育": "2", "在职": "2"},
}


@cache
def code_lookup(table: str) -> dict[str, str]:
    """Every spelling accepted for a code of `table`: the code, its names, and the aliases above."""
    out: dict[str, str] = {}
    for e in load_table(table):
        if e.retired:
            continue
        out[e.code] = e.code
        if table == "division":
            continue  # names repeat across cities (城区, 新区): codes only
        out.setdefault(e.name, e.code)
        for extra in ("standard_name", "title", "name_en"):
            value = e.extra.get(extra)
            if isinstance(value, str) and value:
                out.setdefault(value, e.code)
        if table == "ethnicity" and e.name.endswith("族") and len(e.name) >= 2:
            out.setdefault(e.name[:-1], e.code)  # 汉 for 汉族, as older forms write it
    for name, code in ALIASES.get(table, {}).items():
        out.setdefault(name, code)
    # Cells are compared after full-width forms become ASCII (（ → (), so the names are too.
    for name, code in list(out.items()):
        out.setdefault(unicodedata.normalize("NFKC", name), code)
    return out


@cache
def code_width(table: str) -> int:
    """The length of a table's numeric codes when they all have one (民族 01–98): a spreadsheet that
    stored 01 as the number 1 is read back as 01."""
    widths = {len(e.code) for e in load_table(table) if e.code.isdigit()}
    return widths.pop() if len(widths) == 1 else 0
