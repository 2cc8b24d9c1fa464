"""The 测算 pages: what-if, levers (projects upload, xlsx), targets; scoping, CSRF, login audit."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient
from web.conftest import PASSWORD, csrf, login

from mujun.store import Store
from mujun.web import create_app


def _firms(client: TestClient) -> tuple[str, set[str]]:
    """A decided firm of 2024 (class A) and every USCC of the 2024 认定稿."""
    with client.app.state.db.read() as store:  # type: ignore[attr-defined]
        frame = store.frame(
            "SELECT uscc, class_label FROM results r JOIN runs u USING (run_id) "
            "WHERE u.evaluation_year = 2024 AND u.status = 'final' ORDER BY uscc"
        )
    top = frame.filter(frame["class_label"] == "A").item(0, "uscc")
    return str(top), set(frame.get_column("uscc").to_list())


def _projects_csv(uscc: str) -> bytes:
    """A projects table: one renovation project of a class-A firm (3000 万元 of equipment)."""
    return (
        "项目编号,统一社会信用代码,项目名称,项目类型,设备投资（万元）,总投资（万元）\n"
        f"P-001,{uscc},<b>数控产线</b>技改,技术改造,3000,3500\n"
    ).encode()


def test_whatif_shows_who_moves_and_why(client: TestClient) -> None:
    login(client, "leader")  # a read-only role may run a what-if (nothing is stored)
    page = client.get("/whatif")
    assert page.status_code == 200
    assert str(page.url).endswith("/year/2024/whatif")
    r = client.post(
        "/year/2024/whatif", data={"csrftoken": csrf(client), "sets": "scoring.cap=1.5\n"}
    )
    assert r.status_code == 200, r.text
    assert "等级变动企业数" in r.text
    assert "得分秩相关系数（Spearman）" in r.text
    assert "等级迁移矩阵" in r.text
    assert "主要原因（指标得分变化）" in r.text
    changed = re.search(r"变动企业（共 (\d+) 家", r.text)
    assert changed and int(changed.group(1)) > 0
    bad = client.post(
        "/year/2024/whatif", data={"csrftoken": csrf(client), "sets": "weights.nowhere=1"}
    )
    assert bad.status_code == 400


def test_levers_with_an_uploaded_projects_table_and_xlsx(client: TestClient) -> None:
    top, _ = _firms(client)
    login(client, "clerk")
    r = client.get("/year/2024/levers?profile=tiantai")
    assert r.status_code == 200, r.text
    assert "合计金额（万元）" in r.text
    assert "P-001" not in r.text
    form = {"csrftoken": csrf(client), "profile": "tiantai"}
    files = [("projects", ("项目表.csv", _projects_csv(top)))]
    r = client.post("/year/2024/levers", data=form, files=files)
    assert r.status_code == 200, r.text
    assert "P-001" in r.text
    assert "技术改造项目补助" in r.text
    assert "已按上传的项目表" in r.text
    r = client.post("/year/2024/levers", data={**form, "format": "xlsx"}, files=files)
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames == ["汇总", "明细"]
    cells = [c for row in book["明细"].iter_rows(values_only=True) for c in row]
    assert "P-001" in cells
    assert "合计金额（万元）" in next(book["汇总"].iter_rows(values_only=True))


def test_a_projects_upload_of_another_kind_of_file_is_refused(client: TestClient) -> None:
    login(client, "clerk")
    r = client.post(
        "/year/2024/levers",
        data={"csrftoken": csrf(client), "profile": "tiantai"},
        files=[("projects", ("run.exe", b"MZ"))],
    )
    assert r.status_code == 400
    assert "run.exe" in r.text
    r = client.post(
        "/year/2024/levers",
        data={"csrftoken": csrf(client), "profile": "tiantai"},
        files=[("projects", ("项目表.csv", "名称,金额\n甲,1\n".encode()))],
    )
    assert r.status_code == 400
    assert "项目表.csv" in r.text
    assert "project_id" in r.text or "项目编号" in r.text


def test_targets_table(client: TestClient) -> None:
    login(client, "leader")
    r = client.get("/year/2024/targets?profile=tiantai")
    assert r.status_code == 200, r.text
    for header in ("实际值", "目标值", "完成进度", "已达标", "单位"):
        assert f"<th>{header}</th>" in r.text
    none = client.get("/year/2024/targets?profile=zhejiang_baseline")
    assert none.status_code == 400
    assert "没有规划目标" in none.text


def test_targets_with_a_regional_table(client: TestClient) -> None:
    login(client, "clerk")
    table = "年度,指标,数值,单位,来源\n2023,规上工业增加值,120,亿元,统计局\n".encode()
    r = client.post(
        "/year/2024/targets",
        data={"csrftoken": csrf(client), "profile": "tiantai"},
        files=[("regional", ("区域指标.csv", table))],
    )
    assert r.status_code == 200, r.text
    assert "已按上传的区域指标表" in r.text


def test_a_read_only_role_cannot_upload(client: TestClient) -> None:
    login(client, "leader")
    r = client.post(
        "/year/2024/levers",
        data={"csrftoken": csrf(client), "profile": "tiantai"},
        files=[("projects", ("p.csv", b"x\n"))],
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "path", ["/year/2024/whatif", "/year/2024/levers?profile=tiantai",
             "/year/2024/targets?profile=tiantai"],
)  # fmt: skip
def test_another_county_s_analyst_sees_nothing(client: TestClient, path: str) -> None:
    top, usccs = _firms(client)
    login(client, "outsider")
    r = client.get(path)
    assert r.status_code == 404
    assert not any(u in r.text for u in usccs)
    r = client.post(
        "/year/2024/levers",
        data={"csrftoken": csrf(client), "profile": "tiantai"},
        files=[("projects", ("p.csv", _projects_csv(top)))],
    )
    assert r.status_code == 404
    assert top not in r.text
    assert "P-001" not in r.text
    r = client.post(
        "/year/2024/whatif", data={"csrftoken": csrf(client), "sets": "scoring.cap=1.5"}
    )
    assert r.status_code == 404
    assert not any(u in r.text for u in usccs)


def test_a_user_holding_part_of_the_run_sees_only_their_firms(client: TestClient) -> None:
    """A run with firms of 邻县 too: the 示范县 clerk's what-if counts only 示范县's firms,
    and the region-wide levers and targets are refused."""
    with client.app.state.db.write() as store:  # type: ignore[attr-defined]
        run = store.first_row(
            "SELECT run_id FROM runs WHERE evaluation_year = 2024 AND status = 'final'"
        )
        assert run
        store.con.execute(
            "UPDATE results SET county = '邻县' WHERE run_id = ? AND uscc IN (SELECT uscc FROM "
            "results WHERE run_id = ? ORDER BY uscc LIMIT 100)",
            [run[0], run[0]],
        )
        theirs = store.frame(
            "SELECT uscc FROM results WHERE run_id = ? AND county = '邻县'", [run[0]]
        ).get_column("uscc")
    login(client, "admin")
    whole = client.post(
        "/year/2024/whatif", data={"csrftoken": csrf(client), "sets": "scoring.cap=1.5"}
    )
    assert any(u in whole.text for u in theirs)  # the sets move some of 邻县's firms
    client.post("/logout", data={"csrftoken": csrf(client)})
    login(client, "clerk")
    r = client.post(
        "/year/2024/whatif", data={"csrftoken": csrf(client), "sets": "scoring.cap=1.5"}
    )
    assert r.status_code == 200, r.text
    assert "只统计您负责的县" in r.text
    assert not any(u in r.text for u in theirs)
    assert "<h2>政策兑现变化" not in r.text
    firms = re.search(r"<td class=\"n\">(\d+)</td>", r.text)
    assert firms and int(firms.group(1)) == 320 - len(theirs)
    for path in ("/year/2024/levers?profile=tiantai", "/year/2024/targets?profile=tiantai"):
        r = client.get(path)
        assert r.status_code == 403
        assert "无权查看的县" in r.text


def test_policy_forms_without_their_csrf_token_are_refused(client: TestClient) -> None:
    login(client, "clerk")
    r = client.post("/year/2024/whatif", data={"sets": "scoring.cap=1.5"})
    assert r.status_code == 403
    assert "安全令牌" in r.text
    r = client.post(
        "/year/2024/levers",
        data={"profile": "tiantai"},
        files=[("projects", ("p.csv", b"x\n"))],
    )
    assert r.status_code == 403
    r = client.post("/year/2024/targets", data={"profile": "tiantai", "csrftoken": "forged"})
    assert r.status_code == 403


def test_logins_and_logouts_are_audited_without_the_password(db_path: Path, tmp_path: Path) -> None:
    app = create_app(db_path, work_dir=tmp_path / "work", inline_imports=True)
    with TestClient(app, follow_redirects=True) as c:
        wrong = "wrong-secret-123"
        c.post("/login", data={"name": "clerk", "password": wrong, "csrftoken": csrf(c)})
        login(c, "clerk")
        c.post("/logout", data={"csrftoken": csrf(c)})
    with Store.open(db_path, read_only=True) as store:
        frame = store.frame("SELECT who, action, before, after FROM web_audit ORDER BY audit_id")
    actions = frame.get_column("action").to_list()
    assert actions[-3:] == ["登录失败", "登录成功", "退出登录"]
    text = " ".join(str(v) for row in frame.rows() for v in row)
    assert wrong not in text
    assert PASSWORD not in text
    assert frame.item(len(actions) - 3, "who") == "clerk"


def test_a_throttled_login_is_audited(db_path: Path, tmp_path: Path) -> None:
    app = create_app(db_path, work_dir=tmp_path / "work", inline_imports=True)
    with TestClient(app, follow_redirects=True) as c:
        for _ in range(12):
            r = c.post("/login", data={"name": "clerk", "password": "nope-1", "csrftoken": csrf(c)})
        assert r.status_code == 429
    with Store.open(db_path, read_only=True) as store:
        actions = store.frame("SELECT action FROM web_audit").get_column("action").to_list()
    assert "登录受限（失败次数过多）" in actions
    assert "登录失败" in actions


@pytest.mark.parametrize("path", ["/whatif", "/year/2024/levers", "/year/2024/targets"])
def test_the_pages_need_a_session_and_a_reading_role(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert "/login" in str(r.url)
    login(client, "auditor")
    assert client.get(path).status_code == 403
