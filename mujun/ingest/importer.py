"""Import one data year of departmental files into canonical facts, with a reconciling report.

For every file and sheet, rows read = accepted + rejected + skipped.

Firms are identified by USCC, then by a legacy taxpayer ID seen beside a USCC anywhere in the
files, then (power data) by meter number, then by exact normalised name — each row records
how it was matched, and name matches are flagged in the firm report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mujun.errors import DataError, InternalError
from mujun.ingest import departments as dep
from mujun.ingest.extract import FILE, ROW, SHEET, Extracted, extract
from mujun.ingest.headers import locate
from mujun.ingest.read import read_sheets
from mujun.ingest.spec import FieldSpec, Spec, load_spec
from mujun.profiles.models import Ingest
from mujun.schema import canonical_columns

SOURCES = ("tax", "stats", "land", "energy", "meters", "emissions", "register")
"""Options of `import_year` (``tax`` takes payment-level or firm-level files, told apart by
their headers)."""
KEY = dep.KEY


@dataclass(frozen=True)
class ImportResult:
    """Canonical facts and everything the analyst needs to trust them."""

    facts: pl.DataFrame
    failures: pl.DataFrame
    """file, sheet, row, column, value, reason, outcome (rejected / skipped), raw."""
    files: pl.DataFrame
    """Per file and sheet: source, rows read, accepted, rejected, skipped, units, notes."""
    firms: pl.DataFrame
    """Per firm: how each source matched it (uscc / legacy / meter / name) and what is missing."""
    warnings: pl.DataFrame
    """Plausibility findings (probable unit errors); values are reported, not changed."""

    def reconciles(self) -> bool:
        """Whether every file's rows read = accepted + rejected + skipped."""
        f = self.files
        return bool((f["rows_read"] == f["accepted"] + f["rejected"] + f["skipped"]).all())


def _fields(source: str, spec: Spec) -> dict[str, FieldSpec]:
    fields = dict(spec.sources[source].fields)
    if source == "tax_wide":
        fields |= {
            f"{dep.TAX_ITEM_PREFIX}{item}": FieldSpec(kind="number", unit="money", aliases=aliases)
            for item, aliases in spec.tax_items.items()
        }
    return fields


def _read_file(source: str, path: Path, spec: Spec) -> list[Extracted]:
    out = []
    for sheet in read_sheets(path):
        if sheet.grid.height == 0:
            continue
        kinds = ("tax_detail", "tax_wide") if source == "tax" else (source,)
        for kind in kinds:
            fields = _fields(kind, spec)
            layout = locate(sheet, fields, spec=spec, required=spec.sources[kind].key_fields)
            if layout is not None:
                out.append(extract(sheet, layout, source=kind, fields=fields, spec=spec))
                break
    if not out:
        expected = "、".join(spec.identity["uscc"].aliases[:3] + spec.identity["name"].aliases[:2])
        raise DataError.unreadable(
            str(path), f"no sheet has a header row mujun recognises as {source} data",
            hint=f"the header needs a firm column ({expected}…) and the data columns listed in "
                 "mujun/ingest/sources.toml; check that this is the right file for --" + source,
        )  # fmt: skip
    return out


