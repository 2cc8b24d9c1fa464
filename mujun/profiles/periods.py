"""Policy periods: which year a profile (and each lever) is valid for, and year-specific values.

A plan is valid for a period (丽水 2021–2023, 奉化 2021–2025); a county that scores or applies
levers outside it is still using rules that have expired, so mujun says so (in Chinese) and
carries on: the office may have extended the plan. Values that change with the year (a limit
raised in 2024) are written under ``[by_year.2024]`` and merged over the profile for that year.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from mujun.errors import ProfileError
from mujun.profiles.levers import Period
from mujun.profiles.loader import _describe, merge_tables
from mujun.profiles.models import Profile


def covers(period: Period, year: int, /) -> bool:
    """Whether the period overlaps calendar year ``year``."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (period.start is None or period.start <= last) and (
        period.end is None or period.end >= first
    )


def _span(period: Period) -> str:
    start = period.start.isoformat() if period.start else "（未规定）"
    end = period.end.isoformat() if period.end else "（未规定）"
    return f"{start} 至 {end}"


def notes(
    profile: Profile, year: int, /, *, levers: bool = False, what: str = "评价年度"
) -> list[str]:
    """Warnings, in Chinese, for an evaluation year outside the profile's (or a lever's) period.

    NOTE: the evaluation year is the year the rules are applied in (classes published,
    surcharges and subsidies paid), so it is the year checked, not the data year.

    Args:
        profile: the region profile.
        year: evaluation year.
        levers: also check each lever's own period (``[levers.periods]``).
        what: what ``year`` is, in the message ("数据年度" for plan targets, which are set
            for the years whose data they measure).
    """
    out: list[str] = []
    if profile.period is not None and not covers(profile.period, year):
        where = f"（{profile.period.source}）" if profile.period.source else ""
        out.append(
            f"注意：方案“{profile.meta.title}”的有效期为 {_span(profile.period)}{where}，"
            f"{what} {year} 不在有效期内。仍按该方案的规则计算，"
            "请确认方案是否已延续或已有新方案。"
        )
    if levers:
        for rule_id, period in sorted(profile.levers.periods.items()):
            if not covers(period, year):
                out.append(
                    f"注意：政策规则 {rule_id} 的有效期为 {_span(period)}，{what} {year} "
                    "不在有效期内，其结果仅供参考。"
                )
    return out


def for_year(profile: Profile, year: int, /) -> Profile:
    """The profile with the values of ``[by_year.<year>]`` merged over it (itself if none).

    Raises:
        ProfileError: the merged profile is invalid.
    """
    over = profile.by_year.get(year)
    if not over:
        return profile
    base = profile.model_dump(mode="json", exclude_none=True, exclude={"by_year"})
    try:
        return Profile.model_validate(merge_tables(base, over))
    except ValidationError as exc:
        source = f"{profile.meta.name} [by_year.{year}]"
        raise ProfileError.invalid(source, [_describe(e) for e in exc.errors()]) from None


def check_years(profile: Profile, /) -> None:
    """Validate every ``[by_year]`` overlay (called when a profile is loaded).

    Raises:
        ProfileError: one overlay makes the profile invalid.
    """
    for year in profile.by_year:
        for_year(profile, year)
