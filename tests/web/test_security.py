"""Security: sessions, county scoping by id, CSRF, escaping, download names, upload limits."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient
from web.conftest import (
    csrf,
    first_firm,
    latest_run,
    login,
    read_upload,
    stored_files,
    upload_sample,
)

from mujun.store import Store
from mujun.web import create_app

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_TOWN = "../../逃逸镇"


def _ids(client: TestClient) -> dict[str, object]:
    """A run, a firm, an upload and an objection of the sample county (made as the clerk)."""
    login(client, "clerk")
    run = latest_run(client, 2024)
    uscc = first_firm(client, run)
    upload_id = upload_sample(client)
    client.post("/logout", data={"csrftoken": csrf(client)})
    return {"run": run, "uscc": uscc, "upload": upload_id}


def test_an_analyst_of_another_county_gets_404_for_every_id(client: TestClient) -> None:
    ids = _ids(client)
    run, uscc, upload = ids["run"], ids["uscc"], ids["upload"]
    login(client, "outsider")
    for path in (
        f"/runs/{run}/firms",
        f"/runs/{run}/firms/{uscc}",
        f"/runs/{run}/firms/{uscc}/card",
        f"/runs/{run}/download/public",
        f"/runs/{run}/download/internal",
        f"/runs/{run}/download/report",
        f"/runs/{run}/download/csv",
        f"/year/2024/score?run={run}",
        f"/imports/{upload}",
        f"/imports/{upload}/progress",
        f"/imports/{upload}/problems.csv",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert uscc not in r.text
    for path, data in (
        (f"/imports/{upload}/read", {}),
        (f"/imports/{upload}/accept", {}),
        ("/year/2024/adjust", {"uscc": uscc, "to_class": "A", "reason": "x"}),
        ("/year/2024/objections", {"uscc": uscc, "received": "2024-05-01", "from_whom": "x",
                                   "claim": "x"}),
    ):  # fmt: skip
        r = client.post(path, data={"csrftoken": csrf(client), **data})
        assert r.status_code == 404, path
    # and the lists show nothing of the other county
    assert "本年度还没有评价结果可供下载" in client.get("/year/2024/downloads").text
    assert uscc not in client.get("/year/2024/score").text


def test_the_same_ids_work_for_the_county_s_own_analyst(client: TestClient) -> None:
    ids = _ids(client)
    login(client, "clerk")
    assert client.get(f"/runs/{ids['run']}/firms/{ids['uscc']}").status_code == 200
    assert client.get(f"/imports/{ids['upload']}").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    login(client, "clerk")
    before = client.get("/audit")
    r = client.post("/year/2024/score", data={"profile": "zhejiang_baseline"})
    assert r.status_code == 403
    assert "安全令牌" in r.text
    r = client.post("/year/2024/score", data={"profile": "zhejiang_baseline", "csrftoken": "x"})
    assert r.status_code == 403
    r = client.post("/logout")
    assert r.status_code == 403
    assert before.status_code == 403  # (a clerk does not read the audit log; nothing changed)


def test_a_multipart_upload_without_its_token_is_refused(client: TestClient) -> None:
    login(client, "clerk")
    r = client.post(
        "/imports",
        data={"county": "示范县", "data_year": "2023", "profile": "zhejiang_baseline"},
        files=[("files", ("a.csv", b"x,y\n1,2\n"))],
    )
    assert r.status_code == 403


def test_htmx_requests_carry_the_token_in_a_header(client: TestClient) -> None:
    login(client, "clerk")
    page = client.get("/year/2024")
    assert f'"x-csrftoken": "{csrf(client)}"' in page.text
    r = client.post(
        "/year-switch", headers={"x-csrftoken": csrf(client), "hx-request": "true"}
    )  # any POST path: the token is what is checked
    assert r.status_code != 403


def test_login_itself_needs_the_token(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"name": "clerk", "password": "whatever"})
    assert r.status_code == 403


def test_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.fixture
def hostile_client(db_path: Path, tmp_path: Path) -> Iterator[TestClient]:
    """The sample with one firm named like a script and one township named like a path."""
    with Store.open(db_path) as store:
        uscc = store.first_row("SELECT min(uscc) FROM results")[0]  # type: ignore[index]
        store.con.execute("UPDATE results SET name = ? WHERE uscc = ?", [HOSTILE_NAME, uscc])
        store.con.execute("UPDATE firms SET name = ? WHERE uscc = ?", [HOSTILE_NAME, uscc])
        store.con.execute(
            "UPDATE results SET township = ? WHERE township = (SELECT min(township) FROM results)",
            [HOSTILE_TOWN],
        )
    app = create_app(db_path, work_dir=tmp_path / "work", inline_imports=True)
    with TestClient(app, follow_redirects=True) as c:
        yield c


def test_a_firm_named_like_a_script_is_shown_as_text(hostile_client: TestClient) -> None:
    c = hostile_client
    login(c, "clerk")
    run = latest_run(c, 2024)
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        uscc = store.first_row("SELECT uscc FROM firms WHERE name = ?", [HOSTILE_NAME])[0]  # type: ignore[index]
    pages = [
        c.get(f"/runs/{run}/firms", params={"q": "script"}).text,
        c.get(f"/runs/{run}/firms/{uscc}").text,
        c.get(f"/runs/{run}/firms/{uscc}/card").text,
    ]
    for html in pages:
        assert HOSTILE_NAME not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_download_name_with_dot_dot_stays_in_its_folder(
    hostile_client: TestClient, tmp_path: Path
) -> None:
    c = hostile_client
    login(c, "clerk")
    run = latest_run(c, 2024)
    r = c.get(f"/runs/{run}/download/internal", params={"township": HOSTILE_TOWN})
    assert r.status_code == 200, r.text
    name = unquote(r.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert Path(name).name == name  # no separator: it cannot name another folder
    assert "\\" not in name
    assert not name.startswith(".")
    assert "逃逸镇" in name
    written = list(tmp_path.rglob("*逃逸*"))
    downloads = (tmp_path / "work" / "downloads").resolve()
    assert written
    assert all(f.resolve().parent.parent == downloads for f in written)  # in its own folder
    unknown = c.get(f"/runs/{run}/download/public", params={"township": "../../etc/passwd"})
    assert unknown.status_code == 404


def test_an_oversized_upload_gets_a_clear_message(db_path: Path, tmp_path: Path) -> None:
    app = create_app(db_path, work_dir=tmp_path / "w", max_upload=100_000, inline_imports=True)
    with TestClient(app, follow_redirects=True) as c:
        login(c, "clerk")
        r = c.post(
            "/imports",
            data={"csrftoken": csrf(c), "county": "示范县", "data_year": "2023",
                  "profile": "zhejiang_baseline"},
            files=[("files", ("big.csv", b"0" * 200_000))],
        )  # fmt: skip
        assert r.status_code == 413
        assert "超过上限" in r.text
        with c.app.state.db.read() as store:  # type: ignore[attr-defined]
            assert store.first_row("SELECT count(*) FROM web_uploads") == (0,)


def _bomb() -> bytes:
    """A valid-looking .xlsx whose sheet inflates from ~10 KB to 3 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
        book.writestr("xl/worksheets/sheet1.xml", "<row>" + "0" * 3_000_000 + "</row>")
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_by_the_importer_s_guard(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUJUN_MAX_UNZIPPED_MB", "1")
    login(client, "clerk")
    r = client.post(
        "/imports",
        data={"csrftoken": csrf(client), "county": "示范县", "data_year": "2023",
              "profile": "zhejiang_baseline"},
        files=[("files", ("tax_bomb.xlsx", _bomb()))],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    upload_id = int(re.search(r"/imports/(\d+)", str(r.url)).group(1))  # type: ignore[union-attr]
    page = read_upload(client, upload_id, dict.fromkeys(stored_files(client, upload_id), "tax"))
    assert "读取失败" in page
    assert "MB" in page
    assert "MUJUN_MAX_UNZIPPED_MB" in page


def test_a_method_name_cannot_be_a_path(client: TestClient) -> None:
    login(client, "clerk")
    r = client.post("/year/2024/score", data={"csrftoken": csrf(client), "profile": "/etc/passwd"})
    assert r.status_code == 404
