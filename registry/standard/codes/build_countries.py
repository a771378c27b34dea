"""Regenerate ``data/country.json`` (国家和地区, GB/T 2659.1 = ISO 3166-1) from pycountry.

Usage::

    .venv/bin/python registry/standard/codes/build_countries.py

Codes are the ISO 3166-1 alpha-3 codes (GB/T 2659.1 三字符拉丁字母代码); each entry
also carries alpha-2, the numeric code and the English short name.  Chinese
short names come from pycountry's zh_CN translation, corrected where that
translation uses a long form, a Taiwan-style rendering or a typo (``ZH_OVERRIDES``).
The data date is taken from pycountry's calendar version (26.2.16 → 2026-02-16).
pycountry is needed only to run this script, never at run time.
"""

from __future__ import annotations

import gettext
import importlib.metadata
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "data" / "country.json"

ZH_OVERRIDES = {
    "HKG": "中国香港",
    "MAC": "中国澳门",
    "TWN": "中国台湾",
    "ATF": "法属南部领地",
    "BGD": "孟加拉国",
    "BOL": "玻利维亚",
    "CCK": "科科斯（基林）群岛",
    "COD": "刚果（金）",
    "COG": "刚果（布）",
    "FLK": "马尔维纳斯群岛（福克兰）",
    "FSM": "密克罗尼西亚联邦",
    "GTM": "危地马拉",
    "HMD": "赫德岛和麦克唐纳群岛",
    "IMN": "马恩岛",
    "IRN": "伊朗",
    "KGZ": "吉尔吉斯斯坦",
    "KHM": "柬埔寨",
    "KOR": "韩国",
    "LAO": "老挝",
    "MDA": "摩尔多瓦",
    "MLT": "马耳他",
    "PCN": "皮特凯恩群岛",
    "PRK": "朝鲜",
    "PYF": "法属波利尼西亚",
    "SGS": "南乔治亚岛和南桑威奇群岛",
    "SYR": "叙利亚",
    "VEN": "委内瑞拉",
}


def build() -> dict:
    import pycountry  # only needed to regenerate

    version = importlib.metadata.version("pycountry")
    yy, mm, dd = (int(p) for p in version.split(".")[:3])
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    entries = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        name = ZH_OVERRIDES.get(c.alpha_3) or zh.gettext(c.name)
        entries.append(
            {
                "code": c.alpha_3,
                "name": name,
                "alpha_2": c.alpha_2,
                "numeric": c.numeric,
                "name_en": c.name,
            }
        )
    return {
        "table": "country",
        "title": "国家和地区",
        "standard": "GB/T 2659.1-2022（ISO 3166-1:2020, MOD）",
        "version": f"ISO 3166-1 via pycountry {version}",
        "date": f"{2000 + yy:04d}-{mm:02d}-{dd:02d}",
        "source": f"PyPI pycountry {version} (Debian iso-codes 数据库及其 zh_CN 译名)",
        "note": (
            "代码为 ISO 3166-1 三字母代码（即 GB/T 2659.1 三字符代码），另附二字母代码、数字代码和英文简称。"
            "中文简称取 pycountry 的 zh_CN 译名，其中长称、非大陆译法和错字按我国通行简称修订"
            "（香港、澳门、台湾作“中国香港”“中国澳门”“中国台湾”）。国家和地区名称及代码不代表对主权、政治地位的态度。"
            "由 build_countries.py 生成，勿手工编辑。"
        ),
        "entries": entries,
    }


def dump(doc: dict) -> str:
    head = {k: v for k, v in doc.items() if k != "entries"}
    text = json.dumps(head, ensure_ascii=False, indent=2)
    lines = [json.dumps(e, ensure_ascii=False, separators=(", ", ": ")) for e in doc["entries"]]
    return text[:-2] + ',\n  "entries": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"


def main() -> int:
    doc = build()
    OUTPUT.write_text(dump(doc), encoding="utf-8")
    sys.stderr.write(f"wrote {OUTPUT}: {len(doc['entries'])} entries\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
