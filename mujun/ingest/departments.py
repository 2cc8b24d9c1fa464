"""Each department's rows, already keyed to a firm, summed or checked into one row per firm.

Detail sources are summed (tax payments, land parcels, power meters). Sources that should
hold one row per firm (statistics, emissions, register, firm-level tax) keep exact repeats
once (the repeats are skipped with a reason) and reject every row of a firm whose rows
disagree: a conflict is reported, never resolved silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import polars as pl

from mujun.errors import ProfileError
from mujun.ingest import values
from mujun.ingest.extract import FILE, ROW, SHEET
from mujun.ingest.headers import MONTH, norm
from mujun.ingest.read import SheetContext
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
    rows: pl.DataFrame, fields: Sequence[str], *, key: Sequence[str] = (KEY,)
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep one row per firm (per ``key``); skip exact repeats, reject firms whose rows disagree."""
    if rows.is_empty():
        return rows, _no_lines()
    kept, skipped, conflicts = split_repeats(rows, key=list(key), values=fields)
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
            "ingest.tax", [f"未知的税种 {unknown}；请用 [tax_items] 中的名称："
                           f"{'、'.join(spec.tax_items)}"],
        )  # fmt: skip


Where = tuple[str, str | None]
_PAID_CONDITION = re.compile(r"(入库|缴款|缴纳)")


def tax_detail(
    rows: pl.DataFrame, *, data_year: int, settings: Ingest, spec: Spec,
    contexts: Mapping[Where, SheetContext],
) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[Where, str]]]:  # fmt: skip
    """Sum payment lines per firm into ``tax_wan`` (万元) under the profile's basket.

    The profile's year basis decides which date puts a payment in the data year. Per sheet:
    the basis's own column; for 入库日期 without such a column, the 入库日期 range stated above
    the table when it lies inside one year; else the other date (税款所属期 起/止, a range in
    one cell, "2024年01月"), said loudly. A date column the basis does not use never rejects
    a row. Returns the firms, the failure lines and notes per sheet.
    """
    basket = {*settings.tax.items, *settings.tax.add_backs}
    lookup = _item_lookup(spec)
    basis = settings.tax.year_basis
    rows, year_lines, notes = _payment_years(
        rows, data_year=data_year, basis=basis, contexts=contexts
    )
    item_text = pl.col("item").str.normalize("NFKC").str.replace_all(r"\s", "").str.to_uppercase()
    item = item_text.replace_strict(lookup, default=None, return_dtype=pl.String)
    refund = pl.col("flow").str.contains("退") if "flow" in rows.columns else pl.lit(False)
    signed = pl.when(refund.fill_null(False) & (pl.col("amount") > 0)).then(-pl.col("amount"))
    rows = rows.with_columns(
        item.alias("_item"), signed.otherwise(pl.col("amount")).alias("_amount")
    )
    unknown = rows.filter(pl.col("_item").is_null())
    outside = rows.filter(pl.col("_item").is_not_null() & ~pl.col("_item").is_in(list(basket)))
    counted = rows.filter(pl.col("_item").is_in(list(basket)))
    lines = pl.concat([
        year_lines,
        _lines(unknown, pl.format("征收项目“{}”不在税种对照表中，未计入",
                                  pl.col("item").fill_null("（空）")), "skipped", "征收项目"),
        _lines(outside, pl.format("{}不计入本地评价税收口径", pl.col("_item")), "skipped",
               "征收项目"),
    ], how="vertical")  # fmt: skip
    firms = counted.group_by(KEY).agg(
        pl.col("_amount").sum().alias("tax_wan"), pl.col("name").drop_nulls().first()
    )
    return firms, lines, notes


