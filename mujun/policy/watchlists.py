"""Watch lists per firm and project admission tests.

Low efficiency, high carbon, region × industry guides, idle firms, tax arrears, firm lists by
class and honours, low-efficiency blocks and inspection findings. Every list looks only at its
declared population, and every limit is compared at its published precision.
"""

from __future__ import annotations

import polars as pl

from mujun import store as st
from mujun._exprs import first_match
from mujun.policy.context import ROW_SCHEMA, Context, outcome_rows, show
from mujun.profiles.conditions import (
    all_of,
    any_of,
    at_precision,
    compare,
    digits_for,
    industry_match,
    round_limit,
)
from mujun.profiles.levers import AdmissionTest, PerMuAdmission
from mujun.profiles.lists import (
    LIST_MEASURES,
    BlockList,
    ClassAndIntensityList,
    FirmList,
    IdleList,
    InspectionList,
    ListPopulation,
    LowTaxList,
    ThresholdList,
)

_HONOUR_SEPARATORS = r"[、，,;；\s]+"


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """Num ÷ den where both are known and den is positive, else null (never inf)."""
    return pl.when(den > 0).then(num / den)


def list_measures() -> dict[str, pl.Expr]:
    """The measures lists compare with limits (see `LIST_MEASURES`), from a firm's facts."""
    land, energy = pl.col("land_mu"), pl.col("energy_tce")
    # NOTE: 规下 firms report revenue or output, rarely both; the guide's 规下 test is energy
    # "per unit of revenue or output", so revenue is used where known, else output.
    sales = pl.coalesce(
        pl.when(pl.col("revenue_wan") > 0).then(pl.col("revenue_wan")), pl.col("output_wan")
    )
    return {
        "tax_per_mu": _ratio(pl.col("tax_wan"), land),
        "va_per_mu": _ratio(pl.col("value_added_wan"), land),
        "output_per_mu": _ratio(pl.col("output_wan"), land),
        "revenue_per_mu": _ratio(pl.col("revenue_wan"), land),
        "energy_per_va": _ratio(energy, pl.col("value_added_wan")),
        "energy_per_revenue": _ratio(energy, sales),
        "energy_per_output": _ratio(energy, pl.col("output_wan")),
    }


def population_expr(pop: ListPopulation) -> pl.Expr:
    """True for the firms a list looks at (reads a published year's firm rows)."""
    keep = [pl.lit(value=True)]
    if pop.industry_in:
        keep.append(industry_match(pop.industry_in))
    if pop.industry_not_in:
        keep.append(~industry_match(pop.industry_not_in))
    if pop.in_scope:
        keep.append(pl.col("special_rule").cast(pl.String).fill_null("") != "out_of_scope")
    if pop.evaluated:
        keep.append(pl.col("eval_status").cast(pl.String).fill_null("") != "not_evaluated")
    if pop.above_scale is not None:
        keep.append(pl.col("above_scale").fill_null(value=False) == pop.above_scale)
    if pop.cohorts:
        keep.append(pl.col("cohort").cast(pl.String).is_in(list(pop.cohorts)).fill_null(False))
    if pop.where:
        keep.append(all_of(pop.where))
    return pl.all_horizontal(keep)


def _population(ctx: Context, pop: ListPopulation) -> pl.DataFrame:
    return ctx.firms.filter(population_expr(pop))


def _digits(ctx: Context, rule: object, name: str) -> int | None:
    """A measure's published precision: the rule's, the same-id indicator's, or the default."""
    own = getattr(rule, "digits", None)
    if isinstance(own, dict) and name in own:
        return int(own[name])
    indicator = ctx.profile.indicators.get(name)
    if indicator is not None and indicator.digits is not None:
        return indicator.digits
    return digits_for(name)


