"""Users, passwords (argon2id), sessions and login throttling, kept in the store.

`mujun users add` and the app's user page call the same functions.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mujun.errors import MujunError
from mujun.store import Store
from mujun.web import audit

ROLES = {"admin": "管理员", "analyst": "分析员", "viewer": "领导（查看）", "auditor": "审计"}
ALL_COUNTIES = "*"
SESSION_HOURS = 12
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_IP = 20
THROTTLE_MINUTES = 15
MIN_PASSWORD = 8

_hasher = PasswordHasher()


class UserError(MujunError):
    """A user cannot be created or changed as asked."""


class ThrottledError(MujunError):
    """Too many failed logins; wait before trying again."""


@dataclass(frozen=True)
class User:
    """A signed-in user."""

    user_id: int
    name: str
    display_name: str
    role: str
    counties: tuple[str, ...]

    @property
    def role_label(self) -> str:
        """The role in Chinese."""
        return ROLES[self.role]

    @property
    def all_counties(self) -> bool:
        """Whether the user may see every county."""
        return ALL_COUNTIES in self.counties


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)


def _user(row: tuple[object, ...]) -> User:
    uid, name, display, role, counties = row
    return User(int(uid), str(name), str(display), str(role), tuple(json.loads(str(counties))))  # type: ignore[call-overload]


def add_user(
    store: Store,
    /,
    *,
    name: str,
    password: str,
    role: str,
    counties: list[str],
    display_name: str | None = None,
    who: str,
) -> User:
    """Create a user.

    Raises:
        UserError: the name is taken or empty, the role is unknown, the password is shorter
            than 8 characters, or a non-admin user has no county.
    """
    name = name.strip()
    counties = [c.strip() for c in counties if c.strip()]
    if not name:
        msg = "用户名不能为空。"
        raise UserError(msg)
    if role not in ROLES:
        msg = f"未知角色 {role!r}；可选：{', '.join(f'{k}（{v}）' for k, v in ROLES.items())}。"
        raise UserError(msg)
    if len(password) < MIN_PASSWORD:
        msg = f"密码至少 {MIN_PASSWORD} 个字符。"
        raise UserError(msg)
    if not counties:
        if role != "admin":
            msg = (
                f"用户 {name} 需要至少一个县（市、区）：--county 县名（全部县用 {ALL_COUNTIES}）。"
            )
            raise UserError(msg)
        counties = [ALL_COUNTIES]
    digest = _hasher.hash(password)
    with store.transaction() as con:
        if store.first_row("SELECT 1 FROM web_users WHERE name = ?", [name]):
            msg = f"用户名 {name} 已存在。"
            raise UserError(msg)
        user_id = store.next_id("web_users", "user_id")
        con.execute(
            "INSERT INTO web_users VALUES (?, ?, ?, ?, ?, ?, true, ?)",
            [
                user_id,
                name,
                display_name or name,
                role,
                json.dumps(counties, ensure_ascii=False),
                digest,
                _now(),
            ],
        )
    audit.record(
        store,
        who=who,
        action="新增用户",
        target=name,
        after={"角色": ROLES[role], "县（市、区）": counties},
    )
    return User(user_id, name, display_name or name, role, tuple(counties))


def list_users(store: Store, /) -> pl.DataFrame:
    """Every user (without password hashes)."""
    return store.frame(
        "SELECT user_id, name, display_name, role, counties, active, created_at FROM web_users "
        "ORDER BY user_id"
    )


def has_users(store: Store, /) -> bool:
    """Whether any user exists (the first admin is made on the command line)."""
    row = store.first_row("SELECT count(*) FROM web_users")
    return bool(row and row[0])


def authenticate(store: Store, /, *, name: str, password: str, ip: str) -> User | None:
    """The user if the password is right (reads only; `record_attempt` keeps the outcome).

    The hash is checked outside any write, so logins never hold up the one writer.

    Raises:
        ThrottledError: too many failures for this name or address in the last 15 minutes.
    """
    since = _now() - dt.timedelta(minutes=THROTTLE_MINUTES)
    row = store.first_row(
        "SELECT count(*) FILTER (WHERE name = ?), count(*) FILTER (WHERE ip = ?) "
        "FROM web_login_attempts WHERE NOT ok AND tried_at >= ?",
        [name, ip, since],
    )
    by_name, by_ip = (int(row[0]), int(row[1])) if row else (0, 0)
    if by_name >= MAX_FAILURES_PER_NAME or by_ip >= MAX_FAILURES_PER_IP:
        msg = f"登录失败次数过多，请 {THROTTLE_MINUTES} 分钟后再试。"
        raise ThrottledError(msg)
    found = store.first_row(
        "SELECT user_id, name, display_name, role, counties, password_hash FROM web_users "
        "WHERE name = ? AND active",
        [name],
    )
    ok = False
    if found is not None:
        try:
            ok = _hasher.verify(str(found[5]), password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # same cost whether or not the name exists
    return _user(found[:5]) if ok and found is not None else None


def record_attempt(store: Store, /, *, name: str, ip: str, ok: bool) -> None:
    """Keep a login attempt (failed ones count towards throttling)."""
    with store.transaction() as con:
        con.execute("INSERT INTO web_login_attempts VALUES (?, ?, ?, ?)", [name, ip, _now(), ok])


def start_session(store: Store, user: User, /) -> str:
    """A new session id for the user (kept in the signed cookie)."""
    sid = secrets.token_urlsafe(32)
    now = _now()
    with store.transaction() as con:
        con.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
            [sid, user.user_id, now, now + dt.timedelta(hours=SESSION_HOURS)],
        )
    return sid


def session_user(store: Store, sid: str, /) -> User | None:
    """The user of a live session."""
    row = store.first_row(
        "SELECT u.user_id, u.name, u.display_name, u.role, u.counties FROM web_sessions s "
        "JOIN web_users u USING (user_id) WHERE s.session_id = ? AND s.expires_at > ? "
        "AND u.active",
        [sid, _now()],
    )
    return _user(row) if row else None


def end_session(store: Store, sid: str, /) -> None:
    """Log out: the session id stops working."""
    with store.transaction() as con:
        con.execute("DELETE FROM web_sessions WHERE session_id = ?", [sid])


def app_secret(store: Store, /) -> str:
    """The key that signs cookies, made once per database (so restarts keep sessions)."""
    row = store.first_row("SELECT value FROM web_secrets WHERE name = 'cookie'")
    if row:
        return str(row[0])
    value = secrets.token_urlsafe(48)
    with store.transaction() as con:
        con.execute("INSERT INTO web_secrets VALUES ('cookie', ?)", [value])
    return value
