"""Find the header row of a departmental sheet and what each column means.

Exports put a title row, a condition row ("管理机关…，金额单位：万元") and blank rows above the
header, sometimes a second header row under merged group cells, and units in brackets. The
first rows are scanned for the row (or pair of rows) whose cells match the most known
aliases; units come from the header text first, then from "…单位：…" text above it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from mujun.ingest.read import RawSheet
from mujun.ingest.spec import FieldSpec, Spec

_SCAN_ROWS = 20
_UNIT_IN_HEADER = re.compile(r"^(.*?)[(（\[【]([^()（）\[\]【】]+)[)）\]】]$")
_SHEET_UNIT = re.compile(r"(金额|面积|电量|能耗|排放量|用地)?单位[:：]\s*([^\s,，;；、)）]+)")
_FAMILY_OF_LABEL = {"金额": "money", "面积": "land", "用地": "land", "电量": "electricity",
                    "能耗": "energy", "排放量": "mass"}  # fmt: skip
IDENTITY = ("uscc", "name", "legacy_id", "org_code")
MONTH = "@m"
"""``electricity@m3``: the March reading of a monthly field."""
PART = "#"
"""``item:企业所得税#2``: a further column that adds to a field (e.g. 国税 and 地税 parts)."""
_MONTH_HEADER = re.compile(
    r"^(?:用电量|电量|用电|电力)?-?(1[0-2]|0?[1-9])月份?(?:用电量|电量|用电)?$"
)
_YEAR_TOTAL = ("全年合计", "合计", "全年", "年度合计", "全年累计", "累计", "年合计",
               "全年用电量合计", "用电量合计", "1-12月", "1-12月合计", "1-12月累计")  # fmt: skip
_UNITISH = re.compile(r"元|瓦|时|米|亩|顷|吨|克|度|方|煤|kw|wh|m2|m3|kg|hm|^t$", re.IGNORECASE)
"""Bracketed header text that reads like a unit (known or not), not a qualifier like 国税."""
_LAST_RANK = 10_000
"""Rank of an annual-total column ("合计") beside monthly readings: any alias outranks it."""


def norm(text: str | None) -> str:
    """A header cell for matching: NFKC, no whitespace, upper-case Latin letters."""
    if text is None:
        return ""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def split_unit(cell: str) -> tuple[str, str | None]:
    """``"实缴税金（万元）"`` → ``("实缴税金", "万元")``; other cells come back unchanged."""
    found = _UNIT_IN_HEADER.match(cell)
    return (found.group(1), found.group(2)) if found else (cell, None)


@dataclass(frozen=True)
class Layout:
    """Where a sheet's header is and which grid column holds which field."""

    header_rows: tuple[int, ...]
    data_start: int
    columns: dict[str, str]
    """Field → grid column (``c3``)."""
    headers: dict[str, str]
    """Field → the header text as written (for reports)."""
    units: dict[str, str | None]
    """Field → unit written in its header (None if none)."""
    sheet_units: dict[str, str] = field(default_factory=dict)
    """Unit family → unit stated above the header ("金额单位：万元")."""
    unknown: tuple[str, ...] = ()
    """Header cells that matched nothing (reported, not fatal)."""
    repeated: tuple[tuple[str, str, str], ...] = ()
    """(field, grid column, header) of further columns that matched a field already found:
    lower in the field's precedence (its alias order in `sources.toml`)."""
    unknown_columns: tuple[tuple[str, str], ...] = ()
    """(grid column, header) of the cells in `unknown`."""


@dataclass(frozen=True)
class _Hit:
    col: int
    field: str
    rank: int
    header: str
    unit: str | None