def _listed(
    ctx: Context,
    frame: pl.DataFrame,
    rule_id: str,
    label: str,
    *,
    inputs: pl.Expr,
    outcome: pl.Expr | str = "列入",
) -> pl.DataFrame:
    names = ctx.firms.select("uscc", "name", "class_label")
    frame = frame.join(names, on="uscc", how="left") if "name" not in frame.columns else frame
    return outcome_rows(
        frame, rule_id=rule_id, rule=label, kind="watch", inputs=inputs, outcome=outcome
    )


def honours(ctx: Context) -> pl.DataFrame:
    """Each firm's designations from the inputs' 认定称号 (one row per firm and designation)."""
    if ctx.inputs is None or "honours" not in ctx.inputs.columns:
        return pl.DataFrame(schema={"uscc": pl.String, "honour": pl.String})
    return (
        ctx.inputs.select(
            "uscc", pl.col("honours").str.replace_all(_HONOUR_SEPARATORS, "、").str.split("、")
        )
        .explode("honours")
        .select("uscc", pl.col("honours").str.strip_chars().alias("honour"))
        .filter(pl.col("honour").is_not_null() & (pl.col("honour") != ""))
        .unique(maintain_order=True)
    )


def holds_any(ctx: Context, wanted: tuple[str, ...]) -> pl.DataFrame:
    """Firms holding one of ``wanted`` designations, with the ones they hold joined by 、."""
    held = honours(ctx).filter(pl.col("honour").is_in(list(wanted)))
    return held.group_by("uscc", maintain_order=True).agg(
        pl.col("honour").str.join("、").alias("_honours")
    )


# ---- 低效企业 ---- #
def low_tax(ctx: Context, rule: LowTaxList) -> pl.DataFrame:
    """Tax per mu at or below the firm's revenue tier for ``years`` consecutive data years."""
    years = list(range(ctx.data_year - rule.years + 1, ctx.data_year + 1))
    facts = st.facts_of_years(ctx.store, years).filter(pl.col("land_mu") > 0)
    d_tax, d_rev = _digits(ctx, rule, "tax_per_mu"), _digits(ctx, rule, "revenue_wan")
    limit = pl.lit(None, pl.Float64)
    for tier in sorted(rule.tiers, key=lambda t: t.min_revenue_wan):
        big = compare(pl.col("revenue_wan").fill_null(0), ">=", tier.min_revenue_wan, d_rev)
        limit = pl.when(big).then(pl.lit(tier.max_tax_per_mu)).otherwise(limit)
    yearly = facts.with_columns(
        list_measures()["tax_per_mu"].alias("_per_mu"), limit.alias("_limit")
    )
    hits = yearly.filter(
        compare(pl.col("_per_mu"), "<=", pl.col("_limit"), d_tax).fill_null(False)
    ).select("uscc", pl.col("year").alias("y"))
    streak = st.consecutive(hits, last=ctx.data_year, lookback=rule.years)
    members = _population(ctx, rule.population).select("uscc")
    listed = (
        streak.filter(pl.col("streak") >= rule.years)
        .join(members, on="uscc", how="semi")
        .join(
            yearly.filter(pl.col("year") == ctx.data_year).select(
                "uscc", "_per_mu", "_limit", "revenue_wan"
            ),
            on="uscc",
        )
    )
    inputs = pl.format(
        "营业收入 {} 万元；亩均税收 {} 万元/亩（限 ≤ {}）；连续 {} 年",
        show(pl.col("revenue_wan"), 0),
        show(at_precision(pl.col("_per_mu"), d_tax), d_tax),
        show(pl.col("_limit"), None),
        pl.col("streak"),
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=inputs)


