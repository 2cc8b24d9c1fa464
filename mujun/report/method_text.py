"""The evaluation method in Chinese, generated from the profile the run was scored with.

Reports and the internal workbook print these lines, so what officials read is the rule the
engine applied (weights, benchmarks, caps, missing data, bonus points, quotas), never a
hand-written description that can drift from it.
"""

from __future__ import annotations

from mujun.profiles.models import Benchmark, Cohort, ItemScoring, MissingPolicy, Profile
from mujun.schema import MEASURES

_GROUPS = {
    "county": "县（市、区）",
    "township": "乡镇（街道）",
    "park": "园区",
    "industry_division": "行业大类",
    "industry_code": "行业代码",
}
_FALLBACK = {
    "zero": "计 0 分",
    "cohort_mean": "取同组企业该项平均得分",
    "full": "计满分（该项权重）",
}
_ROUNDING = {"floor": "向下取整", "ceil": "向上取整", "half_up": "四舍五入取整"}


def _num(value: float) -> str:
    """12 → "12", 1.5 → "1.5", 0.30000000000000004 → "0.3" (no scientific notation)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _measure(name: str) -> str:
    """The Chinese header of a canonical column, e.g. "实缴税金（万元）"."""
    field = MEASURES.get(name)
    return field.label if field is not None else name


def _pct(share: float) -> str:
    return f"{_num(share * 100)}%"


def no_cap(profile: Profile, /) -> bool:
    """Whether some used indicator's ratio item score has no cap (单项不封顶)."""
    return any(
        profile.scoring_for(i).method == "ratio" and profile.scoring_for(i).cap is None
        for i in profile.used_indicators()
    )


def cap_note(profile: Profile, /) -> str:
    """The note "单项不封顶" (or "部分单项不封顶") where an item can exceed its weight."""
    used = profile.used_indicators()
    open_ = [
        i
        for i in used
        if profile.scoring_for(i).method == "ratio" and profile.scoring_for(i).cap is None
    ]
    if not open_:
        return ""
    return "单项不封顶" if len(open_) == len(used) else "部分单项不封顶"


def max_total(profile: Profile, cohort: Cohort, /) -> float | None:
    """Highest possible Σ items of a cohort, or None where a ratio item has no cap."""
    total = 0.0
    for ind in cohort.used_indicators:
        rule = profile.scoring_for(ind)
        if rule.method == "ratio" and rule.cap is None:
            return None
        total += cohort.weights[ind] * (rule.cap if rule.method == "ratio" and rule.cap else 1.0)
    return total


def _benchmark(b: Benchmark) -> str:
    when = "上年度" if b.year == "previous" else "本年度"
    where = "同一评价类别" if b.by_cohort else "全部参评"
    groups = "、".join(_GROUPS.get(g, g) for g in b.group_by)
    split = f"，按{groups}分别计算" if groups else ""
    times = "" if b.k == 1 else f"的 {_num(b.k)} 倍"
    if b.method == "fixed":
        return "公布的基准值（见各评价类别）"
    what = {
        "mean": "企业指标值的算术平均数",
        "aggregate": "企业合计数之比（分子合计 ÷ 分母合计）",
        "best": "企业中的最优值",
    }[b.method]
    return f"{when}{where}{what}{times}{split}"


def _scoring(s: ItemScoring, *, reverse: bool) -> str:
    if s.method == "minmax":
        floor = _pct(s.minmax_floor_share)
        return f"最小–最大标准化：权重 ×（{floor} +（1 − {floor}）× 标准化值）"
    formula = "（2 − 指标值 ÷ 基准值）× 权重 ÷ 2" if reverse else "指标值 ÷ 基准值 × 权重"
    cap = "单项不封顶" if s.cap is None else f"单项最高得分为权重的 {_num(s.cap)} 倍"
    floor = "" if s.floor is None else f"，最低 {_num(s.floor)} 分"
    return f"{formula}，{cap}{floor}"


def _missing(m: MissingPolicy) -> str:
    def say(fallback: str) -> str:
        return f"扣 {_num(m.penalty_points)} 分" if fallback == "penalty" else _FALLBACK[fallback]

    return (
        f"数据缺失{say(m.missing)}；分母填报为零{say(m.zero)}；经核实零排放{say(m.zero_verified)}；"
        f"指标不适用{say(m.not_applicable)}；数据无效{say(m.invalid)}"
    )


