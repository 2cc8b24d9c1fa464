"""Uploads of departments' files: kept, read by the importer in the background, accepted.

An upload belongs to a county. Its files are stored under the server's work folder with
safe names; which department each file comes from is chosen by the user (a guess from the
file name is offered and shown as a guess). Reading runs `mujun.ingest.importer.import_year`
— the function ``mujun import`` runs, with the same limits and zip-bomb guard — in a worker
process, one upload at a time; the result waits on disk until the user accepts it,
and accepting stores it with `mujun.store.save_facts` as ``mujun run --facts`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from mujun import store as st
from mujun.errors import DataError, MujunError
from mujun.ingest.importer import SOURCES, ImportRefused, ImportResult, import_year
from mujun.ingest.mapping import parse_corrections
from mujun.profiles import load_profile
from mujun.report.html import safe_filename
from mujun.store import Store
from mujun.web import audit, ops
from mujun.web.db import WebDB

SOURCE_LABELS = {
    "tax": "税务（纳税明细或汇总）",
    "stats": "统计（规上企业）",
    "land": "自然资源（用地）",
    "energy": "能耗 / 电力",
    "meters": "电力户号对照",
    "emissions": "生态环境（排放）",
    "register": "企业名录",
}
KIND_LABELS = {
    **SOURCE_LABELS,
    "tax_detail": "税务（纳税明细）",
    "tax_wide": "税务（分税种汇总）",
}
"""How the importer read a sheet (the tax source has two layouts) → Chinese."""
_GUESSES = (
    ("tax", ("tax", "税")),
    ("stats", ("stat", "统计", "规上")),
    ("land", ("land", "用地", "土地", "地块")),
    ("meters", ("meter", "户号")),
    ("energy", ("energy", "power", "能耗", "电力", "用电", "用能")),
    ("emissions", ("emission", "排放", "排污")),
    ("register", ("register", "名录", "名单", "登记")),
)
STATUS_LABELS = {
    "uploaded": "待确认来源",
    "reading": "读取中",
    "read": "待接收",
    "failed": "读取失败",
    "accepted": "已入库",
}
CHUNK = 1 << 20


def guess_source(filename: str, /) -> str | None:
    """The department a file name suggests (shown to the user as a guess), else None."""
    lower = filename.lower()
    hits = [source for source, words in _GUESSES if any(w in lower for w in words)]
    return hits[0] if len(hits) == 1 else None


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Upload:
    """One upload as stored."""

    upload_id: int
    county: str
    data_year: int
    profile: str
    created_by: str
    created_at: dt.datetime
    status: str
    folder: Path
    files: list[dict[str, Any]]
    summary: list[dict[str, Any]] | None
    message: str | None
    batch_id: int | None

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS[self.status]


def get(store: Store, upload_id: int, /) -> Upload:
    """One upload (call after `permissions.check_upload`)."""
    row = store.frame("SELECT * FROM web_uploads WHERE upload_id = ?", [int(upload_id)]).row(
        0, named=True
    )
    return Upload(
        upload_id=row["upload_id"],
        county=row["county"],
        data_year=row["data_year"],
        profile=row["profile"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        status=row["status"],
        folder=Path(row["folder"]),
        files=json.loads(row["files"]),
        summary=json.loads(row["summary"]) if row["summary"] else None,
        message=row["message"],
        batch_id=row["batch_id"],
    )


def listing(store: Store, county_sql: str, params: list[object], /) -> pl.DataFrame:
    """Uploads of the given counties, newest first."""
    return store.frame(
        "SELECT upload_id, county, data_year, profile, created_by, created_at, status, "
        "json_array_length(files) AS files, batch_id, message FROM web_uploads "
        f"WHERE {county_sql} ORDER BY upload_id DESC LIMIT 100",
        params,
    )


def create(
    store: Store,
    work: Path,
    /,
    *,
    county: str,
    data_year: int,
    profile: str,
    files: list[tuple[str, BinaryIO]],
    max_bytes: int,
    who: str,
) -> int:
    """Store uploaded files as a new upload; returns its id.

    Raises:
        DataError: no files, a file over the size limit, or an unknown profile.
    """
    if not files:
        msg = "请至少选择一个文件。"
        raise DataError(msg)
    load_profile(profile)  # refuse an unknown method before storing anything
    with store.transaction() as con:
        upload_id = store.next_id("web_uploads", "upload_id")
        folder = work / "uploads" / str(upload_id)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        stored: list[dict[str, Any]] = []
        try:
            for i, (name, handle) in enumerate(files, start=1):
                target = folder / f"{i:02d}_{safe_filename(Path(name).name)}"
                size = _copy(handle, target, max_bytes=max_bytes, name=name)
                stored.append(
                    {"name": name, "stored": target.name, "bytes": size, "source": None,
                     "guess": guess_source(name)}
                )  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        con.execute(
            "INSERT INTO web_uploads VALUES (?, ?, ?, ?, ?, ?, 'uploaded', ?, ?, NULL, NULL, NULL)",
            [
                upload_id,
                county,
                int(data_year),
                profile,
                who,
                _now(),
                str(folder),
                json.dumps(stored, ensure_ascii=False),
            ],
        )
    audit.record(
        store,
        who=who,
        action="上传数据文件",
        county=county,
        target=f"上传 {upload_id}",
        after={"数据年度": data_year, "文件": [f["name"] for f in stored]},
    )
    return upload_id


def _copy(handle: BinaryIO, target: Path, *, max_bytes: int, name: str) -> int:
    size = 0
    with target.open("wb") as out:
        while block := handle.read(CHUNK):
            size += len(block)
            if size > max_bytes:
                msg = (
                    f"文件 {name} 超过上传大小上限 {max_bytes / 1e6:,.0f} MB，未保存。"
                    "请拆分文件，或由管理员调高 MUJUN_WEB_MAX_UPLOAD_MB。"
                )
                raise DataError(msg)
            out.write(block)
    return size


def set_sources(
    store: Store,
    upload: Upload,
    sources: dict[str, str],
    /,
    *,
    maps: list[str],
    units: list[str],
    who: str,
) -> None:
    """Record which department each file comes from and the user's column and unit corrections.

    Corrections are written as ``mujun import`` takes them: ``表头=字段`` (``--map``) and
    ``表头或字段=单位`` (``--unit``).

    Raises:
        DataError: a file has no department or an unknown one, or a correction is malformed.
    """
    parse_corrections(maps, units)  # refuse a malformed line before anything is read
    missing = [f["name"] for f in upload.files if sources.get(f["stored"]) not in SOURCES]
    if missing:
        msg = f"请为以下 {len(missing)} 个文件选择数据来源：{'、'.join(missing)}。"
        raise DataError(msg)
    before = {
        **{f["name"]: f.get("source") for f in upload.files},
        "更正": corrections_of(upload),
    }
    said = {"map": maps, "unit": units}
    (upload.folder / "corrections.json").write_text(
        json.dumps(said, ensure_ascii=False), encoding="utf-8"
    )
    files = [{**f, "source": sources[f["stored"]]} for f in upload.files]
    with store.transaction() as con:
        con.execute(
            "UPDATE web_uploads SET files = ?, status = 'reading', message = NULL "
            "WHERE upload_id = ?",
            [json.dumps(files, ensure_ascii=False), upload.upload_id],
        )
    audit.record(
        store,
        who=who,
        action="确认文件来源并读取",
        county=upload.county,
        target=f"上传 {upload.upload_id}",
        before=before,
        after={**{f["name"]: f["source"] for f in files}, "更正": said},
    )


def problems(upload: Upload, /, *, outcome: str = "", file: str = "") -> pl.DataFrame:
    """The rows the importer rejected or skipped, optionally of one outcome or file."""
    path = upload.folder / "failures.parquet"
    if not path.is_file():
        return pl.DataFrame()
    frame = pl.read_parquet(path)
    if outcome:
        frame = frame.filter(pl.col("outcome") == outcome)
    if file:
        frame = frame.filter(pl.col("file").str.ends_with(file))
    return frame.with_columns(pl.col("file").map_batches(_short, return_dtype=pl.String))


def _short(files: pl.Series) -> pl.Series:
    # stored names are "NN_<name>": show the name the user uploaded
    return files.str.extract(r"([^/\\]+)$").str.replace(r"^\d{2}_", "")


def warnings(upload: Upload, /) -> pl.DataFrame:
    """The importer's plausibility findings."""
    path = upload.folder / "warnings.parquet"
    return pl.read_parquet(path) if path.is_file() else pl.DataFrame()