def import_year(
    files: Mapping[str, Sequence[str | Path]],
    /,
    *,
    year: int,
    settings: Ingest,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import the departments' files for one data year.

    Args:
        files: source → files; sources as in `SOURCES`.
        year: the data year the files describe.
        settings: the profile's ``ingest`` settings (tax basket, energy basis, plausibility).
        progress: called with each file's name as it is read.

    Raises:
        DataError: a file cannot be read or holds no recognisable sheet.
        ProfileError: the tax basket names unknown items.
    """
    spec = load_spec()
    dep.check_basket(settings, spec)
    unknown = sorted(set(files) - set(SOURCES))
    if unknown:
        msg = f"Unknown source(s) {unknown}; use {', '.join(SOURCES)}."
        raise DataError(msg)
    extracted: list[Extracted] = []
    for source, paths in files.items():
        for path in paths:
            if progress is not None:
                progress(str(path))
            extracted.extend(_read_file(source, Path(path), spec))
    by_source: dict[str, pl.DataFrame] = {}
    for e in extracted:
        rows = e.rows.with_columns(pl.lit(e.source).alias("_source"))
        by_source[e.source] = pl.concat([by_source[e.source], rows], how="diagonal_relaxed") if (
            e.source in by_source) else rows  # fmt: skip

    resolved, unresolved = _resolve(by_source)
    frames: dict[str, pl.DataFrame] = {}
    lines = [unresolved]
    for source, rows in resolved.items():
        frame, more = _aggregate(source, rows, year=year, settings=settings, spec=spec)
        frames[source] = frame
        lines.append(more)
    facts = _merge(frames, year=year)
    failures = _failures(extracted, lines)
    return ImportResult(
        facts=facts,
        failures=failures,
        files=_file_summary(extracted, failures),
        firms=_firm_report(resolved, facts, sources=sorted(resolved)),
        warnings=_plausibility(facts, settings, year=year),
    )


# ---- identity ---- #
def _resolve(by_source: dict[str, pl.DataFrame]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    everything = pl.concat(
        [r.select("uscc", "legacy_id", "name_key") for r in by_source.values()], how="vertical"
    )
    legacy = _unique_map(everything, "legacy_id")
    names = _unique_map(everything, "name_key")
    meters: dict[str, str] = {}
    if "meters" in by_source:
        known = pl.coalesce(
            "uscc",
            pl.col("legacy_id").replace_strict(legacy, default=None, return_dtype=pl.String),
            pl.col("name_key").replace_strict(names, default=None, return_dtype=pl.String),
        )
        meters = _unique_map(by_source["meters"].with_columns(known.alias("uscc")), "meter")
    resolved: dict[str, pl.DataFrame] = {}
    unresolved = []
    for source, found in by_source.items():
        if source == "meters":
            continue
        meter = pl.col("meter") if "meter" in found.columns else pl.lit(None, pl.String)
        by_legacy = pl.col("legacy_id").replace_strict(legacy, default=None, return_dtype=pl.String)
        by_meter = meter.replace_strict(meters, default=None, return_dtype=pl.String)
        by_name = pl.col("name_key").replace_strict(names, default=None, return_dtype=pl.String)
        rows = found.with_columns(
            pl.coalesce("uscc", by_legacy, by_meter, by_name).alias(KEY),
            pl.when(pl.col("uscc").is_not_null()).then(pl.lit("uscc"))
            .when(by_legacy.is_not_null()).then(pl.lit("legacy"))
            .when(by_meter.is_not_null()).then(pl.lit("meter"))
            .when(by_name.is_not_null()).then(pl.lit("name")).alias("matched_by"),
        )  # fmt: skip
        lost = rows.filter(pl.col(KEY).is_null())
        unresolved.append(lost.select(
            pl.col(FILE).alias("file"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row"),
            pl.lit("（企业标识）").alias("column"),
            pl.coalesce("legacy_id", meter, "name").alias("value"),
            pl.lit("无法确定企业：没有统一社会信用代码，旧税号/户号/名称也未能与其他数据匹配").alias("reason"),
            pl.lit("rejected").alias("outcome"),
        ))  # fmt: skip
        resolved[source] = rows.filter(pl.col(KEY).is_not_null())
    return resolved, pl.concat(unresolved, how="vertical") if unresolved else dep._no_lines()


def _unique_map(frame: pl.DataFrame, column: str) -> dict[str, str]:
    """``column`` → USCC where it points to exactly one USCC (ambiguous values are dropped)."""
    pairs = frame.filter(pl.col(column).is_not_null() & pl.col("uscc").is_not_null()).select(
        column, "uscc").unique()  # fmt: skip
    single = pairs.filter(pl.col(column).is_unique())
    return dict(single.iter_rows())


# ---- per source ---- #
def _aggregate(
    source: str, rows: pl.DataFrame, *, year: int, settings: Ingest, spec: Spec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    steps: dict[str, Callable[[pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]] = {
        "tax_detail": lambda r: dep.tax_detail(r, data_year=year, settings=settings, spec=spec),
        "tax_wide": lambda r: dep.tax_wide(r, settings=settings),
        "stats": lambda r: dep.stats(r, spec=spec),
        "land": dep.land,
        "energy": lambda r: dep.energy(r, settings=settings, spec=spec),
        "emissions": dep.emissions,
        "register": lambda r: dep.register(r, spec=spec),
    }
    if source not in steps:
        raise InternalError.invariant(f"no aggregation for source {source!r}")
    return steps[source](rows)


_MERGE_ORDER = ("register", "stats", "tax", "tax_detail", "tax_wide", "land", "energy", "emissions")
"""A column several sources carry (name, industry code) comes from the first that has it."""


def _merge(frames: dict[str, pl.DataFrame], *, year: int) -> pl.DataFrame:
    """One row per firm with every source's columns."""
    if "tax_detail" in frames and "tax_wide" in frames:
        both = pl.concat([frames.pop("tax_detail"), frames.pop("tax_wide")], how="diagonal_relaxed")
        frames["tax"] = both.group_by(KEY).agg(
            pl.col("name").drop_nulls().first(), pl.col("tax_wan").sum()
        )
    firms = pl.concat([f.select(KEY) for f in frames.values()]).unique().sort(KEY)
    for source in (s for s in _MERGE_ORDER if s in frames):
        frame = frames[source]
        renamed = {c: f"{c}@{source}" for c in frame.columns if c != KEY}
        firms = firms.join(frame.rename(renamed), on=KEY, how="left")
    merged: dict[str, list[str]] = {}
    for col in firms.columns:
        if "@" in col:
            merged.setdefault(col.split("@")[0], []).append(col)
    # 规上 status: the statistics bureau's list is the authority, the register's flag next.
    if "above_scale" in merged:
        merged["above_scale"].sort(key=lambda c: not c.endswith("@stats"))
    firms = firms.select(KEY, *(pl.coalesce(cols).alias(name) for name, cols in merged.items()))
    if "stats_energy_tce" in firms.columns:  # the energy file first, the statistics next
        energy = pl.col("energy_tce") if "energy_tce" in firms.columns else pl.lit(None, pl.Float64)
        firms = firms.with_columns(pl.coalesce(energy, "stats_energy_tce").alias("energy_tce"))
    above = pl.col("above_scale") if "above_scale" in firms.columns else pl.lit(None)
    firms = firms.with_columns(
        pl.col(KEY).alias("uscc"),
        pl.lit(year, pl.Int32).alias("year"),
        above.fill_null(False).alias("above_scale"),  # in neither list: 规下
    )
    return firms.select(canonical_columns(firms.columns))


# ---- reports ---- #
def _failures(extracted: list[Extracted], later: list[pl.DataFrame]) -> pl.DataFrame:
    lines = pl.concat(
        [e.failures for e in extracted] + [x for x in later if x.height], how="vertical_relaxed"
    )
    raw = pl.concat(
        [e.raw.with_columns(pl.lit(e.file).alias("file"), pl.lit(e.sheet, pl.String).alias("sheet"))
         for e in extracted], how="vertical_relaxed",
    ).rename({ROW: "row"})  # fmt: skip
    return lines.join(raw, on=["file", "sheet", "row"], how="left", nulls_equal=True).sort(
        "file", "sheet", "row"
    )


def _file_summary(extracted: list[Extracted], failures: pl.DataFrame) -> pl.DataFrame:
    outcome = failures.group_by("file", "sheet", "row").agg(
        (pl.col("outcome") == "rejected").any().alias("rejected")
    )
    counts = outcome.group_by("file", "sheet").agg(
        pl.col("rejected").sum().alias("rejected"), (~pl.col("rejected")).sum().alias("skipped")
    )
    base = pl.DataFrame(
        {
            "file": [e.file for e in extracted],
            "sheet": [e.sheet for e in extracted],
            "source": [e.source for e in extracted],
            "rows_read": [e.rows_read for e in extracted],
            "units": ["；".join(f"{k}: {v}" for k, v in e.units.items()) for e in extracted],
            "notes": ["；".join(e.notes) for e in extracted],
        },
        schema_overrides={"sheet": pl.String},
    )
    summary = base.join(counts, on=["file", "sheet"], how="left", nulls_equal=True).with_columns(
        pl.col("rejected").fill_null(0).cast(pl.Int64),
        pl.col("skipped").fill_null(0).cast(pl.Int64),
    )
    summary = summary.with_columns(
        (pl.col("rows_read") - pl.col("rejected") - pl.col("skipped")).alias("accepted")
    )
    return summary.select("file", "sheet", "source", "rows_read", "accepted", "rejected",
                          "skipped", "units", "notes")  # fmt: skip


def _firm_report(
    resolved: dict[str, pl.DataFrame], facts: pl.DataFrame, *, sources: list[str]
) -> pl.DataFrame:
    report = facts.select(pl.col("uscc").alias(KEY), "name")
    for source in sources:
        how = resolved[source].group_by(KEY).agg(pl.col("matched_by").unique().sort().str.join("/"))
        report = report.join(how.rename({"matched_by": source}), on=KEY, how="left")
    present = [pl.when(pl.col(s).is_null()).then(pl.lit(s)) for s in sources]
    return report.with_columns(
        pl.concat_str(present, separator="、", ignore_nulls=True).alias("missing_sources"),
        pl.any_horizontal(pl.col(s).str.contains("name").fill_null(False) for s in sources)
        .alias("name_match"),
    ).rename({KEY: "uscc"})  # fmt: skip


def _plausibility(facts: pl.DataFrame, settings: Ingest, *, year: int) -> pl.DataFrame:
    p = settings.plausibility
    started = pl.col("production_start").dt.year().cast(pl.Float64)
    registered = pl.col("registration_date").dt.year().cast(pl.Float64)
    per_mu = pl.when(pl.col("land_mu") > 0).then(pl.col("tax_wan") / pl.col("land_mu"))
    checks = [
        (per_mu > p.max_tax_per_mu, "亩均税收（万元/亩）", per_mu,
         f"亩均税收超过 {p.max_tax_per_mu:g} 万元/亩：税收可能是“元”而非“万元”，或用地是平方米"),
        (pl.col("land_mu") > p.max_land_mu, "计算用地（亩）", pl.col("land_mu"),
         f"用地超过 {p.max_land_mu:g} 亩：可能是平方米而非亩"),
        ((pl.col("land_mu") > 0) & (pl.col("land_mu") < p.min_land_mu), "计算用地（亩）",
         pl.col("land_mu"), f"用地不足 {p.min_land_mu:g} 亩：可能是公顷而非亩，或录入错误"),
        (pl.col("land_mu") < 0, "计算用地（亩）", pl.col("land_mu"),
         "出租面积大于自有加承租面积，计算用地为负"),
        (started > year, "投产年份", started,
         f"投产日期晚于数据年度 {year}：可能录入错误（尚未投产的企业按新企业处理）"),
        (registered > year, "注册年份", registered, f"注册日期晚于数据年度 {year}：可能录入错误"),
    ]  # fmt: skip
    positive = pl.col("land_mu").filter(pl.col("land_mu") > 0)
    median: float | None = facts.select(positive.median()).item()
    median_message = f"用地中位数超过 {p.max_median_land_mu:g} 亩：整份用地数据可能是平方米而非亩"
    whole = pl.DataFrame(
        {"uscc": [None], "name": ["（全部企业）"], "check": ["用地中位数（亩）"],
         "value": [median], "message": [median_message]},
        schema={"uscc": pl.String, "name": pl.String, "check": pl.String, "value": pl.Float64,
                "message": pl.String},
    ).filter(pl.lit(median is not None and median > p.max_median_land_mu))  # fmt: skip
    found = [whole] + [
        facts.filter(cond.fill_null(False)).select(
            "uscc",
            "name",
            pl.lit(label).alias("check"),
            value.alias("value"),
            pl.lit(message).alias("message"),
        )
        for cond, label, value, message in checks
    ]
    return pl.concat(found, how="vertical")
