"""The import report workbook: files, problem rows with their original cells, firm sources."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mujun.ingest.importer import ImportResult
from mujun.ingest.mapping import MAPPING_HEADERS, mapping_frame
from mujun.report.workbook import write_workbook

HEADERS = {
    "file": "文件", "sheet": "工作表", "source": "数据类别", "rows_read": "读取行数",
    "accepted": "接受行数", "rejected": "拒绝行数", "skipped": "跳过行数", "units": "单位",
    "notes": "说明", "row": "行号", "column": "列", "value": "原值", "reason": "原因",
    "outcome": "处理", "raw": "原始内容", "uscc": "统一社会信用代码", "name": "企业名称",
    "missing_sources": "缺少的数据来源", "name_match": "按名称匹配", "check": "检查项",
    "message": "提示", "tax_detail": "税务明细", "tax_wide": "税务汇总", "stats": "统计",
    "land": "用地", "energy": "能耗", "emissions": "排放", "register": "企业名录",
    "cleared": "清空单元格的行", "correction": "用户更正",
    **MAPPING_HEADERS,
}  # fmt: skip
_OUTCOME = {"rejected": "拒绝", "skipped": "跳过", "cleared": "清空（行已接受）"}


def write_import_report(result: ImportResult, path: str | Path, /) -> Path:
    """Write the reconciling import report as an .xlsx workbook (whole or not at all).

    Sheets: files (read = accepted + rejected + skipped, units, notes), the column mapping of
    every sheet (field, unit, evidence, columns not read), the problem rows with their original
    cells, the firms' sources, the plausibility checks and the user's corrections.
    """
    failures = result.failures.with_columns(result.failures["outcome"].replace(_OUTCOME))
    corrections = pl.DataFrame(
        {"correction": list(result.corrections)}, schema={"correction": pl.String}
    )
    return write_workbook(
        path,
        {
            "文件汇总": result.files,
            "列对照": mapping_frame(result.mappings),
            "问题行": failures,
            "企业数据来源": result.firms,
            "合理性检查": result.warnings,
            "用户更正": corrections,
        },
        headers=HEADERS,
    )
