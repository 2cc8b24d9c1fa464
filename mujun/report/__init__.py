"""Report stage: what officials read."""

from mujun.report.class_list import check_table_path, class_list, class_summary, write_table
from mujun.report.workbook import write_workbook

__all__ = ["check_table_path", "class_list", "class_summary", "write_table", "write_workbook"]