def method_lines(profile: Profile, /) -> list[str]:
    """The method as numbered Chinese sentences, in the order the engine applies it."""
    p = profile
    lines: list[str] = []
    scope = []
    if p.scope.industry_in:
        scope.append(f"国民经济行业大类 {'、'.join(p.scope.industry_in)}")
    if p.scope.industry_not_in:
        scope.append(f"不含大类 {'、'.join(p.scope.industry_not_in)}")
    cohorts = "；".join(c.label for c in p.cohorts.values())
    lines.append(
        f"评价范围：{('，'.join(scope) + '的') if scope else ''}工业企业，"
        f"分为以下评价类别分别计分：{cohorts}。"
    )
    for cohort in p.cohorts.values():
        weights = "、".join(
            f"{p.indicators[i].label} {_num(cohort.weights[i])} 分" for i in cohort.used_indicators
        )
        total = sum(cohort.weights[i] for i in cohort.used_indicators)
        line = f"{cohort.label}指标及权重：{weights}（权重合计 {_num(total)} 分）"
        fixed = [
            f"{p.indicators[i].label} {_num(cohort.benchmarks[i])} {p.indicators[i].unit}"
            for i in cohort.used_indicators
            if p.benchmark_for(i).method == "fixed" and i in cohort.benchmarks
        ]
        if fixed:
            line += f"；公布的基准值：{'、'.join(fixed)}"
        ceiling = max_total(p, cohort)
        line += "；单项不封顶，综合得分可能超过权重合计" if ceiling is None else ""
        lines.append(line + "。")
    for ind in p.used_indicators():
        spec = p.indicators[ind]
        den = f" ÷ {_measure(spec.denominator)}" if spec.denominator else ""
        scale = "" if spec.scale == 1 else f" × {_num(spec.scale)}"
        better = "越高越好" if spec.direction == "higher" else "越低越好"
        lines.append(
            f"{spec.label}（{spec.unit}，{better}）"
            f"：基准值为{_benchmark(p.benchmark_for(ind))}；单项得分 = "
            f"{_scoring(p.scoring_for(ind), reverse=spec.direction == 'lower')}。"
            f"（计算口径：{_measure(spec.numerator)}{den}{scale}）"
        )
    lines.append(f"缺数处理：{_missing(p.missing)}。")
    lines.extend(
        f"{p.indicators[i].label}缺数处理：{_missing(p.missing_for(i))}。"
        for i in p.used_indicators()
        if p.indicators[i].missing is not None
    )
    adj = p.adjustments
    if adj.bonus:
        cap = f"，加分合计最多 {_num(adj.bonus_cap)} 分" if adj.bonus_cap else ""
        lines.append(
            "加分：" + "；".join(f"{r.label} +{_num(r.points)} 分" for r in adj.bonus) + f"{cap}。"
        )
    if adj.penalty:
        lines.append(
            "减分：" + "；".join(f"{r.label} −{_num(r.points)} 分" for r in adj.penalty) + "。"
        )
    if adj.coefficients:
        lines.append(
            "修正系数（乘以各单项得分之和）："
            + "；".join(f"{r.label} × {_num(r.factor)}" for r in adj.coefficients)
            + "。"
        )
    lines.append(_classes(p))
    for rule in p.special:
        lines.append(f"{rule.label}（{rule.name}）：{rule.reason}。")
    for rule in p.overrides:
        lines.append(f"等级调整：{rule.reason}。")
    for rule in p.vetoes:
        lines.append(f"一票否决：{rule.reason}（否决优先于其他调整）。")
    return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]


def _classes(p: Profile) -> str:
    c = p.classification
    pool = "、".join(_GROUPS.get(g, g) for g in c.pool)
    where = f"在各{pool}内" if pool else "在全部参评企业中"
    if c.pool_by_cohort:
        where += "按评价类别分别"
    names = "、".join(f"{d.label}（{d.name}）" for d in c.classes)
    if c.method == "quota":
        shares, upto = [], 0.0
        for d in c.classes:
            low, upto = upto, upto + c.quotas[d.label]
            shares.append(
                f"{d.label} 类为前 {_pct(upto)}"
                if low == 0
                else f"{d.label} 类为 {_pct(low)}–{_pct(upto)}"
            )
        rounding = _ROUNDING[c.rounding]
        rule = f"按综合得分{where}排序，{'；'.join(shares)}（边界含本数，人数按{rounding}）"
    else:
        rule = (
            f"按综合得分{where}划分："
            + "；".join(f"{label} 类 ≥ {_num(c.thresholds[label])} 分" for label in c.labels[:-1])
            + f"；其余为 {c.labels[-1]} 类"
        )
    bounds = "；".join(
        f"{label} 类"
        + ("" if b.max_share is None else f"不超过 {_pct(b.max_share)}")
        + ("" if b.min_share is None else f"不少于 {_pct(b.min_share)}")
        for label, b in c.bounds.items()
    )
    ties = "、".join(p.indicators[t].label for t in c.tie_break)
    tie = f"；得分相同时依次比较{ties}" if ties else ""
    return f"分类：{names}。{rule}{'；' + bounds if bounds else ''}{tie}。"
