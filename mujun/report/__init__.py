"""Report stage: what officials read."""

from mujun.report.class_list import class_list, class_summary, write_table

__all__ = ["class_list", "class_summary", "write_table"]