def accept(
    store: Store, upload: Upload, /, *, user_counties: Callable[[list[str]], bool], who: str
) -> int:
    """Store a read upload's facts as a new batch (as ``mujun run --facts``); returns its id.

    Raises:
        DataError: the upload is not read yet, was accepted already, or holds firms of a county
            the user does not hold.
    """
    if upload.status != "read":
        msg = f"上传 {upload.upload_id} 当前为“{upload.status_label}”，不能接收入库。"
        raise DataError(msg)
    facts = pl.read_parquet(upload.folder / "facts.parquet")
    failures = pl.read_parquet(upload.folder / "failures.parquet")
    counties = sorted({c for c in facts.get_column("county").to_list() if c is not None})
    if not user_counties(counties):
        msg = (
            f"文件中包含您无权管理的县（市、区）：{'、'.join(counties)}。"
            "请只上传本县的数据，或请管理员调整您的权限。"
        )
        raise DataError(msg)
    sources = [
        {
            "file": f["name"],
            "sha256": st.file_sha256(upload.folder / f["stored"]),
            "source": f["source"],
            "corrections": corrections_of(upload),
            **next((s for s in upload.summary or [] if s["file"] == f["stored"]), {}),
        }
        for f in upload.files
    ]
    batch_id = ops.import_batch(
        store,
        facts=facts,
        sources=sources,
        problems=failures,
        data_year=upload.data_year,
        who=who,
    )
    with store.transaction() as con:
        con.execute(
            "UPDATE web_uploads SET status = 'accepted', batch_id = ? WHERE upload_id = ?",
            [batch_id, upload.upload_id],
        )
    audit.record(
        store,
        who=who,
        action="接收数据入库",
        county=upload.county,
        target=f"上传 {upload.upload_id}",
        before={"状态": upload.status_label},
        after={"批次": batch_id, "企业数": facts.height, "问题行": failures.height},
    )
    return batch_id