def locate(
    sheet: RawSheet, fields: dict[str, FieldSpec], *, spec: Spec, required: tuple[str, ...] = (),
    monthly: str | None = None,
) -> Layout | None:  # fmt: skip
    """The best header layout for ``fields`` (plus identity), or None if no row qualifies.

    A header qualifies when it has an identity column (USCC, name, legacy ID, organisation code
    or a ``meter`` field) and every ``required`` field. Where several columns match one field,
    the one whose header comes first in the field's aliases wins (the precedence is data, in
    `sources.toml`); columns of a field marked ``additive`` all count (parts of one amount).
    ``monthly`` names a field whose readings may come as 1月…12月 columns plus an annual total.
    """
    wanted = {**spec.identity, **fields}
    lookup: dict[str, tuple[str, int]] = {}
    for name, f in wanted.items():
        for rank, alias in enumerate(f.aliases):
            lookup[norm(alias)] = (name, rank)
    additive = {name for name, f in wanted.items() if f.additive}
    known_units = {norm(u).lower() for table in spec.units.values() for u in table}
    rows = sheet.grid.head(_SCAN_ROWS).rows()
    best: tuple[tuple[int, int], Layout] | None = None
    for i in range(len(rows)):
        candidates = [_match(rows, i, (i,), lookup, additive, known_units, monthly)]
        if i + 1 < len(rows):
            candidates.append(_match(rows, i, (i, i + 1), lookup, additive, known_units, monthly))
        for layout in candidates:
            found = {f.split(PART)[0].split(MONTH)[0] for f in layout.columns}
            if not (found & {*IDENTITY, "meter"}) or not set(required) <= found:
                continue
            # Distinct fields first, then columns matched: a sub-header row of months (or of
            # parts) under a merged group wins over the group row alone.
            score = (len(found), len(layout.columns))
            if best is None or score > best[0]:
                best = (score, layout)
    if best is None:
        return None
    layout = best[1]
    above = [c for r in rows[: layout.header_rows[0]] for c in r if c]
    return replace(layout, sheet_units=_sheet_units(above, spec))


def _lookup(
    option: str, lookup: dict[str, tuple[str, int]], known_units: set[str]
) -> tuple[str, int, str | None] | None:
    """(field, rank, unit) of a header text.

    The whole text first, then without the bracketed parts at its end, the unit being the last
    of them that is a known unit.
    """
    text = re.sub(r"\s", "", option)
    unit = None
    while True:
        hit = lookup.get(norm(text))
        if hit is not None:
            return hit[0], hit[1], unit
        base, bracket = split_unit(text)
        if bracket is None or base == text:
            return None
        stated = re.sub(r"^单位[:：]?", "", bracket)
        # An unknown text that reads like a unit ("兆瓦时") is kept as the unit: the importer
        # refuses it rather than falling back to a default that may be 1000 times off.
        if unit is None and (norm(stated).lower() in known_units or _UNITISH.search(stated)):
            unit = stated
        text = base


def _bracket_unit(option: str, known_units: set[str]) -> str | None:
    """The last bracketed known unit anywhere in a header text, e.g. "能耗（吨标准煤）-等价值"."""
    inside = [re.sub(r"^单位:?", "", u) for u in re.findall(r"\(([^()]*)\)", norm(option))]
    found = [u for u in inside if u.lower() in known_units]
    return found[-1] if found else None


def _month(option: str, known_units: set[str]) -> tuple[int | None, str | None]:
    """(month, unit) of a monthly reading's header ("3月", "用电量（万千瓦时）-3月").

    Month 0 is the annual total ("全年合计"); (None, None) for any other header.
    """
    text = norm(option)
    units = [u for u in re.findall(r"\(([^()]*)\)", text) if u.lower() in known_units]
    bare = re.sub(r"\([^()]*\)", "", text)
    found = _MONTH_HEADER.match(bare)
    unit = units[-1] if units else None
    if found:
        return int(found.group(1)), unit
    if bare in _YEAR_TOTAL:
        return 0, unit
    return None, None