def _payment_years(
    rows: pl.DataFrame, *, data_year: int, basis: str, contexts: Mapping[Where, SheetContext]
) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[Where, str]]]:
    """Rows of the data year (with ``_year``), failure lines for the others, notes per sheet."""
    has = {c: c in rows.columns for c in ("paid_date", "period", "period_end")}
    sheets = rows.group_by(FILE, SHEET, maintain_order=True).agg(
        *(pl.col(c).is_not_null().any().alias(c) if has[c] else pl.lit(False).alias(c)
          for c in has)
    )  # fmt: skip
    plans = []
    notes: list[tuple[Where, str]] = []
    for file, sheet, paid, period, period_end in sheets.iter_rows():
        plan, fixed, label, note = _plan(
            basis, paid=paid, period=period or period_end, data_year=data_year,
            context=contexts.get((file, sheet)),
        )  # fmt: skip
        plans.append((file, sheet, plan, fixed, label))
        if note:
            notes.append(((file, sheet), note))
    plan_frame = pl.DataFrame(
        plans, schema={FILE: pl.String, SHEET: pl.String, "_plan": pl.String,
                       "_fixed": pl.Int32, "_label": pl.String}, orient="row",
    )  # fmt: skip
    rows = rows.join(plan_frame, on=[FILE, SHEET], how="left", nulls_equal=True)
    used = set(plan_frame.get_column("_plan").to_list())
    # NOTE: only the date columns a plan reads are parsed (a 200,000-line export has both).
    paid_year = _years(rows, "paid_date") if "paid" in used else pl.lit(None, pl.Int32)
    period_year = pl.lit(None, pl.Int32)
    if "period" in used:
        end_year = _years(rows, "period_end")
        period_year = pl.coalesce(_years(rows, "period"), end_year) if has["period"] else end_year
    rows = rows.with_columns(
        paid_year.alias("_paid_year"), period_year.alias("_period_year"),
    ).with_columns(
        pl.when(pl.col("_plan") == "paid").then(pl.col("_paid_year"))
        .when(pl.col("_plan") == "period").then(pl.col("_period_year"))
        .when(pl.col("_plan") == "fixed").then(pl.col("_fixed")).alias("_year")
    )  # fmt: skip
    raw = {"paid": pl.col("paid_date") if has["paid_date"] else pl.lit(None, pl.String),
           "period": pl.coalesce(*(pl.col(c) for c in ("period", "period_end") if has[c]),
                                 pl.lit(None, pl.String))}  # fmt: skip
    no_date = pl.col("_plan") == "none"
    blank = pl.col("_plan").is_in(["paid", "period"]) & pl.when(pl.col("_plan") == "paid").then(
        raw["paid"].is_null()).otherwise(raw["period"].is_null())  # fmt: skip
    unread = pl.col("_plan").is_in(["paid", "period"]) & ~blank & pl.col("_year").is_null()
    shown = pl.when(pl.col("_plan") == "paid").then(raw["paid"]).otherwise(raw["period"])
    other = pl.col("_year").is_not_null() & (pl.col("_year") != data_year)
    reason = (
        pl.when(no_date).then(pl.lit("文件没有入库日期列，也没有税款所属期列，无法确定这笔缴款属于哪一年"))
        .when(blank).then(pl.format("{}为空，无法确定这笔缴款属于哪一年", pl.col("_label")))
        .when(unread).then(pl.format("{}“{}”无法识别（两位数年份有歧义，请写四位年份）",
                                     pl.col("_label"), shown))
        .when(other).then(pl.format("不属于数据年度 {}（按{}：{} 年）", pl.lit(data_year),
                                    pl.col("_label"), pl.col("_year")))
    )  # fmt: skip
    rows = rows.with_columns(reason.alias("_reason"))
    bad = rows.filter(pl.col("_reason").is_not_null())
    lines = bad.select(
        pl.col(FILE).alias("file"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row"),
        pl.col("_label").fill_null("年度").alias("column"),
        pl.coalesce(shown, pl.col(KEY)).alias("value"), pl.col("_reason").alias("reason"),
        pl.when(other).then(pl.lit("skipped")).otherwise(pl.lit("rejected")).alias("outcome"),
    )  # fmt: skip
    kept = rows.filter(pl.col("_reason").is_null())
    return kept, lines, notes


def _years(rows: pl.DataFrame, column: str) -> pl.Expr:
    """The year of each cell of a date or period column, parsed once per distinct value."""
    if column not in rows.columns:
        return pl.lit(None, pl.Int32)
    distinct = rows.get_column(column).drop_nulls().unique()
    years = values.range_year(distinct)
    return pl.col(column).replace_strict(distinct, years, default=None, return_dtype=pl.Int32)


def _plan(  # noqa: PLR0911 - one return per case of the documented rule
    basis: str, *, paid: bool, period: bool, data_year: int, context: SheetContext | None
) -> tuple[str, int | None, str, str | None]:
    """How a sheet's payments get their year: (plan, fixed year, what it is read from, note)."""
    if basis == "入库日期":
        if paid:
            return "paid", None, "入库日期", None
        stated = _paid_range(context)
        if stated is not None:
            text, first, last = stated
            if first == last:
                where = "在数据年度内" if first == data_year else f"是 {first} 年"
                note = (f"文件没有入库日期列：按表头上方的“{text}”（{where}）确定全部缴款的年度"
                        if first == data_year else None)  # fmt: skip
                return "fixed", first, f"表头上方“{text}”", note
        fallback = "表头上方的入库日期范围跨年度" if stated else "表头上方也没有注明入库日期范围"
        if period:
            return "period", None, "税款所属期", (
                f"注意：文件没有入库日期列，{fallback}：改按税款所属期确定缴款年度。评价方案按"
                "入库日期计，年初缴纳的上年12月税款会因此计入不同年度，请核实或提供含入库日期的明细"
            )  # fmt: skip
        return "none", None, "入库日期", None
    if period:
        return "period", None, "税款所属期", None
    if paid:
        return (
            "paid",
            None,
            "入库日期",
            (
                "注意：文件没有税款所属期列：改按入库日期确定缴款年度（评价方案按税款所属期计），请核实"
            ),
        )
    return "none", None, "税款所属期", None


def _paid_range(context: SheetContext | None) -> tuple[str, int, int] | None:
    """("入库日期：2024-01-01至2024-12-31", first year, last year) from a condition line."""
    if context is None:
        return None
    for key, value in context.conditions:
        if not (_PAID_CONDITION.search(key) and re.search(r"日期|时间|期间|年度", key)):
            continue
        ends = re.match(values.RANGE_DASH, value) or re.match(values.RANGE, value)
        parts = [ends.group(1), ends.group(2)] if ends else [value]
        years = (
            pl.select(values.period_year(values.text(pl.lit(pl.Series(parts, dtype=pl.String)))))
            .to_series()
            .to_list()
        )
        if all(y is not None for y in years):
            return f"{key}：{value}", int(min(years)), int(max(years))
    return None


def tax_wide(
    rows: pl.DataFrame, *, settings: Ingest
) -> tuple[pl.DataFrame, pl.DataFrame, list[tuple[Where, str]]]:
    """Firm-level tax: the basket's item columns where the file has them, else its total.

    A row with a total whose tax-item columns do not add up to it (a "其中" breakdown of a few
    taxes) is read by its total: summing the few items would undercount; this is said. Columns
    that are parts of one item (企业所得税（国税） and （地税）) add up. Sheets of months
    (1月…12月) add up per firm: the same amount in two months is two payments. Inside one
    sheet (or across sheets that are not months) a firm has one row.
    """
    basket = {*settings.tax.items, *settings.tax.add_backs}
    every = [c for c in rows.columns if c.startswith(TAX_ITEM_PREFIX)]
    items = [c for c in every if c.removeprefix(TAX_ITEM_PREFIX).split("#")[0] in basket]
    fields = [*every, *(["total"] if "total" in rows.columns else [])]
    month = pl.col("_role") == "month" if "_role" in rows.columns else pl.lit(False)
    rows = rows.with_columns(
        pl.when(month).then(pl.format("{}|{}", pl.col(FILE), pl.col(SHEET))).otherwise(pl.lit(""))
        .alias("_part")
    )  # fmt: skip
    kept, lines = one_row_per_firm(rows, fields, key=[KEY, "_part"])
    tax: pl.Expr = pl.lit(None, pl.Float64)
    partial: pl.Expr = pl.lit(False)
    if items:
        tax = pl.when(pl.any_horizontal(pl.col(items).is_not_null())).then(pl.sum_horizontal(items))
    if "total" in kept.columns:
        if every:
            whole = pl.sum_horizontal(every)
            partial = pl.col("total").is_not_null() & (
                (whole - pl.col("total")).abs() > 0.005 * pl.col("total").abs() + 1e-9
            )
            tax = pl.when(partial).then(pl.col("total")).otherwise(tax)
        else:
            tax = pl.col("total")
    kept = kept.with_columns(tax.alias("tax_wan"), partial.fill_null(False).alias("_partial"))
    notes = [
        ((file, sheet), f"{n} 行的分税种列之和与合计列不符（多为“其中”项）：按合计列计入，"
                        "评价方案的税种口径无法逐项套用，请核实")
        for file, sheet, n in kept.filter("_partial").group_by(FILE, SHEET).len().iter_rows()
    ]  # fmt: skip
    firms = kept.group_by(KEY).agg(
        pl.col("name").drop_nulls().first(),
        pl.when(pl.col("tax_wan").is_not_null().any()).then(pl.col("tax_wan").sum()).alias("tax_wan"),
    )  # fmt: skip
    return firms.select(KEY, "name", "tax_wan"), lines, notes


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
                                                    "name_key", "matched_by", "org_code",
                                                    "_source", "_role")]  # fmt: skip
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
    # NOTE: a firm whose every area cell is missing ("-", "—", blank) has no land figure (null),
    # never 0 亩: scoring treats missing land apart from zero land.
    stated = pl.any_horizontal(pl.col(f"land_{c}_mu").is_not_null()
                               for c in parts) if parts else pl.lit(False)  # fmt: skip
    land_mu = pl.when(stated).then(own + rented - leased)
    return firms.with_columns(land_mu.alias("land_mu")), _no_lines()


