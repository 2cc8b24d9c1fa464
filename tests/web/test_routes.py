"""Route tests through the test client: sessions, roles, pages, the firm table, the cycle."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient
from web.conftest import (
    PASSWORD,
    csrf,
    first_firm,
    latest_run,
    login,
    read_upload,
    stored_files,
    upload_sample,
)

from mujun.web import create_app

PAGES = [
    "/",
    "/year/2024",
    "/year/2024/score",
    "/year/2024/notice",
    "/year/2024/downloads",
    "/imports",
    "/runs/2/firms",
    "/admin/users",
    "/audit",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_without_a_session_goes_to_login(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_htmx_request_without_a_session_is_told_to_redirect(client: TestClient) -> None:
    r = client.get("/runs/2/firms", headers={"hx-request": "true"}, follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["hx-redirect"].startswith("/login")


def test_login_sets_a_signed_httponly_samesite_cookie(client: TestClient) -> None:
    r = client.post(
        "/login",
        data={"name": "clerk", "password": PASSWORD, "next": "/", "csrftoken": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "mujun_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_wrong_password_is_refused_and_repeated_failures_are_throttled(client: TestClient) -> None:
    for _ in range(5):
        r = client.post(
            "/login", data={"name": "clerk", "password": "wrong", "csrftoken": csrf(client)}
        )
        assert r.status_code == 401
        assert "用户名或密码不正确" in r.text
    r = client.post(
        "/login", data={"name": "clerk", "password": PASSWORD, "csrftoken": csrf(client)}
    )
    assert r.status_code == 429
    assert "登录失败次数过多" in r.text


def test_passwords_are_stored_as_argon2id_hashes(client: TestClient) -> None:
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        hashes = [r[0] for r in store.con.execute("SELECT password_hash FROM web_users").fetchall()]
    assert hashes
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    login(client, "clerk")
    stolen = client.cookies.get("mujun_session")
    client.post("/logout", data={"csrftoken": csrf(client)})
    client.cookies.set("mujun_session", stolen)
    r = client.get("/year/2024", follow_redirects=False)
    assert r.status_code == 303


def test_open_redirect_after_login_is_refused(client: TestClient) -> None:
    r = client.post(
        "/login",
        data={"name": "clerk", "password": PASSWORD, "next": "//evil.example/x",
              "csrftoken": csrf(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.headers["location"] == "/"


@pytest.mark.parametrize("path", PAGES[:7])
def test_pages_render_in_chinese_for_a_clerk(client: TestClient, path: str) -> None:
    login(client, "clerk")
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert '<html lang="zh-CN">' in r.text
    assert "年度工作台" in r.text


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("leader", "/year/2024/score", 200),
        ("leader", "/admin/users", 403),
        ("auditor", "/year/2024/score", 403),
        ("auditor", "/audit", 200),
        ("clerk", "/audit", 403),
        ("admin", "/admin/users", 200),
    ],
)
def test_roles(client: TestClient, user: str, path: str, status: int) -> None:
    login(client, user)
    assert client.get(path).status_code == status


def test_a_leader_cannot_write(client: TestClient) -> None:
    login(client, "leader")
    r = client.post(
        "/year/2024/score", data={"csrftoken": csrf(client), "profile": "zhejiang_baseline"}
    )
    assert r.status_code == 403
    assert "无权" in r.text


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="/runs/\d+/firms/(\w+)">', html)


def test_firm_table_searches_filters_sorts_and_pages(client: TestClient) -> None:
    login(client, "clerk")
    run = latest_run(client, 2024)
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        firms = store.frame(f"SELECT * FROM final_results WHERE run_id = {run}")
    first = client.get(f"/runs/{run}/firms")
    assert f"共 {firms.height} 家企业" in first.text
    assert len(_rows(first.text)) == 50
    last_page = -(-firms.height // 50)
    assert len(_rows(client.get(f"/runs/{run}/firms?page={last_page}").text)) == (
        firms.height - 50 * (last_page - 1)
    )
    one = firms.sort("uscc").row(0, named=True)
    by_uscc = client.get(f"/runs/{run}/firms", params={"q": one["uscc"].lower()})
    assert one["uscc"] in _rows(by_uscc.text)
    by_name = client.get(f"/runs/{run}/firms", params={"q": one["name"]})
    assert one["uscc"] in _rows(by_name.text)
    town = one["township"]
    in_town = firms.filter(firms["township"] == town)
    assert (
        f"共 {in_town.height} 家企业"
        in client.get(f"/runs/{run}/firms", params={"township": town}).text
    )
    in_a = firms.filter(firms["final_class"] == "A")
    assert (
        f"共 {in_a.height} 家企业" in client.get(f"/runs/{run}/firms", params={"class": "A"}).text
    )
    top = client.get(f"/runs/{run}/firms", params={"sort": "score", "desc": "1"})
    best = firms.sort("total_score", "uscc", descending=[True, False], nulls_last=True)
    assert _rows(top.text)[0] == best.item(0, "uscc")
    fragment = client.get(f"/runs/{run}/firms", headers={"hx-request": "true"})
    assert fragment.text.lstrip().startswith('<div id="firm-table">')


def test_firm_page_and_card(client: TestClient) -> None:
    login(client, "clerk")
    run = latest_run(client, 2024)
    uscc = first_firm(client, run)
    page = client.get(f"/runs/{run}/firms/{uscc}")
    assert page.status_code == 200
    assert "各项指标" in page.text
    assert f'src="/runs/{run}/firms/{uscc}/card"' in page.text
    card = client.get(f"/runs/{run}/firms/{uscc}/card")
    assert card.status_code == 200
    assert "报告卡" in card.text
    assert "<svg" in card.text


@pytest.mark.parametrize("kind", ["public", "internal", "report", "csv"])
def test_downloads(client: TestClient, kind: str) -> None:
    login(client, "clerk")
    run = latest_run(client, 2024)
    r = client.get(f"/runs/{run}/download/{kind}")
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert len(r.content) > 1000


def test_upload_read_and_accept_the_sample_year(fresh_client: TestClient) -> None:
    c = fresh_client
    login(c, "clerk")
    upload_id = upload_sample(c, rename={"land_parcels.csv": "附件3.csv"})
    guesses = stored_files(c, upload_id)
    assert guesses["03_附件3.csv"] is None  # nothing in the name: the clerk must choose
    page = c.get(f"/imports/{upload_id}").text
    assert "按文件名推断" in page
    sources = {k: v or "land" for k, v in guesses.items()}
    page = read_upload(c, upload_id, sources)
    assert "读取结果" in page
    assert "问题行" in page
    r = c.post(f"/imports/{upload_id}/accept", data={"csrftoken": csrf(c)})
    assert r.status_code == 200
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        batch = store.first_row("SELECT batch_id, data_year, rows FROM batches")
        problems = store.first_row("SELECT count(*) FROM batch_problems")
    assert batch is not None
    assert batch[1] == 2023
    assert batch[2] == 320
    assert problems and problems[0] > 0
    problems_csv = c.get(f"/imports/{upload_id}/problems.csv")
    assert problems_csv.status_code == 200
    assert problems_csv.content.startswith(b"\xef\xbb\xbf")


def test_the_yearly_cycle_through_the_pages(fresh_client: TestClient) -> None:
    c = fresh_client
    login(c, "clerk")
    upload_id = upload_sample(c)
    read_upload(c, upload_id, {k: v or "land" for k, v in stored_files(c, upload_id).items()})
    c.post(f"/imports/{upload_id}/accept", data={"csrftoken": csrf(c)})

    r = c.post("/year/2024/score", data={"csrftoken": csrf(c), "profile": "zhejiang_baseline"})
    assert r.status_code == 200, r.text
    run = latest_run(c, 2024)
    assert "各乡镇（街道）分类企业数" in r.text
    r = c.post(
        "/year/2024/notice",
        data={"csrftoken": csrf(c), "run": str(run), "start": "2024-05-06", "end": "2024-05-12",
              "issuer": "示范县经济和信息化局", "contact": "企业科 0576-0000000"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        firm = store.frame(
            f"SELECT uscc, final_class FROM final_results WHERE run_id = {run} "
            "AND final_class = 'C' ORDER BY uscc LIMIT 1"
        ).row(0, named=True)
    r = c.post(
        "/year/2024/objections",
        data={"csrftoken": csrf(c), "uscc": firm["uscc"], "received": "2024-05-08",
              "from_whom": "企业法人", "claim": "用地面积有误", "evidence": "不动产权证"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        objection = store.first_row("SELECT max(objection_id) FROM objections")
    assert objection and objection[0]
    r = c.post(
        "/year/2024/adjust",
        data={"csrftoken": csrf(c), "uscc": firm["uscc"], "to_class": "B",
              "reason": "异议复核：用地面积更正", "objection_id": str(objection[0])},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    notice_page = c.get("/year/2024/notice").text
    assert "公示以来的变化（1 家）" in notice_page
    refused = c.post("/year/2024/final", data={"csrftoken": csrf(c)})
    assert refused.status_code == 400
    r = c.post("/year/2024/final", data={"csrftoken": csrf(c), "confirm": "1"})
    assert r.status_code == 200, r.text
    assert "已认定" in r.text

    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        final = store.first_row("SELECT run_id FROM runs WHERE status = 'final'")
        assert final
        counts = dict(
            store.con.execute(
                f"SELECT final_class, count(*) FROM final_results WHERE run_id = {final[0]} "
                "AND final_class <> '不参评' GROUP BY ALL"  # out of scope: not on the posted list
            ).fetchall()
        )
        adjusted = store.first_row(
            f"SELECT final_class FROM final_results WHERE run_id = {final[0]} AND uscc = ?",
            [firm["uscc"]],
        )
    assert adjusted == ("B",)
    book = c.get(f"/runs/{final[0]}/download/public")
    assert book.status_code == 200, book.text
    assert workbook_class_counts(book.content) == {k: v for k, v in counts.items() if k}

    audit = c.get("/audit")
    assert audit.status_code == 403  # a clerk does not read the audit log
    login(c, "auditor")
    log = c.get("/audit").text
    for action in ("接收数据入库", "评价计算", "开始公示", "记录异议", "人工调档", "认定"):
        assert action in log


def workbook_class_counts(content: bytes) -> dict[str, int]:
    """Firms per class in the 公示 workbook's first sheet (the column headed 等级)."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and "等级" in r)
    col = rows[header_at].index("等级")
    counts: dict[str, int] = {}
    for r in rows[header_at + 1 :]:
        if r and r[0] is not None and isinstance(r[col], str) and r[col]:
            counts[r[col]] = counts.get(r[col], 0) + 1
    return counts