@dataclass
class Progress:
    """How far a background read is."""

    done: int
    total: int
    phase: str

    @property
    def percent(self) -> int:
        """Share done, 0-100 (merging counts as the last step)."""
        return int(100 * self.done / max(self.total + 1, 1))


_PROGRESS = "progress.json"


def _say(folder: Path, progress: Progress) -> None:
    """Write the progress beside the files (whole: temp name + rename)."""
    temp = folder / f".{_PROGRESS}.tmp"
    temp.write_text(json.dumps(asdict(progress), ensure_ascii=False), encoding="utf-8")
    temp.replace(folder / _PROGRESS)


def read_files(
    folder: str,
    files: list[dict[str, Any]],
    /,
    *,
    profile: str,
    data_year: int,
    corrections: dict[str, list[str]] | None = None,
) -> tuple[str, str, list[dict[str, Any]] | None]:
    """Read an upload's files with the importer; runs in a worker process.

    Writes the facts, problems and warnings as Parquet into the folder and the progress as it
    goes. Returns the status ("read" or "failed"), the message and the per-file summary.
    """
    where = Path(folder)
    by_name = {str(where / f["stored"]): f["name"] for f in files}
    done = 0

    def step(path: str) -> None:
        nonlocal done
        done += 1
        _say(where, Progress(done, len(files), f"读取 {by_name.get(path, path)}"))

    grouped: dict[str, list[Path]] = {}
    for f in files:
        grouped.setdefault(f["source"], []).append(where / f["stored"])
    said = corrections or {}
    try:
        settings = load_profile(profile).ingest
        fixes = parse_corrections(said.get("map", []), said.get("unit", []))
        try:
            result = import_year(
                grouped, year=data_year, settings=settings, progress=step, corrections=fixes
            )
        except ImportRefused as exc:  # nothing usable: show how it was read, and why
            _keep_mappings(where, exc.result)
            exc.result.failures.write_parquet(where / "failures.parquet")
            return "failed", str(exc), None
        _keep_mappings(where, result)
        _say(where, Progress(len(files), len(files), "合并与核对"))
        result.facts.write_parquet(where / "facts.parquet")
        result.failures.write_parquet(where / "failures.parquet")
        result.warnings.write_parquet(where / "warnings.parquet")
        summary = [
            {**r, "file": Path(r["file"]).name}
            for r in result.files.with_columns(pl.col("sheet").cast(pl.String)).to_dicts()
        ]
        return "read", f"读取完成：{result.facts.height} 家企业。", summary
    except MujunError as exc:
        return "failed", str(exc), None
    except Exception as exc:  # an input the importer did not foresee: still a clear page
        return (
            "failed",
            f"读取时出现意外错误（{type(exc).__name__}: {exc}）。请把文件交给技术支持。",
            None,
        )


