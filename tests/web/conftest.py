"""Fixtures: the sample county stored and decided (as `mujun demo` leaves it), users of each
role, and a test client per test on its own copy of the database."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mujun.demo import run_demo, sample_files
from mujun.profiles import load_profile
from mujun.store import Store
from mujun.web import create_app, uploads
from mujun.web.users import add_user

PASSWORD = "correct-horse-9"
USERS = {
    "admin": ("admin", ["*"]),
    "clerk": ("analyst", ["示范县"]),
    "outsider": ("analyst", ["邻县"]),
    "leader": ("viewer", ["示范县"]),
    "auditor": ("auditor", ["*"]),
}
"""Login name → (role, counties). The sample county is 示范县; 邻县 holds none of it."""


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample county's two years, scored and decided, with one user per role."""
    folder = tmp_path_factory.mktemp("web_demo")
    run = run_demo(folder, profile=load_profile("zhejiang_baseline"))
    with Store.open(run.db_path) as store:
        for name, (role, counties) in USERS.items():
            add_user(store, name=name, password=PASSWORD, role=role, counties=counties, who="test")
    return run.db_path


@pytest.fixture
def db_path(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database."""
    target = tmp_path / "mujun.duckdb"
    shutil.copy(demo_db, target)
    return target


@pytest.fixture
def client(db_path: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app over the copy (imports read inline, uploads up to 5 MB)."""
    app = create_app(db_path, work_dir=tmp_path / "work", inline_imports=True, max_upload=5_000_000)
    with TestClient(app, follow_redirects=True) as c:
        yield c


def csrf(client: TestClient) -> str:
    """The CSRF token the client holds (a page must have been fetched)."""
    token = client.cookies.get("csrftoken")
    if token is None:
        client.get("/login")
        token = client.cookies.get("csrftoken")
    assert token
    return token


def login(client: TestClient, name: str) -> None:
    """Sign in as one of `USERS`."""
    r = client.post(
        "/login", data={"name": name, "password": PASSWORD, "next": "/", "csrftoken": csrf(client)}
    )
    assert r.status_code == 200, r.text
    assert "退出登录" in r.text


@pytest.fixture
def as_user(client: TestClient) -> Callable[[str], TestClient]:
    """Log the client in as a user and return it."""

    def sign_in(name: str) -> TestClient:
        login(client, name)
        return client

    return sign_in


def first_firm(client: TestClient, run_id: int) -> str:
    """The USCC of the first firm listed in a run's table."""
    found = re.search(rf"/runs/{run_id}/firms/(\w+)\"", client.get(f"/runs/{run_id}/firms").text)
    assert found
    return found.group(1)


def latest_run(client: TestClient, year: int) -> int:
    """The newest run of an evaluation year (read through the app's own connection)."""
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        row = store.first_row("SELECT max(run_id) FROM runs WHERE evaluation_year = ?", [year])
    assert row and row[0] is not None
    return int(row[0])


@pytest.fixture
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client over a new, empty database with the same users (the cycle starts there)."""
    path = tmp_path / "fresh.duckdb"
    with Store.open(path) as store:
        for name, (role, counties) in USERS.items():
            add_user(store, name=name, password=PASSWORD, role=role, counties=counties, who="test")
    app = create_app(path, work_dir=tmp_path / "work", inline_imports=True, max_upload=20_000_000)
    with TestClient(app, follow_redirects=True) as c:
        yield c


def upload_sample(
    client: TestClient, data_year: int = 2023, *, rename: dict[str, str] | None = None
) -> int:
    """Upload the sample county's files of a data year; returns the upload id."""
    rename = rename or {}
    handles = [(p, p.open("rb")) for paths in sample_files(data_year).values() for p in paths]
    try:
        r = client.post(
            "/imports",
            data={"csrftoken": csrf(client), "county": "示范县", "data_year": str(data_year),
                  "profile": "zhejiang_baseline"},
            files=[("files", (rename.get(p.name, p.name), h)) for p, h in handles],
        )  # fmt: skip
    finally:
        for _, h in handles:
            h.close()
    assert r.status_code == 200, r.text
    found = re.search(r"/imports/(\d+)$", str(r.url))
    assert found, r.url
    return int(found.group(1))


def read_upload(client: TestClient, upload_id: int, sources: dict[str, str]) -> str:
    """Confirm each file's department (stored name → source) and read; returns the page."""
    r = client.post(
        f"/imports/{upload_id}/read",
        data={"csrftoken": csrf(client), **{f"source_{k}": v for k, v in sources.items()}},
    )
    assert r.status_code == 200, r.text
    return r.text


def stored_files(client: TestClient, upload_id: int) -> dict[str, str | None]:
    """Stored file name → the guessed department, as the upload page offers them."""
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        item = uploads.get(store, upload_id)
    return {f["stored"]: f["guess"] for f in item.files}