def _match(  # noqa: PLR0912, PLR0917 - one pass over the header cells, called from one place
    rows: list[tuple[str | None, ...]], top: int, levels: tuple[int, ...],
    lookup: dict[str, tuple[str, int]], additive: set[str], known_units: set[str],
    monthly: str | None,
) -> Layout:  # fmt: skip
    width = len(rows[top])
    names = _level_names(rows, levels, width)
    hits: list[_Hit] = []
    months: list[_Hit] = []
    unknown: list[tuple[str, str]] = []
    for j, options in enumerate(names):
        hit = None
        for option in options:
            found = _lookup(option, lookup, known_units)
            if found is not None:
                hit = _Hit(j, found[0], found[1], option.replace("\n", ""), found[2])
                break
        if hit is None and monthly is not None:
            for option in options:
                month, unit = _month(option, known_units)
                if month is not None:
                    hit = _Hit(j, f"{monthly}{MONTH}{month}" if month else monthly,
                               _LAST_RANK, option.replace("\n", ""), unit)  # fmt: skip
                    months.append(hit)
                    break
        if hit is not None and hit.unit is None:
            # A unit may sit in the merged group above ("用电量（万千瓦时）" over 1月…12月).
            unit = next((u for o in options if (u := _bracket_unit(o, known_units))), None)
            hit = replace(hit, unit=unit)
        if hit is not None:
            hits.append(hit)
        elif options and options[0]:
            unknown.append((f"c{j}", options[0].replace("\n", "")))
    if len([m for m in months if MONTH in m.field]) < 3:
        unknown.extend((f"c{m.col}", m.header) for m in months)
        hits = [h for h in hits if h not in months]
        unknown.sort(key=lambda u: int(u[0][1:]))
    by_field: dict[str, list[_Hit]] = {}
    for hit in hits:
        by_field.setdefault(hit.field, []).append(hit)
    columns: dict[str, str] = {}
    headers: dict[str, str] = {}
    units: dict[str, str | None] = {}
    repeated: list[tuple[str, str, str]] = []
    for name, matched in by_field.items():
        matched.sort(key=lambda h: (h.rank, h.col))
        kept = matched if name in additive else matched[:1]
        for k, chosen in enumerate(sorted(kept, key=lambda h: h.col)):
            key = name if k == 0 else f"{name}{PART}{k + 1}"
            columns[key], headers[key], units[key] = f"c{chosen.col}", chosen.header, chosen.unit
        repeated.extend((name, f"c{h.col}", h.header) for h in matched if h not in kept)
    order = {c: int(c[1:]) for c in columns.values()}
    columns = dict(sorted(columns.items(), key=lambda kv: order[kv[1]]))
    return Layout(levels, levels[-1] + 1, columns, headers, units,
                  unknown=tuple(h for _, h in unknown), repeated=tuple(repeated),
                  unknown_columns=tuple(unknown))  # fmt: skip


def _level_names(
    rows: list[tuple[str | None, ...]], levels: tuple[int, ...], width: int
) -> list[list[str]]:
    """Candidate names per column.

    One header row: the cell. Two: the sub-header, the merged group above it (filled
    rightwards) joined to it, and the group alone where there is no sub-header.
    """
    if len(levels) == 1:
        return [[c] if (c := rows[levels[0]][j]) else [] for j in range(width)]
    top, sub = rows[levels[0]], rows[levels[1]]
    filled: list[str | None] = []
    current = None
    for j in range(width):
        current = top[j] if top[j] else current
        filled.append(current)
    out = []
    for j in range(width):
        group, leaf = filled[j], sub[j]
        options = [o for o in (leaf, f"{group}{leaf}" if group and leaf else None,
                               f"{group}-{leaf}" if group and leaf else None,
                               group if not leaf else None) if o]  # fmt: skip
        out.append(options)
    return out


def _sheet_units(cells: list[str], spec: Spec) -> dict[str, str]:
    out: dict[str, str] = {}
    for cell in cells:
        for label, unit in _SHEET_UNIT.findall(unicodedata.normalize("NFKC", cell)):
            family = _FAMILY_OF_LABEL.get(label) or _family_of(unit, spec)
            if family is not None and unit_factor(spec, family, unit) is not None:
                out.setdefault(family, unit)
    return out


def _family_of(unit: str, spec: Spec) -> str | None:
    key = norm(unit).lower()
    for family, table in spec.units.items():
        if key in {norm(u).lower() for u in table}:
            return family
    return None


def unit_factor(spec: Spec, family: str, unit: str | None) -> float | None:
    """Factor from ``unit`` to the family's canonical unit (None if unknown)."""
    if unit is None:
        return None
    key = norm(unit).lower()
    for name, factor in spec.units.get(family, {}).items():
        if norm(name).lower() == key:
            return factor
    return None
