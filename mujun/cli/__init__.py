"""The ``mujun`` command line: a thin shell over the library with one error handler.

One module per stage registers its commands on the shared app: ``ingest`` (import),
``score`` (score, demo), ``cycle`` (run, publish, adjust, runs, history, ...), ``policy``
(levers, targets), ``report`` (export, card), ``profiles``, ``whatif`` and ``web``
(serve, users).
"""

from __future__ import annotations

import sys

from mujun.cli import (  # noqa: F401
    cases,
    cycle,
    ingest,
    policy,
    profiles,
    report,
    score,
    web,
)
from mujun.cli._app import app, state
from mujun.cli._console import err, out, print_frame
from mujun.cli.whatif import register as register_whatif
from mujun.errors import MujunError

register_whatif(app, show=print_frame, console=out)

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app; user-fixable errors print one ``错误：`` block, exit 1."""
    try:
        app()
    except MujunError as exc:
        if state["debug"]:
            raise
        err.print(f"错误：{exc}", markup=False, highlight=False)
        sys.exit(1)
    except Exception as exc:  # a bug or an input we did not foresee: still no traceback
        if state["debug"]:
            raise
        err.print(
            f"错误：意外错误（{type(exc).__name__}：{exc}）\n"
            "提示：这可能是 mujun 的缺陷；请加 --debug 重新运行并报告显示的出错信息。",
            markup=False,
            highlight=False,
        )
        sys.exit(2)