# ---- 高碳低效 ---- #
def class_intensity(ctx: Context, rule: ClassAndIntensityList) -> pl.DataFrame:
    """Listed classes, high energy with low tax, or open inspection findings; minus protected."""
    m = list_measures()
    d_energy, d_tax = _digits(ctx, rule, "energy_per_revenue"), _digits(ctx, rule, "tax_per_mu")
    firms = _population(ctx, rule.population).with_columns(
        m["energy_per_revenue"].alias("_energy_rev"), m["tax_per_mu"].alias("_per_mu")
    )
    found = _open_findings(ctx, kinds=(), open_only=True) if rule.inspections else None
    if found is not None:
        firms = firms.join(found, on="uscc", how="left")
    by_class = pl.col("class_label").cast(pl.String).is_in(list(rule.classes)).fill_null(False)
    intensive = pl.lit(False)
    if rule.min_energy_per_revenue is not None and rule.max_tax_per_mu is not None:
        intensive = (
            compare(pl.col("_energy_rev"), ">=", rule.min_energy_per_revenue, d_energy)
            & compare(pl.col("_per_mu"), "<=", rule.max_tax_per_mu, d_tax)
        ).fill_null(False)
    inspected = pl.col("_findings").is_not_null() if found is not None else pl.lit(False)
    protected = pl.any_horizontal(
        any_of(rule.protected),
        industry_match(rule.protected_industries) if rule.protected_industries else False,
    )
    listed = firms.filter((by_class | intensive | inspected) & ~protected)
    why = pl.concat_str(
        pl.when(by_class).then(pl.format("亩均评价 {} 类", pl.col("class_label"))),
        pl.when(intensive).then(
            pl.format(
                "单位营收能耗 {} 吨标准煤/万元（≥ {}），亩均税收 {} 万元/亩（≤ {}）",
                show(at_precision(pl.col("_energy_rev"), d_energy), d_energy),
                pl.lit(rule.min_energy_per_revenue),
                show(at_precision(pl.col("_per_mu"), d_tax), d_tax),
                pl.lit(rule.max_tax_per_mu),
            )
        ),
        pl.when(inspected).then(pl.format("执法检查需整改：{}", pl.col("_findings")))
        if found is not None
        else pl.lit(None, pl.String),
        separator="；",
        ignore_nulls=True,
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=why)


# ---- 高耗低效 by a guide ---- #
def thresholds(ctx: Context, rule: ThresholdList) -> pl.DataFrame:
    """Listed when the limits of the firm's most specific guide row are breached.

    Rows are county × industry (any code depth) × size; 规上 rows usually test energy per
    value added, 规下 rows energy per revenue or output, both with a per-mu yield.
    """
    order = sorted(range(len(rule.table)), key=lambda i: rule.table[i].specificity(), reverse=True)
    county = pl.col("county").cast(pl.String)
    above = pl.col("above_scale").fill_null(value=False)

    def matches(i: int) -> pl.Expr:
        row = rule.table[i]
        parts = [pl.lit(value=True)]
        if row.county != "*":
            parts.append((county == row.county).fill_null(False))
        if row.industry != "*":
            parts.append(industry_match((row.industry,)))
        if row.size != "*":
            parts.append(above if row.size == "above" else ~above)
        return pl.all_horizontal(parts)

    row_of = first_match(
        ((matches(i), pl.lit(i, pl.Int32)) for i in order), otherwise=pl.lit(None, pl.Int32)
    )
    firms = _population(ctx, rule.population).with_columns(
        row_of.alias("_row"), **{f"_m_{k}": v for k, v in list_measures().items()}
    )
    breaches: list[pl.Expr] = []
    texts: list[pl.Expr] = []
    for name, (cn, unit) in LIST_MEASURES.items():
        ops = {i: t.limits()[name] for i, t in enumerate(rule.table) if name in t.limits()}
        if not ops:
            continue
        digits = _digits(ctx, rule, name)
        limit = pl.col("_row").replace_strict(
            {i: round_limit(v, digits) for i, (_, v) in ops.items()},
            default=None,
            return_dtype=pl.Float64,
        )
        value = at_precision(pl.col(f"_m_{name}"), digits)
        low = pl.col("_row").is_in([i for i, (op, _) in ops.items() if op == "<="])
        breached = pl.when(low).then(value <= limit).otherwise(value >= limit)
        # a limit the row does not give is neither breached nor a reason to stay off the list
        applies = limit.is_not_null()
        breaches.append(pl.when(applies).then(breached.fill_null(False)))
        sign = pl.when(low).then(pl.lit("≤")).otherwise(pl.lit("≥"))
        verdict = (
            pl.when(value.is_null())
            .then(pl.lit("数据缺失"))
            .when(breached)
            .then(pl.lit("未达标"))
            .otherwise(pl.lit("达标"))
        )
        texts.append(
            pl.when(applies).then(
                pl.format(
                    "{} {} {}（标准：{} {} 为未达标；{}）",
                    pl.lit(cn),
                    show(value, digits),
                    pl.lit(unit),
                    sign,
                    show(limit, None),
                    verdict,
                )
            )
        )
    given = [b.is_not_null() for b in breaches]
    if rule.breach == "all":
        hit = pl.all_horizontal(b.fill_null(True) for b in breaches)
    else:
        hit = pl.any_horizontal(b.fill_null(False) for b in breaches)
    hit = hit & pl.any_horizontal(given) if given else pl.lit(False)
    listed = firms.filter(pl.col("_row").is_not_null() & hit.fill_null(False))
    county_of = dict(enumerate("各地" if t.county == "*" else t.county for t in rule.table))
    industry_of = dict(
        enumerate("各行业" if t.industry == "*" else f"行业 {t.industry}" for t in rule.table)
    )
    size_of = dict(
        enumerate({"*": "规上规下", "above": "规上", "below": "规下"}[t.size] for t in rule.table)
    )
    row_name = pl.format(
        "适用标准：{}、{}、{}",
        *(
            pl.col("_row").replace_strict(m, return_dtype=pl.String)
            for m in (county_of, industry_of, size_of)
        ),
    )
    inputs = pl.concat_str([*texts, row_name], separator="；", ignore_nulls=True)
    return _listed(ctx, listed, rule.id, rule.label, inputs=inputs)