def test_a_second_writer_waits_and_is_told_the_database_is_busy(
    db_path: Path, tmp_path: Path
) -> None:
    app = create_app(db_path, work_dir=tmp_path / "w", write_wait=0.3)
    with TestClient(app, follow_redirects=True) as c:
        login(c, "clerk")
        with app.state.db.write():  # another write (an import being stored) holds the file
            page = c.get("/year/2024")
            r = c.post(
                "/year/2024/score", data={"csrftoken": csrf(c), "profile": "zhejiang_baseline"}
            )
        assert page.status_code == 200
        assert "数据库正在写入，请稍候" in page.text  # reads go on, with a notice
        assert r.status_code == 503
        assert "数据库正在写入" in r.text
        after = c.post(
            "/year/2024/score", data={"csrftoken": csrf(c), "profile": "zhejiang_baseline"}
        )
        assert after.status_code == 200


def test_a_kept_download_is_written_afresh_after_a_decision(client: TestClient) -> None:
    login(client, "clerk")
    r = client.post(
        "/year/2024/score", data={"csrftoken": csrf(client), "profile": "zhejiang_baseline"}
    )
    assert r.status_code == 200, r.text
    run = latest_run(client, 2024)
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        uscc = store.first_row(
            f"SELECT min(uscc) FROM final_results WHERE run_id = {run} AND final_class = 'C'"
        )[0]  # type: ignore[index]
    first = client.get(f"/runs/{run}/download/csv").content
    again = client.get(f"/runs/{run}/download/csv").content
    assert first == again
    r = client.post(
        "/year/2024/adjust",
        data={"csrftoken": csrf(client), "uscc": uscc, "to_class": "B", "reason": "复核"},
    )
    assert r.status_code == 200, r.text
    after = client.get(f"/runs/{run}/download/csv").content
    assert after != first
    assert "复核" in after.decode("utf-8-sig")


