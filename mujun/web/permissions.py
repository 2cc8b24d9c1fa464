"""Who may do what, and which counties they see — asked here, never inside a view.

Roles: 管理员 (everything, users), 分析员 (imports, scores, 公示, objections, adjustments for
their counties), 领导/查看 (reads their counties), 审计 (reads the audit log). A user sees only
the firms of their counties: every firm, run, upload and download query is filtered here, and
an id that belongs to another county is reported as not found (404), never as forbidden.
"""

from __future__ import annotations

from collections.abc import Iterable

from mujun.errors import MujunError
from mujun.store import Store
from mujun.web.users import User

ACTIONS: dict[str, frozenset[str]] = {
    "signed_in": frozenset({"admin", "analyst", "viewer", "auditor"}),
    "view": frozenset({"admin", "analyst", "viewer"}),
    "write": frozenset({"admin", "analyst"}),
    "users": frozenset({"admin"}),
    "audit": frozenset({"admin", "auditor"}),
}
"""Action → roles allowed to do it."""


class NotFoundError(MujunError):
    """Nothing the user may see has this id (404)."""


class ForbiddenError(MujunError):
    """The user's role does not allow this (403)."""


def allowed(user: User, action: str, /) -> bool:
    """Whether the user's role allows the action."""
    return user.role in ACTIONS[action]


def require(user: User, action: str, /) -> None:
    """Raises ForbiddenError unless the role allows the action."""
    if not allowed(user, action):
        msg = "您的角色无权进行此操作。"
        raise ForbiddenError(msg)


def county_filter(user: User, /, *, column: str = "county") -> tuple[str, list[object]]:
    """An SQL condition (with its parameters) keeping the user's counties."""
    if user.all_counties:
        return "TRUE", []
    marks = ", ".join("?" * len(user.counties))
    return f"{column} IN ({marks})", list(user.counties)


def sees(user: User, county: str | None, /) -> bool:
    """Whether the user may see a county's data."""
    return user.all_counties or (county is not None and county in user.counties)


def covers(user: User, counties: Iterable[str | None], /) -> bool:
    """Whether the user holds every one of these counties (needed to change them all)."""
    return all(sees(user, c) for c in counties)


def check_county(user: User, county: str | None, /) -> None:
    """Raises NotFoundError unless the user sees the county."""
    if not sees(user, county):
        raise NotFoundError(_NOT_FOUND)


def check_run(store: Store, user: User, run_id: int, /) -> None:
    """Raises NotFoundError unless the run exists and holds a firm of the user's counties."""
    cond, params = county_filter(user)
    row = store.first_row(
        f"SELECT 1 FROM results WHERE run_id = ? AND {cond} LIMIT 1", [int(run_id), *params]
    )
    if row is None:
        raise NotFoundError(_NOT_FOUND)


def check_firm(store: Store, user: User, run_id: int, uscc: str, /) -> None:
    """Raises NotFoundError unless the firm is in the run and in the user's counties."""
    cond, params = county_filter(user)
    row = store.first_row(
        f"SELECT 1 FROM results WHERE run_id = ? AND uscc = ? AND {cond}",
        [int(run_id), uscc, *params],
    )
    if row is None:
        raise NotFoundError(_NOT_FOUND)


def check_upload(store: Store, user: User, upload_id: int, /) -> None:
    """Raises NotFoundError unless the upload belongs to one of the user's counties."""
    row = store.first_row("SELECT county FROM web_uploads WHERE upload_id = ?", [int(upload_id)])
    if row is None or not sees(user, row[0]):
        raise NotFoundError(_NOT_FOUND)


def run_counties(store: Store, run_id: int, /) -> list[str | None]:
    """The counties whose firms a run holds."""
    rows = store.con.execute(
        "SELECT DISTINCT county FROM results WHERE run_id = ?", [int(run_id)]
    ).fetchall()
    return [r[0] for r in rows]


def check_run_write(store: Store, user: User, run_id: int, /) -> None:
    """A change to a run (公示, 认定) needs every county in it.

    Raises:
        NotFoundError: the user sees none of the run.
        ForbiddenError: the run also holds counties the user does not hold.
    """
    check_run(store, user, run_id)
    require(user, "write")
    if not covers(user, run_counties(store, run_id)):
        msg = "该评价包含您无权管理的县（市、区），不能整体操作。"
        raise ForbiddenError(msg)


_NOT_FOUND = "未找到（或您无权查看）。"


def check_year_firm(store: Store, user: User, year: int, uscc: str, /) -> str | None:
    """Raises NotFoundError unless the firm is in a run of the year and in the user's counties.

    Returns:
        The firm's county.
    """
    cond, params = county_filter(user, column="r.county")
    row = store.first_row(
        "SELECT r.county FROM results r JOIN runs u USING (run_id) WHERE u.evaluation_year = ? "
        f"AND r.uscc = ? AND {cond} LIMIT 1",
        [int(year), uscc, *params],
    )
    if row is None:
        raise NotFoundError(_NOT_FOUND)
    return None if row[0] is None else str(row[0])


def check_objection(store: Store, user: User, objection_id: int, /) -> tuple[int, str]:
    """Raises NotFoundError unless the objection concerns a firm of the user's counties.

    Returns:
        The objection's evaluation year and firm.
    """
    row = store.first_row(
        "SELECT evaluation_year, uscc FROM objections WHERE objection_id = ?", [int(objection_id)]
    )
    if row is None:
        raise NotFoundError(_NOT_FOUND)
    check_year_firm(store, user, int(row[0]), str(row[1]))
    return int(row[0]), str(row[1])
