"""Find the header row of a departmental sheet and what each column means.

Exports put a title row, a condition row ("管理机关…，金额单位：万元") and blank rows above the
header, sometimes a second header row under merged group cells, and units in brackets. The
first rows are scanned for the row (or pair of rows) whose cells match the most known
aliases; units come from the header text first, then from "…单位：…" text above it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from mujun.ingest.read import RawSheet
from mujun.ingest.spec import FieldSpec, Spec

_SCAN_ROWS = 20
_UNIT_IN_HEADER = re.compile(r"^(.*?)[(（\[【]([^()（）\[\]【】]+)[)）\]】]$")
_SHEET_UNIT = re.compile(r"(金额|面积|电量|能耗|排放量|用地)?单位[:：]\s*([^\s,，;；、)）]+)")
_FAMILY_OF_LABEL = {"金额": "money", "面积": "land", "用地": "land", "电量": "electricity",
                    "能耗": "energy", "排放量": "mass"}  # fmt: skip
IDENTITY = ("uscc", "name", "legacy_id")


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
    """(field, grid column, header) of further columns that matched a field already found."""


def locate(
    sheet: RawSheet, fields: dict[str, FieldSpec], *, spec: Spec, required: tuple[str, ...] = ()
) -> Layout | None:
    """The best header layout for ``fields`` (plus identity), or None if no row qualifies.

    A header qualifies when it has an identity column (USCC, name or legacy ID, or a
    ``meter`` field) and every ``required`` field.
    """
    wanted = {**spec.identity, **fields}
    lookup = {norm(a): name for name, f in wanted.items() for a in f.aliases}
    rows = sheet.grid.head(_SCAN_ROWS).rows()
    best: tuple[int, Layout] | None = None
    for i in range(len(rows)):
        candidates = [_match(rows, i, (i,), lookup)]
        if i + 1 < len(rows):
            candidates.append(_match(rows, i, (i, i + 1), lookup))
        for layout in candidates:
            found = set(layout.columns)
            if not (found & {*IDENTITY, "meter"}) or not set(required) <= found:
                continue
            score = len(found)
            if best is None or score > best[0]:
                best = (score, layout)
    if best is None:
        return None
    layout = best[1]
    above = [c for r in rows[: layout.header_rows[0]] for c in r if c]
    return Layout(
        header_rows=layout.header_rows,
        data_start=layout.data_start,
        columns=layout.columns,
        headers=layout.headers,
        units=layout.units,
        sheet_units=_sheet_units(above, spec),
        unknown=layout.unknown,
        repeated=layout.repeated,
    )


def _match(
    rows: list[tuple[str | None, ...]], top: int, levels: tuple[int, ...], lookup: dict[str, str]
) -> Layout:
    width = len(rows[top])
    names = _level_names(rows, levels, width)
    columns: dict[str, str] = {}
    headers: dict[str, str] = {}
    units: dict[str, str | None] = {}
    unknown: list[str] = []
    repeated: list[tuple[str, str, str]] = []
    for j, options in enumerate(names):
        hit, again = None, None
        for option in options:
            base, unit = split_unit(re.sub(r"\s", "", option))
            key = lookup.get(norm(base)) or lookup.get(norm(option))
            if key is not None and key not in columns:
                hit = (key, option, unit)
                break
            if key is not None and again is None:
                again = (key, f"c{j}", option.replace("\n", ""))
        if hit is None and again is not None:
            repeated.append(again)
        elif hit is not None:
            columns[hit[0]] = f"c{j}"
            headers[hit[0]] = hit[1].replace("\n", "")
            units[hit[0]] = hit[2]
        elif options and options[0]:
            unknown.append(options[0].replace("\n", ""))
    return Layout(levels, levels[-1] + 1, columns, headers, units, unknown=tuple(unknown),
                  repeated=tuple(repeated))  # fmt: skip


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
