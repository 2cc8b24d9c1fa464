"""Load on the web app: concurrent clients browse, search and download while an import runs.

    python benchmarks/bench_web.py [--firms 100000] [--import-firms 100000] [--clients 20]
                                   [--max-seconds 180] [--max-requests 400]

Setup (in a temporary folder): a store with ``--firms`` synthetic firms (one county, six
townships; `mujun.testing.make_facts`) imported, scored and posted for 公示 as evaluation year
2024 through `mujun.cycle`; two department files for data year 2024 of ``--import-firms``
firms (land parcels as GB18030 CSV, about 1.15 rows per firm, and the firm register as CSV);
users. Then ``mujun serve`` runs in its own process on 127.0.0.1 and:

- ``--clients`` threads, each logged in with its own session, loop over a mix of pages — the
  scoring page with classes per township and cohort, the firm table searched by name and
  USCC, filtered by township and class, sorted by score on a random page, a firm's page, and
  every tenth request the CSV list of the whole run (a download) — until the import has been
  accepted, ``--max-requests`` each, or ``--max-seconds``;
- one clerk uploads the two files, reads them in the background (polling the progress bar)
  and accepts them as a batch (stored in the one writer's turn).

Reports requests, requests per second, p50 / p95 / max latency per kind, every error (any
status but 200 counts), the import's phases, and whether the stored batch holds every firm
that was read (nothing lost).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mujun import cycle
from mujun.profiles import load_profile
from mujun.sample_files import land
from mujun.store import Store
from mujun.testing import make_facts
from mujun.web.users import add_user

PASSWORD = "bench-password-1"
YEAR = 2024


def setup(
    folder: Path, *, firms: int, import_firms: int, viewers: int
) -> tuple[Path, list[Path], int]:
    """The store (scored and posted) and the department files to import."""
    db = folder / "bench.duckdb"
    profile = load_profile("zhejiang_baseline")
    facts = make_facts(firms, year=YEAR - 1, seed=7)
    with Store.open(db) as store:
        cycle.import_batch(store, facts=facts, sources=[{"file": "synthetic"}], who="bench")
        run_id = cycle.score_year(store, year=YEAR, profile=profile, who="bench").run_id
        cycle.start_notice(
            store, year=YEAR, run_id=run_id, start=time_date(), end=time_date(7),
            contact="企业科", issuer="示范县经济和信息化局", who="bench",
        )  # fmt: skip
        add_user(store, name="clerk", password=PASSWORD, role="analyst", counties=["*"], who="b")
        for i in range(viewers):
            add_user(
                store, name=f"viewer{i}", password=PASSWORD, role="viewer", counties=["*"],
                who="bench",
            )  # fmt: skip
    later = make_facts(import_firms, year=YEAR, seed=11)
    files = [land(later, folder / "用地.csv"), _register_csv(later, folder / "企业名录.csv")]
    return db, files, int(run_id)


def time_date(days: int = 0) -> object:
    """Today (+ days) as a date."""
    import datetime as dt  # noqa: PLC0415

    return dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=days)


def _register_csv(facts: pl.DataFrame, path: Path) -> Path:
    facts.select(
        pl.col("uscc").alias("统一社会信用代码"),
        pl.col("name").alias("企业名称"),
        pl.col("county").alias("县（市、区）"),
        pl.col("township").alias("乡镇（街道）"),
        pl.col("industry_code").alias("行业代码"),
    ).write_csv(path)
    return path


class Session:
    """One browser-like client: its own cookies and CSRF token."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/login")
        self.post("/login", {"name": name, "password": PASSWORD, "next": "/"})

    def token(self) -> str:
        """The CSRF cookie."""
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, bytes]:
        """GET; returns status and body (errors as their status)."""
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        """A form post with the CSRF token."""
        body = urllib.parse.urlencode({"csrftoken": self.token(), **fields}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def upload(self, path: str, fields: dict[str, str], files: list[Path]) -> tuple[int, bytes]:
        """A multipart post (the token first, as the page's form sends it)."""
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in {"csrftoken": self.token(), **fields}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for file in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + file.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, bytes]:
        try:
            with self.opener.open(request, timeout=120) as response:
                self.last_url = response.url
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@dataclass
class Load:
    """What the clients share: where to go, when to stop, what they measured."""

    base: str
    run_id: int
    facts: pl.DataFrame
    max_requests: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


def _pages(
    run_id: int, names: list[str], usccs: list[str], towns: list[str], /, *,
    rng: random.Random, i: int,
) -> tuple[str, str]:  # fmt: skip
    pick = rng.randrange(len(usccs))
    if i % 10 == 9:
        return "下载 CSV", f"/runs/{run_id}/download/csv"
    town = urllib.parse.quote(rng.choice(towns))
    return rng.choice([
        ("评价计算页", f"/year/{YEAR}/score?run={run_id}"),
        ("按名称搜索", f"/runs/{run_id}/firms?q={urllib.parse.quote(names[pick][-5:])}"),
        ("按代码搜索", f"/runs/{run_id}/firms?q={usccs[pick][-8:]}"),
        ("筛选排序翻页", f"/runs/{run_id}/firms?township={town}&class={rng.choice('ABCD')}"
                         f"&sort=score&desc=1&page={rng.randint(1, 20)}"),
        ("企业画像", f"/runs/{run_id}/firms/{usccs[pick]}"),
    ])  # fmt: skip