# ---- 长期停产 / 欠税 ---- #
def idle(ctx: Context, rule: IdleList) -> pl.DataFrame:
    """No production for consecutive data years, or land-use-tax arrears of enough years."""
    members = _population(ctx, rule.population).select("uscc")
    if rule.measure == "mortgaged_idle_land":
        if ctx.inputs is None or "mortgaged_idle_land_mu" not in ctx.inputs.columns:
            return pl.DataFrame(schema=ROW_SCHEMA)
        mortgaged = ctx.inputs.filter(
            compare(pl.col("mortgaged_idle_land_mu"), ">", 0.0, _digits(ctx, rule, "land_mu"))
        ).join(members, on="uscc", how="semi")
        inputs = pl.format("闲置土地抵押在金融机构 {} 亩", show(pl.col("mortgaged_idle_land_mu")))
        return _listed(
            ctx, mortgaged.select("uscc", "mortgaged_idle_land_mu"), rule.id, rule.label,
            inputs=inputs,
        )  # fmt: skip
    if rule.measure == "land_tax_arrears":
        if ctx.inputs is None or "land_tax_arrears_years" not in ctx.inputs.columns:
            return pl.DataFrame(schema=ROW_SCHEMA)
        listed = ctx.inputs.filter(pl.col("land_tax_arrears_years") >= rule.years).join(
            members, on="uscc", how="semi"
        )
        inputs = pl.format("欠缴城镇土地使用税 {} 年", pl.col("land_tax_arrears_years"))
        return _listed(
            ctx, listed.select("uscc", "land_tax_arrears_years"), rule.id, rule.label, inputs=inputs
        )
    years = list(range(ctx.data_year - rule.years + 1, ctx.data_year + 1))
    facts = st.facts_of_years(ctx.store, years)
    # NOTE: stopped means nothing produced and nothing sold: a firm with output 0 but revenue
    # 5亿 (a trader) is not idle. Unknown on both counts is not evidence of a stop.
    produced = pl.max_horizontal("output_wan", "revenue_wan")
    hits = facts.filter((produced <= 0).fill_null(False)).select("uscc", pl.col("year").alias("y"))
    streak = st.consecutive(hits, last=ctx.data_year, lookback=rule.years)
    listed = streak.filter(pl.col("streak") >= rule.years).join(members, on="uscc", how="semi")
    stopped = pl.format("连续 {} 年无产值、无营业收入（停产）", pl.col("streak"))
    return _listed(ctx, listed, rule.id, rule.label, inputs=stopped)