# ---- energy ---- #
def energy(
    rows: pl.DataFrame, *, settings: Ingest, spec: Spec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Comprehensive energy (tce, on the profile's basis) and electricity (kWh) per firm.

    A file with both 等价值 and 当量值 columns is read on the profile's basis. Where a file
    gives fuels instead of a total, they are converted with GB/T 2589 factors and electricity
    with the profile's factor for its basis. Monthly electricity readings give the annual total
    column where there is one, else the sum of the months (`month_check` compares the two).
    """
    f = spec.energy_factors
    basis = settings.energy.basis
    elec_factor = (settings.energy.electricity_equivalent_tce_per_kwh if basis == "equivalent"
                   else f["electricity_calorific_tce_per_kwh"])  # fmt: skip
    months = [c for c in rows.columns if MONTH in c]
    if months:
        summed = pl.when(pl.any_horizontal(pl.col(months).is_not_null())).then(
            pl.sum_horizontal(months)
        )
        annual = (
            pl.col("electricity") if "electricity" in rows.columns else pl.lit(None, pl.Float64)
        )
        rows = rows.with_columns(pl.coalesce(annual, summed).alias("electricity"))
    chosen, other = (("energy_equivalent_tce", "energy_calorific_tce") if basis == "equivalent"
                     else ("energy_calorific_tce", "energy_equivalent_tce"))  # fmt: skip
    other_basis = "calorific" if basis == "equivalent" else "equivalent"
    stated = pl.col("basis").fill_null("") if "basis" in rows.columns else pl.lit("")
    stated_basis = (pl.when(stated.str.contains("当量")).then(pl.lit("calorific"))
                    .when(stated.str.contains("等价")).then(pl.lit("equivalent"))
                    .otherwise(pl.lit(basis)))  # fmt: skip

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in rows.columns else pl.lit(None, pl.Float64)

    rows = rows.with_columns(
        pl.coalesce(col(chosen), col(other), col("energy_tce")).alias("_total"),
        pl.when(col(chosen).is_not_null()).then(pl.lit(basis))
        .when(col(other).is_not_null()).then(pl.lit(other_basis))
        .otherwise(stated_basis).alias("_basis"),
    )  # fmt: skip
    amounts = ("_total", "electricity", "coal", "gas", "steam")
    present = [c for c in amounts if c in rows.columns]
    firms = rows.group_by(KEY).agg(
        pl.col("name").drop_nulls().first(),
        *(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c) for c in present),
        pl.col("_basis").filter(pl.col("_total").is_not_null()).first(),
    )
    # Absent columns are added after the group-by (literal nulls inside it upset Polars 2.1).
    firms = firms.with_columns(
        *(pl.lit(None, pl.Float64).alias(c) for c in amounts if c not in present)
    )
    fuels = pl.sum_horizontal(
        pl.col("coal") * f["coal_tce_per_t"], pl.col("gas") * f["gas_tce_per_m3"],
        pl.col("steam") * f["steam_tce_per_t"], pl.col("electricity") * elec_factor,
    )  # fmt: skip
    has_fuels = pl.any_horizontal(pl.col(c).is_not_null() for c in ("coal", "gas", "steam"))
    return firms.select(
        KEY, "name",
        pl.coalesce("_total", pl.when(has_fuels).then(fuels)).alias("energy_tce"),
        pl.when(pl.col("_total").is_not_null()).then(pl.col("_basis"))
        .otherwise(pl.when(has_fuels).then(pl.lit(basis))).alias("energy_basis"),
        pl.col("electricity").alias("electricity_kwh"),
    ), _no_lines()  # fmt: skip


def month_check(rows: pl.DataFrame, *, tolerance: float) -> pl.DataFrame:
    """Firms whose annual electricity total differs from the sum of their monthly readings."""
    months = [c for c in rows.columns if MONTH in c]
    schema = {"uscc": pl.String, "name": pl.String, "check": pl.String, "value": pl.Float64,
              "message": pl.String}  # fmt: skip
    if not months or "electricity" not in rows.columns:
        return pl.DataFrame(schema=schema)
    per_row = rows.select(
        KEY, "name", pl.col("electricity").alias("_annual"),
        pl.when(pl.any_horizontal(pl.col(months).is_not_null())).then(pl.sum_horizontal(months))
        .alias("_months"),
    )  # fmt: skip
    firms = per_row.group_by(KEY).agg(pl.col("name").drop_nulls().first(),
                                      pl.col("_annual").sum(), pl.col("_months").sum())  # fmt: skip
    off = (pl.col("_annual") - pl.col("_months")).abs() > tolerance * pl.col("_annual").abs()
    return firms.filter(off.fill_null(False)).select(
        pl.col(KEY).alias("uscc"), "name", pl.lit("用电量全年合计与各月之和").alias("check"),
        pl.col("_annual").alias("value"),
        pl.format("全年合计 {} 千瓦时与 1–12 月之和 {} 千瓦时不一致：已按全年合计计入，请核实",
                  pl.col("_annual").round(1), pl.col("_months").round(1)).alias("message"),
    )  # fmt: skip


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