def browse(load: Load, name: str) -> None:
    """One client's loop of page views, searches and downloads."""
    rng = random.Random(name)
    session = Session(load.base, name)
    names = load.facts.get_column("name").to_list()
    usccs = load.facts.get_column("uscc").to_list()
    towns = sorted(set(load.facts.get_column("township").to_list()))
    for i in range(load.max_requests):
        if load.stop.is_set():
            return
        kind, path = _pages(load.run_id, names, usccs, towns, rng=rng, i=i)
        started = time.perf_counter()
        try:
            status, body = session.get(path)
        except OSError as exc:
            status, body = -1, str(exc).encode()
        took = time.perf_counter() - started
        with load.lock:
            load.timings[kind].append(took)
            if status != 200:
                load.errors.append(f"{kind} {path}: {status} {body[:200]!r}")


def run_import(base: str, files: list[Path], phases: dict[str, float]) -> int:
    """Upload, read in the background (polling), accept; returns the upload id."""
    clerk = Session(base, "clerk")
    t0 = time.perf_counter()
    status, _ = clerk.upload(
        "/imports",
        {"county": "示范县", "data_year": str(YEAR), "profile": "zhejiang_baseline"},
        files,
    )
    assert status == 200, status
    upload_id = int(re.search(r"/imports/(\d+)", clerk.last_url).group(1))  # type: ignore[union-attr]
    phases["上传（秒）"] = time.perf_counter() - t0
    page = clerk.get(f"/imports/{upload_id}")[1].decode()
    stored = re.findall(r'name="source_([^"]+)"', page)
    sources = {f"source_{s}": ("land" if "用地" in s else "register") for s in stored}
    t1 = time.perf_counter()
    status, _ = clerk.post(f"/imports/{upload_id}/read", sources)
    assert status == 200, status
    while "读取中" in clerk.get(f"/imports/{upload_id}")[1].decode():
        time.sleep(0.5)
    phases["后台读取（秒）"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    status, body = clerk.post(f"/imports/{upload_id}/accept", {})
    assert status == 200, (status, body[:500])
    phases["接收入库（秒）"] = time.perf_counter() - t2
    return upload_id


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    """`mujun serve` in its own process; returns once it answers."""
    command = "from mujun.cli import main; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", command, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                r.read()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise
            time.sleep(0.2)


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def report(
    load: Load, /, *, elapsed: float, phases: dict[str, float], finished: bool, db: Path,
    import_firms: int,
) -> None:  # fmt: skip
    """Print the figures."""
    with Store.open(db, read_only=True) as store:
        batch = store.first_row(
            "SELECT batch_id, rows FROM batches WHERE data_year = ? ORDER BY batch_id DESC",
            [YEAR],
        )
        summary = store.first_row("SELECT summary FROM web_uploads ORDER BY upload_id DESC")
    read = sum(s["rows_read"] for s in json.loads(summary[0])) if summary and summary[0] else 0
    every = [x for v in load.timings.values() for x in v]
    print(f"\n{len(every):,} requests in {elapsed:.1f} s: "
          f"{len(every) / elapsed:.1f} requests/s, {len(load.errors)} errors")  # fmt: skip
    print(f"{'kind':<12}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for kind, values in [*sorted(load.timings.items()), ("全部", every)]:
        print(f"{kind:<12}{len(values):>7}{_percentile(values, 0.5) * 1000:>10.0f}"
              f"{_percentile(values, 0.95) * 1000:>10.0f}{max(values) * 1000:>10.0f}")  # fmt: skip
    print(f"\nimport finished: {finished}; " + "; ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    stored = batch[1] if batch else 0
    print(f"rows read {read:,}; stored batch {batch[0] if batch else None} with {stored:,} "
          f"firms of {import_firms:,} (nothing lost: {stored == import_firms})")  # fmt: skip
    for line in load.errors[:10]:
        print("ERROR", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--import-firms", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--max-requests", type=int, default=400)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        db, files, run_id = setup(
            Path(tmp), firms=args.firms, import_firms=args.import_firms, viewers=args.clients
        )
        rows = sum(len(p.read_bytes().splitlines()) - 1 for p in files)
        print(f"setup {time.perf_counter() - t:.1f} s: {args.firms:,} firms scored (run "
              f"{run_id}); import of {rows:,} rows in {len(files)} files")  # fmt: skip
        port = _port()
        base = f"http://127.0.0.1:{port}"
        facts = make_facts(args.firms, year=YEAR - 1, seed=7).select("uscc", "name", "township")
        load = Load(base, run_id, facts, args.max_requests)
        phases: dict[str, float] = {}
        server = _serve(db, port)
        try:
            clients = [
                threading.Thread(target=browse, args=(load, f"viewer{i}"))
                for i in range(args.clients)
            ]
            started = time.perf_counter()
            for c in clients:
                c.start()
            importer = threading.Thread(target=run_import, args=(base, files, phases))
            importer.start()
            importer.join(timeout=args.max_seconds)
            load.stop.set()
            for c in clients:
                c.join()
            elapsed = time.perf_counter() - started
            finished = not importer.is_alive()
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(
            load,
            elapsed=elapsed,
            phases=phases,
            finished=finished,
            db=db,
            import_firms=args.import_firms,
        )


if __name__ == "__main__":
    main()