# ---- lists by class, facts and honours ---- #
def firm_list(ctx: Context, rule: FirmList) -> pl.DataFrame:
    """Firms in the classes, meeting any condition or holding an honour; and all of ``all_of``."""
    firms = _population(ctx, rule.population).join(
        holds_any(ctx, rule.honours), on="uscc", how="left"
    )
    by_class = pl.col("class_label").cast(pl.String).is_in(list(rule.classes)).fill_null(False)
    by_fact = any_of(rule.any_of)
    honoured = pl.col("_honours").is_not_null()
    either = rule.classes or rule.any_of or rule.honours
    hit = (by_class | by_fact | honoured) if either else pl.lit(True)
    listed = firms.filter(hit & all_of(rule.all_of))
    facts_text = [pl.when(all_of((c,))).then(pl.lit(_describe_condition(c))) for c in rule.any_of]
    why = pl.concat_str(
        [
            pl.when(by_class).then(pl.format("亩均评价 {} 类", pl.col("class_label"))),
            *facts_text,
            pl.when(honoured).then(pl.col("_honours")),
            *(pl.lit(_describe_condition(c)) for c in rule.all_of),
        ],
        separator="；",
        ignore_nulls=True,
    )
    return _listed(ctx, listed, rule.id, rule.label, inputs=why)


def _describe_condition(c: object) -> str:
    """A condition in words for the ``inputs`` text (flag names are the schema's labels)."""
    from mujun.schema import MEASURES  # noqa: PLC0415 - only for labels

    flag = getattr(c, "flag", None)
    if flag is not None:
        return MEASURES[flag].label
    measure = getattr(c, "measure", None)
    if measure is not None:
        field = MEASURES[measure]
        return f"{field.label} {getattr(c, 'op', '')} {getattr(c, 'value', '')}"
    return "行业 " + "、".join(getattr(c, "industry_in", None) or ())


# ---- 低效工业区块 ---- #
def blocks(ctx: Context, rule: BlockList) -> pl.DataFrame:
    """Parks (and 村级工业集聚点) whose Σ tax ÷ Σ land is at or below the limit: one row each."""
    firms = _population(ctx, rule.population).filter(
        pl.col("park").is_not_null() & (pl.col("park").str.strip_chars() != "")
    )
    ok = pl.col("tax_wan").is_not_null() & (pl.col("land_mu") > 0).fill_null(False)
    per_block = (
        firms.group_by("park", maintain_order=True)
        .agg(
            pl.col("tax_wan").filter(ok).sum().alias("_tax"),
            pl.col("land_mu").filter(ok).sum().alias("_land"),
            ok.sum().alias("_firms"),
        )
        .filter(pl.col("_firms") >= rule.min_firms)
        .with_columns(
            at_precision(_ratio(pl.col("_tax"), pl.col("_land")), rule.digits).alias("_per_mu")
        )
        .sort("park")
    )
    op = "<=" if rule.inclusive else "<"
    low = per_block.filter(
        compare(pl.col("_per_mu"), op, rule.max_tax_per_mu, rule.digits).fill_null(False)
    )
    inputs = pl.format(
        "区块内企业 {} 家；税收合计 {} 万元；用地合计 {} 亩；亩均税收 {} 万元/亩（限 {} {}）",
        pl.col("_firms"),
        show(pl.col("_tax")),
        show(pl.col("_land")),
        show(pl.col("_per_mu"), rule.digits),
        pl.lit("≤" if rule.inclusive else "<"),
        pl.lit(rule.max_tax_per_mu),
    )
    frame = low.select(
        pl.lit(None, pl.String).alias("uscc"),
        pl.col("park").alias("name"),
        pl.lit(None, pl.String).alias("class_label"),
        "_firms", "_tax", "_land", "_per_mu",
    )  # fmt: skip
    return outcome_rows(
        frame, rule_id=rule.id, rule=rule.label, kind="watch", inputs=inputs,
        outcome="列入低效工业区块",
    )  # fmt: skip