def _keep_mappings(folder: Path, result: ImportResult) -> None:
    text = json.dumps([m.to_dict() for m in result.mappings], ensure_ascii=False, default=str)
    temp = folder / ".mappings.json.tmp"
    temp.write_text(text, encoding="utf-8")
    temp.replace(folder / "mappings.json")


def mappings(upload: Upload, /) -> list[dict[str, Any]]:
    """How each sheet was read (column → field, unit, evidence), from the last read."""
    path = upload.folder / "mappings.json"
    if not path.is_file():
        return []
    found: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    for m in found:
        m["file"] = Path(m["file"]).name[3:]  # stored as "NN_<name>"
        unread = [c["header"] for c in m["columns"] if c["field"] is None and c["numeric"]]
        m["warnings"] = [
            *([f"有数值但未导入的列：{'、'.join(unread)}"] if unread else []),
            *([f"未找到此类文件通常应有的字段：{'、'.join(m['missing'])}"] if m["missing"] else []),
        ]
    return found


def corrections_of(upload: Upload, /) -> dict[str, list[str]]:
    """The column and unit corrections last given for an upload (``map`` and ``unit`` lines)."""
    path = upload.folder / "corrections.json"
    if not path.is_file():
        return {"map": [], "unit": []}
    said: dict[str, list[str]] = json.loads(path.read_text("utf-8"))
    return said


class Reader:
    """Reads uploads in a worker process, one at a time: pages stay fast while it runs.

    The worker writes its results and progress into the upload's folder; when it ends, the
    upload's status is stored (in the writer's turn).
    """

    def __init__(self, db: WebDB, /, *, inline: bool = False) -> None:
        self.db = db
        self.inline = inline
        self._pool: ProcessPoolExecutor | None = None

    def progress(self, upload: Upload, /) -> Progress | None:
        """The read's progress while it runs (None: still waiting for the worker)."""
        try:
            return Progress(**json.loads((upload.folder / _PROGRESS).read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def start(self, upload: Upload, /) -> None:
        """Read the upload's files (in the worker process unless ``inline``)."""
        (upload.folder / _PROGRESS).unlink(missing_ok=True)
        folder, files, said = str(upload.folder), upload.files, corrections_of(upload)
        if self.inline:
            self._finish(
                upload.upload_id,
                read_files(folder, files, profile=upload.profile, data_year=upload.data_year,
                           corrections=said),
            )  # fmt: skip
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        future = self._pool.submit(
            read_files, folder, files, profile=upload.profile, data_year=upload.data_year,
            corrections=said,
        )  # fmt: skip
        future.add_done_callback(lambda f: self._done(upload.upload_id, f))

    def _done(self, upload_id: int, future: Future[tuple[str, str, Any]]) -> None:
        try:
            outcome = future.result()
        except Exception as exc:  # the worker died (killed, out of memory)
            outcome = ("failed", f"读取进程意外退出（{type(exc).__name__}），请重新读取。", None)
        self._finish(upload_id, outcome)

    def _finish(self, upload_id: int, outcome: tuple[str, str, Any]) -> None:
        status, message, summary = outcome
        text = None if summary is None else json.dumps(summary, ensure_ascii=False, default=str)
        with self.db.write(wait=600) as store, store.transaction() as con:
            con.execute(
                "UPDATE web_uploads SET status = ?, summary = ?, message = ? WHERE upload_id = ?",
                [status, text, message, upload_id],
            )

    def shutdown(self) -> None:
        """Stop taking work; wait for the running read."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