def test_the_upload_page_shows_each_column_s_reading_and_takes_corrections(
    fresh_client: TestClient,
) -> None:
    c = fresh_client
    login(c, "clerk")
    upload_id = upload_sample(c)
    sources = {k: v or "land" for k, v in stored_files(c, upload_id).items()}
    page = read_upload(c, upload_id, sources)
    assert "各列读作（列对照与单位）" in page
    assert "土地使用权面积（平方米）" in page
    assert "用户指定" not in page
    r = c.post(
        f"/imports/{upload_id}/read",
        data={"csrftoken": csrf(c), **{f"source_{k}": v for k, v in sources.items()},
              "maps": "土地使用权面积（平方米）=area"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "用户指定" in r.text
    assert "土地使用权面积（平方米）=area" in r.text  # kept in the form for the next read
    bad = c.post(
        f"/imports/{upload_id}/read",
        data={"csrftoken": csrf(c), **{f"source_{k}": v for k, v in sources.items()},
              "maps": "没有等号"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "写法不对" in bad.text


def test_an_admin_adds_a_user_in_the_app(client: TestClient) -> None:
    login(client, "admin")
    r = client.post(
        "/admin/users",
        data={"csrftoken": csrf(client), "name": "li", "display_name": "李分析", "role": "analyst",
              "counties": "示范县", "password": "another-long-1"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "李分析" in r.text
    client.post("/logout", data={"csrftoken": csrf(client)})
    r = client.post(
        "/login",
        data={"name": "li", "password": "another-long-1", "csrftoken": csrf(client)},
    )
    assert "李分析（分析员：示范县）" in r.text


def test_a_decision_a_rescore_could_not_carry_is_decided_on_the_notice_page(
    fresh_client: TestClient,
) -> None:
    c = fresh_client
    login(c, "clerk")
    upload_id = upload_sample(c)
    read_upload(c, upload_id, {k: v or "land" for k, v in stored_files(c, upload_id).items()})
    c.post(f"/imports/{upload_id}/accept", data={"csrftoken": csrf(c)})
    score = {"csrftoken": csrf(c), "profile": "zhejiang_baseline"}
    c.post("/year/2024/score", data=score)
    first = latest_run(c, 2024)
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        uscc = store.first_row(
            f"SELECT min(uscc) FROM final_results WHERE run_id = {first} AND final_class = 'C'"
        )[0]  # type: ignore[index]
    c.post(
        "/year/2024/adjust",
        data={"csrftoken": csrf(c), "uscc": uscc, "to_class": "B", "reason": "核实产值"},
    )
    c.post("/year/2024/score", data=score)
    second = latest_run(c, 2024)
    # as the store leaves it when the new run's engine class differs (here: made so by hand)
    with c.app.state.db.write() as store, store.transaction() as con:  # type: ignore[attr-defined]
        original = con.execute(
            "SELECT adjustment_id FROM adjustments WHERE run_id = ? AND uscc = ?", [first, uscc]
        ).fetchone()[0]
        con.execute("DELETE FROM adjustments WHERE run_id = ? AND uscc = ?", [second, uscc])
        con.execute(
            "INSERT INTO adjustment_reviews VALUES (1, ?, ?, ?, 'D', 'open', now(), NULL, NULL, "
            "NULL)",
            [second, uscc, original],
        )
    page = c.get("/year/2024/notice").text
    assert "重新计算后待决定的调档（1 家）" in page
    assert "核实产值" in page
    r = c.post(
        "/year/2024/reviews",
        data={"csrftoken": csrf(c), "uscc": uscc, "keep": "0", "note": "产值已按新数据计入"},
    )
    assert r.status_code == 200, r.text
    assert "重新计算后待决定的调档" not in r.text
    with c.app.state.db.read() as store:  # type: ignore[attr-defined]
        assert store.first_row("SELECT status FROM adjustment_reviews") == ("dropped",)
