"""Write canonical facts out as the departments' messy files (for the sample and round trips).

Each writer produces the shape a bureau really sends (data_formats.md): the tax bureau's
payment lines in 元 under a title and a 金额单位 row, with PIT lines, refunds, next year's
payments and a 合计 row; the statistics bureau's 规上 table under a two-row header with
industry names or codes; land parcels in 平方米 as GB18030 CSV; the power company's meters in
万千瓦时 as an HTML table saved as .xls, plus a meter-to-firm table; emissions; the register.
Importing them gives the facts back (to rounding of the written units).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl

_ITEM_SHARES = (("增值税", 0.55), ("企业所得税", 0.25), ("城市维护建设税", 0.07),
                ("教育费附加", 0.03), ("地方教育附加", 0.02), ("房产税", 0.05),
                ("印花税", 0.03))  # fmt: skip
INDUSTRY_NAMES = {"13": "农副食品加工业", "17": "纺织业", "26": "化学原料及化学制品制造业",
                  "29": "橡胶和塑料制品业", "33": "金属制品业", "34": "通用设备制造业"}  # fmt: skip


def _cell(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _sheet(path: Path, rows: list[list[object]], *, merges: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for span in merges:
        sheet.merge_cells(span)
    book.save(path)
    return path


def tax_detail(facts: pl.DataFrame, path: Path, *, seed: int = 0) -> Path:
    """Payment lines in 元; the basket's lines sum exactly to each firm's ``tax_wan``."""
    rng = np.random.default_rng(seed)
    year = int(facts.item(0, "year"))
    rows: list[list[object]] = [
        [f"{year}年度税收入库明细"],
        [f"管理机关：示范县税务局    数据类型：实缴税收    金额单位：元    报表期：{year}年"],
        [],
        [
            "纳税人识别号",
            "纳税人名称",
            "征收项目",
            "征收品目",
            "税款所属期起",
            "入库日期",
            "实缴金额",
        ],
    ]
    total = 0.0
    for uscc, name, tax in facts.select("uscc", "name", "tax_wan").iter_rows():
        if tax is None:
            continue
        cents = round(tax * 10000 * 100)  # 万元 → 元 → 分, exact integers
        left = cents
        for i, (item, share) in enumerate(_ITEM_SHARES):
            part = left if i == len(_ITEM_SHARES) - 1 else round(cents * share)
            left -= part
            month = int(rng.integers(1, 12))
            period, paid = f"{year}-{month:02d}-01", f"{year}-{month + 1:02d}-15"
            rows.append([uscc, name, item, "", period, paid, f"{part / 100:,.2f}"])
            total += part / 100
        rows.append([uscc, name, "个人所得税", "工资薪金所得", f"{year}-03-01", f"{year}-04-15",
                     f"{rng.integers(1000, 90000) / 100:,.2f}"])  # fmt: skip
        if rng.random() < 0.1:  # a refund and the payment it reverses
            amount = f"{rng.integers(10000, 500000) / 100:,.2f}"
            rows.append([uscc, name, "增值税", "", f"{year}-05-01", f"{year}-06-15", amount])
            rows.append(
                [uscc, name, "增值税", "退库", f"{year}-05-01", f"{year}-07-10", f"({amount})"]
            )
        if rng.random() < 0.2:  # December tax paid next January: another data year
            rows.append(
                [uscc, name, "增值税", "", f"{year}-12-01", f"{year + 1}-01-15", "1,234.00"]
            )
    rows.append(["合计", None, None, None, None, None, None])
    return _sheet(path, rows)


def stats(facts: pl.DataFrame, path: Path) -> Path:
    """规上 firms under a two-row header (基本情况 / 主要指标), industry by code or by name."""
    above = facts.filter(pl.col("above_scale"))
    rows: list[list[object]] = [
        ["统一社会信用代码", "单位详细名称", "行业代码", "主要指标", None, None, None, None, None],
        [None, None, None, "工业增加值（万元）", "营业收入（万元）", "工业总产值（万元）",
         "研发经费支出（万元）", "从业人员平均人数（人）", "综合能耗（吨标准煤）"],
    ]  # fmt: skip
    for i, r in enumerate(above.iter_rows(named=True)):
        code = r["industry_code"]
        shown = INDUSTRY_NAMES.get(code[:2], code) if (i % 3 == 0 and code) else f"C{code}"
        if i % 3 == 0 and code and code[:2] in INDUSTRY_NAMES:
            shown = INDUSTRY_NAMES[code[:2]]
        rows.append([r["uscc"], r["name"], shown, r["value_added_wan"], r["revenue_wan"],
                     r["output_wan"], r["rd_wan"], r["employees"], r["energy_tce"]])  # fmt: skip
    return _sheet(path, rows, merges=("D1:I1",))


def land(facts: pl.DataFrame, path: Path) -> Path:
    """Parcels in 平方米 (GB18030 CSV); some firms rent in land and lease part out."""
    lines = ["统一社会信用代码,企业名称,用地类型,不动产权证号,土地使用权面积（平方米）"]
    per_mu = 10000 / 15
    for i, (uscc, name, mu) in enumerate(facts.select("uscc", "name", "land_mu").iter_rows()):
        if mu is None:
            continue
        if i % 7 == 3 and mu > 2:  # own part, rented part, and 1 亩 leased out
            own, rented, leased = mu * 0.8 + 1, mu * 0.2, 1.0
            parts = [("自有", own), ("承租", rented), ("出租", leased)]
        else:
            parts = [("自有", mu)]
        for kind, area in parts:
            lines.append(f"{uscc},{name},{kind},浙({2000 + i % 20})示范县不动产权第{i:07d}号,"
                         f"{area * per_mu:.4f}")  # fmt: skip
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return path


def energy(facts: pl.DataFrame, folder: Path) -> dict[str, Path]:
    """Comprehensive energy (xlsx, tce, 等价值), power by meter (HTML .xls, 万千瓦时), meters."""
    rows: list[list[object]] = [
        ["统一社会信用代码", "企业名称", "综合能耗（吨标准煤）", "折算口径"]
    ]
    meters = ["户号,统一社会信用代码,企业名称"]
    power = ["<html><head><meta charset='utf-8'></head><body><table>",
             "<tr><th>户号</th><th>户名</th><th>用电量（万千瓦时）</th></tr>"]  # fmt: skip
    for i, r in enumerate(facts.iter_rows(named=True)):
        if r["energy_tce"] is not None:
            rows.append([r["uscc"], r["name"], r["energy_tce"], "等价值"])
        if r["electricity_kwh"] is None:
            continue
        kwh = r["electricity_kwh"]
        split = [kwh] if i % 4 else [kwh * 0.6, kwh * 0.4]  # some firms have two meters
        for j, part in enumerate(split):
            meter = f"33{i:06d}{j}"
            meters.append(f"{meter},{r['uscc']},{r['name']}")
            power.append(
                f"<tr><td>{meter}</td><td>{r['name']}</td><td>{part / 10000:.6f}</td></tr>"
            )
    power.append("</table></body></html>")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "power.xls").write_text("\n".join(power), encoding="utf-8")
    (folder / "meters.csv").write_text("\n".join(meters) + "\n", encoding="utf-8-sig")
    return {"energy": _sheet(folder / "energy.xlsx", rows), "power": folder / "power.xls",
            "meters": folder / "meters.csv"}  # fmt: skip


def emissions(facts: pl.DataFrame, path: Path) -> Path:
    """Pollutants in tonnes; verified-zero and not-applicable firms say so."""
    lines = [
        "统一社会信用代码,企业名称,化学需氧量（吨）,氨氮（吨）,二氧化硫（吨）,氮氧化物（吨）,排放状态"
    ]
    status_text = {"zero_verified": "经核实无排放", "not_applicable": "不适用"}
    for r in facts.iter_rows(named=True):
        cells = ["" if r[c] is None else f"{r[c]}" for c in ("cod_t", "nh3n_t", "so2_t", "nox_t")]
        status = status_text.get(str(r.get("emission_status")), "")
        if not any(cells) and not status:
            continue
        lines.append(",".join([r["uscc"], r["name"], *cells, status]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def register(facts: pl.DataFrame, path: Path) -> Path:
    """The firm register with township, industry, dates and the flags rules use."""

    def yes(v: object) -> str:
        return "是" if v else "否"

    rows: list[list[object]] = [[
        "统一社会信用代码", "企业名称", "县（市、区）", "乡镇（街道）", "行业代码", "投产日期",
        "是否公用事业", "高新技术企业", "重大安全事故", "在建项目总投资（万元）",
    ]]  # fmt: skip
    for r in facts.iter_rows(named=True):
        start = r["production_start"]
        rows.append([r["uscc"], r["name"], r["county"], r["township"], r["industry_code"],
                     start.isoformat() if isinstance(start, dt.date) else None,
                     yes(r["utility"]), yes(r["high_tech"]), yes(r["safety_incident"]),
                     r["construction_investment_wan"]])  # fmt: skip
    return _sheet(path, rows)


def write_all(
    facts: pl.DataFrame, folder: str | Path, /, *, seed: int = 0
) -> dict[str, list[Path]]:
    """Every department's file for one data year; returns `mujun import` sources → files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    power = energy(facts, folder)
    return {
        "tax": [tax_detail(facts, folder / "tax_payments.xlsx", seed=seed)],
        "stats": [stats(facts, folder / "stats_above_scale.xlsx")],
        "land": [land(facts, folder / "land_parcels.csv")],
        "energy": [power["energy"], power["power"]],
        "meters": [power["meters"]],
        "emissions": [emissions(facts, folder / "emissions.csv")],
        "register": [register(facts, folder / "register.xlsx")],
    }