# ---- 执法检查需整改企业 ---- #
def _open_findings(ctx: Context, *, kinds: tuple[str, ...], open_only: bool) -> pl.DataFrame | None:
    """Per firm: its findings in words ("环保执法：…（期限 …）"), or None without a table."""
    if ctx.inspections is None:
        return None
    found = ctx.inspections
    kind = (
        pl.col("inspection_kind") if "inspection_kind" in found.columns else pl.lit(None, pl.String)
    )
    if kinds:
        found = found.filter(kind.is_in(list(kinds)).fill_null(False))
    if open_only and "rectified" in found.columns:
        done = (
            pl.col("rectified")
            .str.strip_chars()
            .is_in(["是", "已整改", "完成", "已完成", "Y", "y", "yes", "true", "1"])
        )
        found = found.filter(~done.fill_null(False))
    finding = pl.col("finding") if "finding" in found.columns else pl.lit(None, pl.String)
    deadline = pl.col("deadline") if "deadline" in found.columns else pl.lit(None, pl.String)
    text = pl.concat_str(
        kind.fill_null("检查"), pl.lit("："), finding.fill_null("需整改"),
        pl.when(deadline.is_not_null()).then(pl.format("（期限 {}）", deadline)),
        ignore_nulls=True,
    )  # fmt: skip
    return found.group_by("uscc", maintain_order=True).agg(text.str.join("；").alias("_findings"))


def inspections(ctx: Context, rule: InspectionList) -> pl.DataFrame:
    """Firms of the population with open findings of the inspections table."""
    found = _open_findings(ctx, kinds=rule.kinds, open_only=rule.open_only)
    if found is None:
        return pl.DataFrame(schema=ROW_SCHEMA)
    listed = _population(ctx, rule.population).join(found, on="uscc", how="inner")
    return _listed(ctx, listed, rule.id, rule.label, inputs=pl.col("_findings"))


# ---- project admission ---- #
def admission(ctx: Context, rule: AdmissionTest) -> pl.DataFrame:
    """A project's labour productivity against ``min_ratio`` × last year's industry average.

    Both the project's figure and the required one are taken at the published precision, so
    the requirement printed ("须 ≥ 27.50") is the one applied.
    """
    if ctx.projects is None or ctx.averages is None or "project_type" not in ctx.projects.columns:
        return pl.DataFrame(schema=ROW_SCHEMA)
    column = "province_avg" if rule.reference == "province" else "city_avg"
    projects = ctx.projects.filter(pl.col("project_type") == rule.project_type).with_columns(
        pl.col("industry_code").str.extract(r"^[A-Za-z]?(\d{2})", 1).alias("_div")
    )
    averages = ctx.averages.select(
        pl.col("industry").str.extract(r"^[A-Za-z]?(\d{2})", 1).alias("_div"), column
    )
    joined = projects.join(averages, on="_div", how="left")
    need = at_precision(pl.col(column) * rule.min_ratio, rule.digits)
    productivity = at_precision(pl.col("labour_productivity"), rule.digits)
    outcome = (
        pl.when(pl.col(column).is_null())
        .then(pl.lit("缺少该行业的上年度平均值，无法判断"))
        .when(productivity.is_null())
        .then(pl.lit("缺少项目全员劳动生产率，无法判断"))
        .when(productivity >= need)
        .then(pl.lit("准入"))
        .otherwise(pl.lit("不予准入：全员劳动生产率未达到要求"))
    )
    where = "全省" if rule.reference == "province" else "全市"
    inputs = pl.format(
        "全员劳动生产率 {} 万元/人；上年度{}同行业平均 {}，须 ≥ {}",
        show(productivity, rule.digits),
        pl.lit(where),
        show(pl.col(column)),
        show(need, rule.digits),
    )
    names = ctx.firms.select("uscc", "name", "class_label")
    return outcome_rows(
        joined.join(names, on="uscc", how="left"),
        rule_id=rule.id,
        rule=rule.label,
        kind="admission",
        inputs=inputs,
        outcome=outcome,
        per_project=True,
    )


