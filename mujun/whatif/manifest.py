"""Reproducible what-if runs: a request, its outputs, and a manifest that reruns it.

A request names the command, the published year, the stored facts batch (with its
fingerprint), every profile fully resolved (with its content hash and the ``--set`` / patch it
came from) and the levers' input tables (with their SHA-256). `execute` writes the outputs into
a new folder, with the manifest last; `rerun` executes a manifest's request again and says
whether every output came out byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from mujun import __version__
from mujun import store as st
from mujun.errors import DataError
from mujun.profiles.models import Profile
from mujun.report import write_workbook
from mujun.whatif.run import StoredYear, compare_methods, sensitivity, stored_year, whatif

MANIFEST = "manifest.json"
_REQUEST_KEYS = ("command", "year", "database", "base_run_id", "batch_id", "facts_fingerprint",
                 "profiles", "points", "cohorts", "tables")  # fmt: skip
HEADERS = {
    "firms": "企业数", "changed": "等级变动企业数", "up": "升级", "down": "降级",
    "rank_correlation": "得分秩相关系数（Spearman）", "uscc": "统一社会信用代码",
    "name": "企业名称", "county": "县（市、区）", "township": "乡镇（街道）", "cohort": "评价类别",
    "class_a": "原等级", "class_b": "新等级", "total_a": "原得分", "total_b": "新得分",
    "rank_a": "原排名", "rank_b": "新排名", "direction": "变动",
    "explanation": "主要原因（指标得分变化）",
    "rule_id": "规则编号", "rule": "规则", "kind": "类型", "firms_a": "原兑现企业（项目）数",
    "wan_a": "原金额（万元）", "firms_b": "新兑现企业（项目）数", "wan_b": "新金额（万元）",
    "wan_change": "金额变化（万元）", "listed_a": "原名单企业数", "listed_b": "新名单企业数",
    "added": "新列入", "removed": "移出", "profile_a": "方法一", "profile_b": "方法二",
    "graded_both": "两种方法均定级企业数", "same_class": "等级相同企业数",
    "share_same": "等级一致率", "indicator": "指标", "weight": "原权重", "shift": "权重变化（分）",
    "graded": "该类别定级企业数",
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What `execute` wrote and the tables to show."""

    folder: Path
    outputs: dict[str, str]
    """File name → SHA-256."""
    tables: dict[str, pl.DataFrame]


def profile_entry(
    profile: Profile, *, source: str, sets: list[str], patch: Path | None
) -> dict[str, Any]:
    """How a profile of a request is recorded: resolved in full, with where it came from."""
    return {
        "source": source,
        "sets": sets,
        "patch": str(patch) if patch else None,
        "patch_sha256": st.file_sha256(patch) if patch else None,
        "content_hash": profile.content_hash(),
        "resolved": profile.model_dump(mode="json"),
    }


