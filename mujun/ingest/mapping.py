"""How a file was read, as data: which column became which field, in which unit, on what evidence.

The importer builds one `SheetMapping` per sheet it reads. The terminal summary, the import
report, the batch record and the web upload preview all show this structure, so an official
can check the reading before trusting it, and correct it without touching the package
(`Corrections`: ``--map 税收收入=total``, ``--unit 工业增加值=千元`` or a TOML file with
``[map]`` and ``[unit]`` tables).

Evidence of a column's field: ``header`` (an alias in `sources.toml` matched its header) or
``user`` (a correction). Evidence of its unit: ``header`` (in brackets in the header),
``title row`` (a line above the table, "金额单位：万元"), ``footnote`` (a line below it),
``cells`` (the cells themselves end in 元), ``default`` (the source's documented default, said
loudly), or ``user``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from mujun.errors import DataError
from mujun.ingest.headers import MONTH, PART, norm, split_unit
from mujun.ingest.spec import FieldSpec, Spec

Evidence = Literal["header", "title row", "footnote", "cells", "default", "user", "none"]
EVIDENCE_LABELS: dict[str, str] = {
    "header": "表头", "title row": "表头上方说明", "footnote": "表下注释", "cells": "单元格中注明",
    "default": "默认（文件未注明）", "user": "用户指定", "none": "（无单位）",
}  # fmt: skip
IGNORE_WORDS = ("-", "ignore", "忽略", "不导入")
"""A correction target that means "do not read this column"."""
FRIENDLY_TARGETS = {"tax_amount": ("amount", "total"), "税额": ("amount", "total")}
"""Correction targets that name a field by what it is rather than by its name in a source."""
_FROM_EXTRACT: dict[str, Evidence] = {
    "表头": "header", "表头上方说明": "title row", "表下注释": "footnote",
    "默认（文件未注明）": "default",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnUse:
    """One column of a sheet and what became of it."""

    column: str
    """Spreadsheet column, e.g. "C列"."""
    header: str
    """Header as written."""
    field: str | None
    """Canonical field (None: not read)."""
    label: str
    """What the field means, in Chinese (the field's first alias), or why the column is unused."""
    unit: str | None = None
    evidence: Evidence = "header"
    """How the field was recognised: ``header`` or ``user`` (``none`` for unused columns)."""
    unit_evidence: Evidence = "none"
    numeric: bool = False
    """An unused column that holds numbers (listed prominently: it may be a missed field)."""


@dataclass(frozen=True)
class SheetMapping:
    """The reading of one sheet: column → field, unit and evidence; what was not read."""

    file: str
    sheet: str | None
    source: str
    source_label: str
    header_row: int
    """Spreadsheet row of the (last) header row."""
    columns: tuple[ColumnUse, ...]
    missing: tuple[str, ...] = ()
    """Fields such a file normally has that were not found (a warning for the file)."""
    notes: tuple[str, ...] = ()
    """Choices made on evidence that an official must know (precedence, basis, fallbacks)."""
    corrections: tuple[str, ...] = ()
    """User corrections applied to this sheet, as given."""
    alerts: tuple[str, ...] = ()
    """What contradicts the import itself (a title stating another year than the data year)."""

    @property
    def used(self) -> tuple[ColumnUse, ...]:
        """Columns read into a field."""
        return tuple(c for c in self.columns if c.field is not None)

    @property
    def ignored(self) -> tuple[ColumnUse, ...]:
        """Columns not read."""
        return tuple(c for c in self.columns if c.field is None)

    @property
    def unknown_numeric(self) -> tuple[str, ...]:
        """Headers of unused columns that hold numbers."""
        return tuple(c.header for c in self.ignored if c.numeric)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (for the batch record and the web preview)."""
        out = asdict(self)
        out["columns"] = [asdict(c) for c in self.columns]
        return out

    def warnings(self) -> list[str]:
        """The file-level warnings, in Chinese.

        Contradictions, numbers not read, expected fields not found.
        """
        out = list(self.alerts)
        if self.unknown_numeric:
            out.append(
                f"有数值但未导入的列：{'、'.join(self.unknown_numeric)}"
                "（如应导入，请用 --map 列名=字段 指定）"
            )
        if self.missing:
            out.append(f"未找到此类文件通常应有的字段：{'、'.join(self.missing)}")
        return out


def mapping_frame(mappings: Sequence[SheetMapping], /) -> pl.DataFrame:
    """Every sheet's columns, one row each: what became of it, in which unit, on what evidence."""
    rows = [
        {
            "file": Path(m.file).name, "sheet": m.sheet, "source": m.source_label,
            "header_row": m.header_row, "column": c.column, "header": c.header,
            "field": c.field, "meaning": c.label, "unit": c.unit,
            "evidence": EVIDENCE_LABELS[c.evidence] if c.field else "",
            "unit_evidence": EVIDENCE_LABELS[c.unit_evidence] if c.unit else "",
            "numeric": "有数值，未导入" if c.numeric else "",
        }
        for m in mappings
        for c in m.columns
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=MAPPING_SCHEMA)


MAPPING_SCHEMA = pl.Schema({
    "file": pl.String(), "sheet": pl.String(), "source": pl.String(), "header_row": pl.Int64(),
    "column": pl.String(), "header": pl.String(), "field": pl.String(), "meaning": pl.String(),
    "unit": pl.String(), "evidence": pl.String(), "unit_evidence": pl.String(),
    "numeric": pl.String(),
})  # fmt: skip
MAPPING_HEADERS = {
    "header_row": "表头行", "header": "表头", "unit": "单位", "field": "字段", "meaning": "含义",
    "evidence": "识别依据", "unit_evidence": "单位依据", "numeric": "提示",
}  # fmt: skip
"""Chinese headers of `mapping_frame` beyond those the import report already has."""


def field_label(name: str, spec: Spec, fields: Mapping[str, FieldSpec]) -> str:
    """A field's meaning in Chinese: its first alias, with the month or part it stands for."""
    base, month, part = name, None, None
    if MONTH in base:
        base, month = base.split(MONTH)
    if PART in base:
        base, part = base.split(PART)
    if base.startswith("item:"):
        label = base.removeprefix("item:")
    else:
        f = fields.get(base) or spec.identity.get(base)
        label = f.aliases[0] if f is not None else base
    if month is not None:
        label += f"（{month}月）"
    if part is not None:
        label += f"（第{part}列，与同名列相加）"
    return label


def unit_from_extract(text: str | None) -> tuple[str | None, Evidence]:
    """``"万元（表头上方说明）"`` (as `extract` records units) → ``("万元", "title row")``."""
    if not text or text.startswith("（"):
        return None, "none"
    found = re.match(r"^(.*?)（(.*)）$", text)
    if not found:
        return text, "header"
    return found.group(1), _FROM_EXTRACT.get(found.group(2), "header")


# ---- corrections ---- #
@dataclass(frozen=True)
class Corrections:
    """What the user said about columns: header → field (or ignore), header/field → unit."""

    columns: tuple[tuple[str, str], ...] = ()
    units: tuple[tuple[str, str], ...] = ()
    origin: str = ""
    """Where they came from (the options or the mapping file), for the record."""

    def __bool__(self) -> bool:
        return bool(self.columns or self.units)

    def described(self) -> list[str]:
        """Each correction as the user would write it."""
        return [f"--map {h}={t}" for h, t in self.columns] + [
            f"--unit {h}={u}" for h, u in self.units
        ]

    def fields_for(
        self, fields: dict[str, FieldSpec], spec: Spec
    ) -> tuple[dict[str, FieldSpec], dict[str, FieldSpec], set[str]]:
        """``fields`` and the identity fields with the user's mapping applied.

        Also returns the fields the user mapped (their evidence is ``user``). A mapped header
        becomes the field's ONLY alias (so it wins over any other column); an ignored header is
        removed from every field.
        """
        identity = dict(spec.identity)
        mapped: set[str] = set()
        for header, target in self.columns:
            keys = {norm(header), norm(split_unit(re.sub(r"\s", "", header))[0])}
            for table in (fields, identity):
                for name, f in list(table.items()):
                    kept = tuple(a for a in f.aliases if norm(a) not in keys)
                    if kept != f.aliases:
                        table[name] = f.model_copy(update={"aliases": kept})
            if target in IGNORE_WORDS:
                continue
            chosen = resolve_target(target, fields, identity)
            if chosen is None:
                continue
            table = identity if chosen in identity else fields
            table[chosen] = table[chosen].model_copy(update={"aliases": (header,)})
            mapped.add(chosen)
        return fields, identity, mapped


def resolve_target(
    target: str, fields: Mapping[str, FieldSpec], identity: Mapping[str, FieldSpec]
) -> str | None:
    """The field a correction names in this source (None if it is not one here).

    A field name, a friendly name (``tax_amount``), its Chinese label or any of its aliases.
    """
    both = {**identity, **fields}
    if target in both:
        return target
    for name in FRIENDLY_TARGETS.get(target, ()):
        if name in both:
            return name
    if f"item:{target}" in both:
        return f"item:{target}"
    key = norm(target)
    for name, f in both.items():
        if any(norm(a) == key for a in f.aliases):
            return name
    return None


def parse_corrections(
    maps: Sequence[str] = (), units: Sequence[str] = (), file: str | Path | None = None
) -> Corrections:
    """Corrections from ``HEADER=FIELD`` / ``HEADER=UNIT`` options and a TOML file.

    The file has ``[map]`` (header = field) and ``[unit]`` (header or field = unit) tables.

    Raises:
        DataError: an option without ``=`` or a file that is not such a TOML file.
    """
    columns = [_pair(m, "--map") for m in maps]
    unit_pairs = [_pair(u, "--unit") for u in units]
    origin = []
    if maps or units:
        origin.append("命令行")
    if file is not None:
        path = Path(file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            msg = (
                f"无法读取列对照文件 {path}：{exc}\n"
                "提示：文件应为 UTF-8 的 TOML，例如\n"
                '[map]\n"税收收入" = "total"\n[unit]\n"工业增加值" = "千元"'
            )
            raise DataError(msg) from None
        unknown = sorted(set(data) - {"map", "unit"})
        if unknown or not all(isinstance(v, dict) for v in data.values()):
            msg = f"列对照文件 {path} 只能有 [map] 和 [unit] 两个表，这里有：{'、'.join(data)}"
            raise DataError(msg)
        columns += [(str(k), str(v)) for k, v in data.get("map", {}).items()]
        unit_pairs += [(str(k), str(v)) for k, v in data.get("unit", {}).items()]
        origin.append(f"列对照文件 {path.name}")
    return Corrections(tuple(columns), tuple(unit_pairs), "、".join(origin))


def _pair(text: str, option: str) -> tuple[str, str]:
    left, sep, right = text.partition("=")
    if not sep or not left.strip() or not right.strip():
        msg = (
            f"{option} {text!r} 的写法不对。\n"
            f"提示：写成 {option} 列名=值，例如 --map 税收收入=total、--unit 工业增加值=千元"
        )
        raise DataError(msg)
    return left.strip(), right.strip()