def per_mu_admission(ctx: Context, rule: PerMuAdmission) -> pl.DataFrame:
    """A project's expected tax and value added per mu against its industry's standard-land row.

    The deepest industry row that matches applies; both figures are compared at the published
    precision (a project at exactly the indicator meets it).
    """
    if ctx.projects is None or "project_type" not in ctx.projects.columns:
        return pl.DataFrame(schema=ROW_SCHEMA)  # no project says it is of this type
    order = sorted(
        range(len(rule.table)),
        key=lambda i: 0 if rule.table[i].industry == "*" else len(rule.table[i].industry),
        reverse=True,
    )
    row = first_match(
        (
            (
                pl.lit(value=True)
                if rule.table[i].industry == "*"
                else industry_match((rule.table[i].industry,)),
                pl.lit(i, pl.Int32),
            )
            for i in order
        ),
        otherwise=pl.lit(None, pl.Int32),
    )
    projects = ctx.projects.filter(pl.col("project_type") == rule.project_type)
    if "industry_code" not in projects.columns:
        projects = projects.with_columns(pl.lit(None, pl.String).alias("industry_code"))
    projects = projects.with_columns(row.alias("_row"))
    d = rule.digits
    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []
    for column, field, name in (
        ("project_tax_per_mu", "min_tax_per_mu", "亩均税收"),
        ("project_va_per_mu", "min_va_per_mu", "亩均增加值"),
    ):
        limits = {i: getattr(t, field) for i, t in enumerate(rule.table)}
        need = pl.col("_row").replace_strict(
            {i: round_limit(v, d) for i, v in limits.items() if v is not None},
            default=None,
            return_dtype=pl.Float64,
        )
        value = (
            at_precision(pl.col(column), d)
            if column in projects.columns
            else pl.lit(None, pl.Float64)
        )
        checks.append((name, column, value, need))
    applies = [need.is_not_null() for _, _, _, need in checks]
    unknown = pl.any_horizontal(
        a & v.is_null() for a, (_, _, v, _) in zip(applies, checks, strict=True)
    )
    short = [
        pl.when(a & (v < need)).then(
            pl.format("{} {} 万元/亩，须 ≥ {}", pl.lit(n), show(v, d), show(need, None))
        )
        for a, (n, _, v, need) in zip(applies, checks, strict=True)
    ]
    failing = pl.concat_str(short, separator="；", ignore_nulls=True)
    outcome = (
        pl.when(pl.col("_row").is_null())
        .then(pl.lit("缺少该行业的标准地控制性指标，无法判断"))
        .when(unknown)
        .then(pl.lit("缺少项目预计亩均税收或亩均增加值，无法判断"))
        .when(failing.is_not_null() & (failing != ""))
        .then(pl.format("不予准入：{}", failing))
        .otherwise(pl.lit("符合“标准地”控制性指标"))
    )
    inputs = pl.concat_str(
        [
            pl.when(a).then(
                pl.format("预计{} {} 万元/亩（指标 ≥ {}）", pl.lit(n), show(v, d), show(need, None))
            )
            for a, (n, _, v, need) in zip(applies, checks, strict=True)
        ],
        separator="；",
        ignore_nulls=True,
    )
    names = ctx.firms.select("uscc", "name", "class_label")
    return outcome_rows(
        projects.join(names, on="uscc", how="left"),
        rule_id=rule.id,
        rule=rule.label,
        kind="admission",
        inputs=inputs,
        outcome=outcome,
        per_project=True,
    )