def request(
    store: st.Store, stored: StoredYear, *, command: str, profiles: list[dict[str, Any]],
    points: float | None = None, cohorts: list[str] | None = None,
    tables: dict[str, Path | None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A request for `execute` over ``stored`` (`stored_year`), with its facts' fingerprint."""
    return {
        "command": command,
        "year": stored.year,
        "database": str(store.path),
        "base_run_id": stored.run_id,
        "batch_id": stored.batch_id,
        "facts_fingerprint": st.fingerprint(stored.facts),
        "profiles": profiles,
        "points": points,
        "cohorts": cohorts,
        "tables": {
            k: {"path": str(v), "sha256": st.file_sha256(v)} for k, v in (tables or {}).items() if v
        },
    }


def execute(
    store: st.Store,
    req: dict[str, Any],
    folder: Path,
    *,
    created: dt.datetime | None = None,
    stored: StoredYear | None = None,
) -> Outcome:
    """Run ``req`` and write its outputs and manifest into the new ``folder``.

    ``stored`` is the year the request was just made from; without it (a rerun) the year is
    read again and must have the facts the request recorded.

    Raises:
        DataError: the folder exists, or the stored facts or a lever table are no longer what
            the request recorded.
        ProfileError: a recorded profile is no longer valid.
    """
    if folder.exists():
        msg = f"{folder} 已存在。\n提示：换一个新的文件夹；已有的输出从不覆盖。"
        raise DataError(msg)
    created = created or dt.datetime.now().replace(microsecond=0)
    if stored is None:
        stored = stored_year(store, req["year"])
        fresh = st.fingerprint(stored.facts)
    else:
        fresh = req["facts_fingerprint"]
    if fresh != req["facts_fingerprint"] or stored.batch_id != req["batch_id"]:
        msg = (
            f"评价年度 {req['year']} 库中的数据已不是测算时所用的数据（指纹不同）。\n"
            "提示：此后又导入或认定了新的数据批次；请对清单所记数据库的副本重新运行。"
        )
        raise DataError(msg)
    for name, table in req["tables"].items():
        if st.file_sha256(table["path"]) != table["sha256"]:
            msg = f"测算所用的{name}表 {table['path']} 在测算之后已被改动。"
            raise DataError(msg)
    profiles = [Profile.model_validate(p["resolved"]) for p in req["profiles"]]
    for p, entry in zip(profiles, req["profiles"], strict=True):
        if p.content_hash() != entry["content_hash"]:
            msg = f"方案 {entry['source']!r} 的内容哈希与记录的不一致。"
            raise DataError(msg)
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tables = _run(store, req, stored, profiles, tmp)
    write_workbook(tmp / f"{req['command']}_{req['year']}.xlsx", tables, headers=HEADERS,
                   created=created)  # fmt: skip
    outputs = {p.name: st.file_sha256(p) for p in sorted(tmp.iterdir())}
    manifest = {
        **req,
        "created_at": created.isoformat(),
        "versions": {
            "mujun": __version__, "polars": pl.__version__, "duckdb": duckdb.__version__,
            "python": platform.python_version(),
        },
        "outputs": outputs,
    }  # fmt: skip
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    tmp.rename(folder)
    return Outcome(folder=folder, outputs=outputs, tables=tables)


def _run(
    store: st.Store, req: dict[str, Any], stored: StoredYear, profiles: list[Profile], folder: Path
) -> dict[str, pl.DataFrame]:
    command, year = req["command"], req["year"]
    if command == "whatif":
        tables = {k: Path(v["path"]) for k, v in req["tables"].items()}
        w = whatif(store, stored, profiles[0], tables=tables)
        w.variant.write_parquet(folder / f"results_{year}.parquet")
        return {"汇总": w.comparison.summary, "迁移矩阵": w.comparison.matrix,
                "迁移明细": w.comparison.migration, "变动企业": w.comparison.movers,
                "政策预算变化": w.budget, "名单变化": w.watch}  # fmt: skip
    if command == "compare-methods":
        classes, agreement, migration = compare_methods(
            stored.facts, profiles, year=year, history=stored.history
        )
        classes.sort("uscc").write_parquet(folder / f"classes_{year}.parquet")
        return {"一致率": agreement, "迁移矩阵": migration}
    if command == "sensitivity":
        table = sensitivity(stored.facts, profiles[0], year=year, points=req["points"],
                            history=stored.history, cohorts=req["cohorts"])  # fmt: skip
        labels = {i: ind.label for i, ind in profiles[0].indicators.items()}
        cohort_labels = {c: co.label for c, co in profiles[0].cohorts.items()}
        table = table.with_columns(
            pl.col("indicator").replace(labels), pl.col("cohort").replace(cohort_labels)
        )
        table.write_parquet(folder / f"sensitivity_{year}.parquet")
        return {"权重敏感性": table}
    msg = f"测算清单中有未知的测算命令 {command!r}。"
    raise DataError(msg)


def recorded_database(manifest_path: Path) -> Path | None:
    """The database a manifest was made from (None if the manifest cannot be read)."""
    try:
        return Path(json.loads(manifest_path.read_text(encoding="utf-8"))["database"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return None


def rerun(store: st.Store, manifest_path: Path, folder: Path) -> tuple[Outcome, list[str]]:
    """Execute a manifest's request again into ``folder``.

    Returns:
        The outcome and the names of outputs whose bytes differ from the manifest's (empty:
        reproduced exactly).

    Raises:
        DataError: the manifest cannot be read, or `execute` refuses.
    """
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        req = {k: manifest[k] for k in _REQUEST_KEYS}
        created = dt.datetime.fromisoformat(manifest["created_at"])
        recorded = dict(manifest["outputs"])
    except (
        OSError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        TypeError,
        ValueError,
    ) as exc:
        msg = f"无法读取测算清单 {manifest_path}：{exc}"
        raise DataError(msg) from None
    outcome = execute(store, req, folder, created=created)
    differ = sorted(n for n in recorded.keys() | outcome.outputs.keys()
                    if recorded.get(n) != outcome.outputs.get(n))  # fmt: skip
    return outcome, differ
