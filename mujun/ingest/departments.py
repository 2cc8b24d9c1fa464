"""Each department's rows, already keyed to a firm, summed or checked into one row per firm.

Detail sources are summed (tax payments, land parcels, power meters). Sources that should
hold one row per firm (statistics, emissions, register, firm-level tax) keep exact repeats
once (the repeats are skipped with a reason) and reject every row of a firm whose rows
disagree: a conflict is reported, never resolved silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from mujun.errors import ProfileError
from mujun.ingest import values
from mujun.ingest.extract import FILE, ROW, SHEET
from mujun.ingest.headers import norm
from mujun.ingest.spec import Spec
from mujun.profiles.models import Ingest
from mujun.schema import EMISSION_STATUS

KEY = "firm"
"""The resolved USCC of a row's firm."""
TAX_ITEM_PREFIX = "item:"
LINE_SCHEMA = pl.Schema(
    {"file": pl.String(), "sheet": pl.String(), "row": pl.Int64(), "column": pl.String(),
     "value": pl.String(), "reason": pl.String(), "outcome": pl.String()}
)  # fmt: skip


def _lines(frame: pl.DataFrame, reason: pl.Expr | str, outcome: str, column: str) -> pl.DataFrame:
    return frame.select(
        pl.col(FILE).alias("file"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row"),
        pl.lit(column).alias("column"), pl.col(KEY).alias("value"),
        (pl.lit(reason) if isinstance(reason, str) else reason).alias("reason"),
        pl.lit(outcome).alias("outcome"),
    )  # fmt: skip


def split_repeats(
    rows: pl.DataFrame, /, *, key: Sequence[str], values: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split rows into (kept, exact repeats, conflicts).

    An exact repeat has the same key and values as an earlier row; conflicts are all rows of a
    key whose remaining rows disagree. Kept rows have one row per key.
    """
    repeat = rows.select(~pl.struct(*key, *values).is_first_distinct()).to_series()
    skipped = rows.filter(repeat)
    rest = rows.filter(~repeat)
    clash = rest.select(pl.struct(*key).is_duplicated()).to_series()
    return rest.filter(~clash), skipped, rest.filter(clash)


def one_row_per_firm(
    rows: pl.DataFrame, fields: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep one row per firm; skip exact repeats, reject firms whose rows disagree."""
    if rows.is_empty():
        return rows, _no_lines()
    kept, skipped, conflicts = split_repeats(rows, key=[KEY], values=fields)
    lines = pl.concat([
        _lines(skipped, "同一企业的重复行（数值完全相同），已跳过", "skipped", "（重复行）"),
        _lines(conflicts, "同一企业在本部门数据中出现多行且数值不同（冲突），请核实后只保留一行",
               "rejected", "（冲突）"),
    ], how="vertical")  # fmt: skip
    return kept, lines


def _no_lines() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_SCHEMA)


# ---- tax ---- #
def _item_lookup(spec: Spec) -> dict[str, str]:
    return {norm(alias): item for item, aliases in spec.tax_items.items() for alias in aliases}


def check_basket(settings: Ingest, spec: Spec) -> None:
    """Refuse a profile whose tax basket names items `sources.toml` does not know."""
    unknown = sorted(set(settings.tax.items + settings.tax.add_backs) - set(spec.tax_items))
    if unknown:
        raise ProfileError.invalid(
            "ingest.tax", [f"unknown tax items {unknown}; use names from [tax_items]: "
                           f"{', '.join(spec.tax_items)}"],
        )  # fmt: skip


def tax_detail(
    rows: pl.DataFrame, *, data_year: int, settings: Ingest, spec: Spec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Sum payment lines per firm into ``tax_wan`` (万元) under the profile's basket."""
    basket = {*settings.tax.items, *settings.tax.add_backs}
    lookup = _item_lookup(spec)
    date_field = "paid_date" if settings.tax.year_basis == "入库日期" else "period"
    year = pl.col(date_field) if date_field in rows.columns else pl.lit(None, pl.Int32)
    item_text = pl.col("item").str.normalize("NFKC").str.replace_all(r"\s", "").str.to_uppercase()
    item = item_text.replace_strict(lookup, default=None, return_dtype=pl.String)
    refund = pl.col("flow").str.contains("退") if "flow" in rows.columns else pl.lit(False)
    signed = pl.when(refund.fill_null(False) & (pl.col("amount") > 0)).then(-pl.col("amount"))
    rows = rows.with_columns(item.alias("_item"), year.alias("_year"),
                             signed.otherwise(pl.col("amount")).alias("_amount"))  # fmt: skip
    wrong_year = rows.filter(pl.col("_year").ne_missing(data_year))
    rows = rows.filter(pl.col("_year").eq_missing(data_year))
    unknown = rows.filter(pl.col("_item").is_null())
    outside = rows.filter(pl.col("_item").is_not_null() & ~pl.col("_item").is_in(list(basket)))
    counted = rows.filter(pl.col("_item").is_in(list(basket)))
    lines = pl.concat([
        _lines(wrong_year, pl.format("不属于数据年度 {}（按{}：{}）", pl.lit(data_year),
                                     pl.lit(settings.tax.year_basis), pl.col("_year")),
               "skipped", settings.tax.year_basis),
        _lines(unknown, pl.format("征收项目“{}”不在税种对照表中，未计入", pl.col("item")),
               "skipped", "征收项目"),
        _lines(outside, pl.format("{}不计入本地评价税收口径", pl.col("_item")), "skipped",
               "征收项目"),
    ], how="vertical")  # fmt: skip
    firms = counted.group_by(KEY).agg(
        pl.col("_amount").sum().alias("tax_wan"), pl.col("name").drop_nulls().first()
    )
    return firms, lines


def tax_wide(rows: pl.DataFrame, *, settings: Ingest) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Firm-level tax: the basket's item columns where the file has them, else its total."""
    basket = [*settings.tax.items, *settings.tax.add_backs]
    items = [f"{TAX_ITEM_PREFIX}{i}" for i in basket if f"{TAX_ITEM_PREFIX}{i}" in rows.columns]
    fields = [c for c in rows.columns if c.startswith(TAX_ITEM_PREFIX) or c == "total"]
    kept, lines = one_row_per_firm(rows, fields)
    tax: pl.Expr
    if items:
        tax = pl.when(pl.any_horizontal(pl.col(items).is_not_null())).then(pl.sum_horizontal(items))
    elif "total" in kept.columns:
        tax = pl.col("total")
    else:
        tax = pl.lit(None, pl.Float64)
    return kept.select(KEY, "name", tax.alias("tax_wan")), lines


# ---- statistics, register ---- #
def industry_code(text: pl.Expr, spec: Spec) -> pl.Expr:
    """GB/T 4754 code from a code or a division name (see `values.industry_code`)."""
    return values.industry_code(text, spec.industry_names)


def stats(rows: pl.DataFrame, *, spec: Spec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """规上 statistics, one row per firm; being listed here makes a firm 规上."""
    fields = [c for c in ("value_added_wan", "revenue_wan", "output_wan", "profit_wan", "rd_wan",
                          "employees", "industry", "energy_tce") if c in rows.columns]  # fmt: skip
    kept, lines = one_row_per_firm(rows, fields)
    extra = []
    if "industry" in fields:
        extra.append(industry_code(pl.col("industry"), spec).alias("industry_code"))
    if "energy_tce" in fields:
        extra.append(pl.col("energy_tce").alias("stats_energy_tce"))
    plain = [c for c in fields if c not in ("industry", "energy_tce")]
    return kept.select(KEY, "name", *plain, pl.lit(True).alias("above_scale"), *extra), lines


def register(rows: pl.DataFrame, *, spec: Spec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The firm register, one row per firm."""
    fields = [c for c in rows.columns if c not in (KEY, ROW, FILE, SHEET, "uscc", "legacy_id",
                                                    "name_key", "matched_by")]  # fmt: skip
    kept, lines = one_row_per_firm(rows, [f for f in fields if f != "name"])
    out = kept.select(KEY, *fields)
    if "industry" in out.columns:
        out = out.with_columns(industry_code(pl.col("industry"), spec).alias("industry_code")).drop(
            "industry"
        )
    return out, lines


# ---- land ---- #
def land(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parcels summed per firm: own, rented in, leased out; net = own + rented − leased out."""
    if "area" in rows.columns and "kind" in rows.columns:
        kind = pl.col("kind").fill_null("")
        leased = kind.str.contains("出租")
        rented = ~leased & kind.str.contains("承租|租入|租赁|租用")
        rows = rows.with_columns(
            pl.coalesce(pl.col("own") if "own" in rows.columns else None,
                        pl.when(~leased & ~rented).then(pl.col("area"))).alias("own"),
            pl.coalesce(pl.col("rented") if "rented" in rows.columns else None,
                        pl.when(rented).then(pl.col("area"))).alias("rented"),
            pl.coalesce(pl.col("leased_out") if "leased_out" in rows.columns else None,
                        pl.when(leased).then(pl.col("area"))).alias("leased_out"),
        )  # fmt: skip
    elif "area" in rows.columns:
        rows = rows.with_columns(
            pl.coalesce(pl.col("own") if "own" in rows.columns else None, pl.col("area")).alias(
                "own"
            )
        )
    parts = [c for c in ("own", "rented", "leased_out") if c in rows.columns]
    firms = rows.group_by(KEY).agg(
        pl.col("name").drop_nulls().first(),
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in parts),
    )
    firms = firms.with_columns(
        *(pl.col(c).alias(f"land_{'own' if c == 'own' else c}_mu") for c in parts)
    ).drop(parts)
    own = pl.col("land_own_mu").fill_null(0) if "own" in parts else pl.lit(0.0)
    rented = pl.col("land_rented_mu").fill_null(0) if "rented" in parts else pl.lit(0.0)
    leased = pl.col("land_leased_out_mu").fill_null(0) if "leased_out" in parts else pl.lit(0.0)
    return firms.with_columns((own + rented - leased).alias("land_mu")), _no_lines()


# ---- energy ---- #
def energy(
    rows: pl.DataFrame, *, settings: Ingest, spec: Spec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Comprehensive energy (tce, on the profile's basis) and electricity (kWh) per firm.

    Where a file gives fuels instead of a total, they are converted with GB/T 2589 factors and
    electricity with the profile's factor for its basis.
    """
    f = spec.energy_factors
    elec_factor = (settings.energy.electricity_equivalent_tce_per_kwh
                   if settings.energy.basis == "equivalent"
                   else f["electricity_calorific_tce_per_kwh"])  # fmt: skip
    amounts = ("energy_tce", "electricity", "coal", "gas", "steam")
    present = [c for c in amounts if c in rows.columns]
    firms = rows.group_by(KEY).agg(
        pl.col("name").drop_nulls().first(),
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in present),
        *([pl.col("basis").drop_nulls().first()] if "basis" in rows.columns else []),
    )
    # Absent columns are added after the group-by (literal nulls inside it upset Polars 2.1).
    firms = firms.with_columns(
        *(pl.lit(None, pl.Float64).alias(c) for c in amounts if c not in present),
        *([] if "basis" in firms.columns else [pl.lit(None, pl.String).alias("basis")]),
    )
    fuels = pl.sum_horizontal(
        pl.col("coal") * f["coal_tce_per_t"], pl.col("gas") * f["gas_tce_per_m3"],
        pl.col("steam") * f["steam_tce_per_t"], pl.col("electricity") * elec_factor,
    )  # fmt: skip
    has_fuels = pl.any_horizontal(pl.col(c).is_not_null() for c in ("coal", "gas", "steam"))
    stated = pl.col("basis").fill_null("")
    basis = (pl.when(stated.str.contains("当量")).then(pl.lit("calorific"))
             .when(stated.str.contains("等价")).then(pl.lit("equivalent"))
             .otherwise(pl.lit(settings.energy.basis)))  # fmt: skip
    return firms.select(
        KEY, "name",
        pl.coalesce("energy_tce", pl.when(has_fuels).then(fuels)).alias("energy_tce"),
        pl.when(pl.col("energy_tce").is_not_null()).then(basis)
        .otherwise(pl.when(has_fuels).then(pl.lit(settings.energy.basis))).alias("energy_basis"),
        pl.col("electricity").alias("electricity_kwh"),
    ), _no_lines()  # fmt: skip


# ---- emissions ---- #
def emissions(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pollutants in tonnes per firm; the stated status keeps zero, missing and n/a apart."""
    pollutants = [c for c in ("cod_t", "nh3n_t", "so2_t", "nox_t") if c in rows.columns]
    kept, lines = one_row_per_firm(
        rows, [*pollutants, *(["status"] if "status" in rows.columns else [])]
    )
    status = values.text(pl.col("status")) if "status" in kept.columns else pl.lit(None, pl.String)
    not_applicable = status.str.contains("不适用|无需|不涉及")
    verified_zero = status.str.contains("核实.*无|无排放|零排放")
    mapped = (
        pl.when(not_applicable).then(pl.lit("not_applicable"))
        .when(verified_zero).then(pl.lit("zero_verified"))
    )  # fmt: skip
    return kept.select(KEY, "name", *pollutants,
                       mapped.cast(EMISSION_STATUS).alias("emission_status")), lines  # fmt: skip
