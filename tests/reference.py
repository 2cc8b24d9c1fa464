"""A deliberately naive, per-firm implementation of the Zhejiang baseline, for comparison.

Plain Python loops and dicts, written from the profile's description rather than from the
engine's code, so that the two can disagree when either is wrong.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from mujun.profiles import Profile

EMISSION_DENOMS = {"emissions_t", "emissions_eq_t"}


def _division(code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else None


def _emissions(f: dict[str, Any]) -> tuple[float | None, str]:
    vals = [f.get(c) for c in ("cod_t", "nh3n_t", "so2_t", "nox_t")]
    known = [v for v in vals if v is not None]
    total = sum(known) if known else None
    status = f.get("emission_status")
    if status is None:
        status = "missing" if total is None else ("zero_declared" if total == 0 else "reported")
    return total, status


def reference_score(
    rows: list[dict[str, Any]], profile: Profile, data_year: int
) -> dict[str, tuple[float | None, str]]:
    """uscc -> (total score, final class label) for the baseline profile's rules."""
    firms = [dict(r) for r in rows if r["year"] == data_year]
    lo, hi = 13, 43
    for f in firms:
        f["emissions_t"], f["emission_status"] = _emissions(f)
        div = _division(f.get("industry_code"))
        start = f.get("production_start") or f.get("registration_date")
        f["firm_age_years"] = (
            None if start is None else (dt.date(data_year, 12, 31) - start).days / 365.25
        )
        land = f.get("land_mu")
        if f["above_scale"]:
            cohort = "above"
        elif land is not None and land >= 3:
            cohort = "below_ge3"
        else:
            cohort = None
        f["cohort"] = cohort
        if div is not None and not (lo <= int(div) <= hi):
            f["status"], f["label"] = "not_evaluated", "不参评"
        elif f.get("utility"):
            f["status"], f["label"] = "not_evaluated", "免评"
        elif land is None or land < 0 or (land == 0 and cohort is not None):
            f["status"], f["label"] = "not_evaluated", "待核"
        elif cohort is None:
            f["status"], f["label"] = "not_evaluated", "不参评"
        elif f["firm_age_years"] is not None and f["firm_age_years"] < 2:
            f["status"], f["label"] = "ungraded", "T"
        else:
            f["status"], f["label"] = "ranked", None

    # indicator values and statuses
    for f in firms:
        f["values"], f["statuses"] = {}, {}
        if f["status"] == "not_evaluated":
            continue
        for name in profile.cohorts[f["cohort"]].used_indicators:
            ind = profile.indicators[name]
            num, den = f.get(ind.numerator), f.get(ind.denominator)
            if ind.denominator in EMISSION_DENOMS and f["emission_status"] in (
                "zero_verified",
                "not_applicable",
            ):
                status = f["emission_status"]
            elif num is None or den is None:
                status = "missing"
            elif den == 0:
                status = "zero"
            elif den < 0:
                status = "invalid"
            else:
                status = "ok"
            f["statuses"][name] = status
            f["values"][name] = num / den * ind.scale if status == "ok" else None

    # benchmarks: mean of ranked firms' values per (cohort, county)
    groups: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for f in firms:
        if f["status"] == "ranked":
            for name, v in f["values"].items():
                if v is not None:
                    groups[(name, f["cohort"], f.get("county"))].append(v)
    bench = {k: sum(v) / len(v) for k, v in groups.items()}

    def points(f: dict[str, Any], name: str) -> float:
        w = profile.cohorts[f["cohort"]].weights[name]
        b = bench.get((name, f["cohort"], f.get("county")))
        if b is None or b <= 0:
            return 0.0
        return max(f["values"][name] / b * w, 0.0)

    ok_points: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for f in firms:
        if f["status"] == "ranked":
            for name, v in f["values"].items():
                if v is not None:
                    ok_points[(name, f["cohort"], f.get("county"))].append(points(f, name))

    for f in firms:
        if f["status"] == "not_evaluated":
            f["total"] = None
            continue
        total = 0.0
        for name, status in f["statuses"].items():
            policy = profile.missing_for(name)
            w = profile.cohorts[f["cohort"]].weights[name]
            kind = (
                "ok"
                if status == "ok"
                else getattr(policy, status if status != "zero_declared" else "zero")
            )
            if kind == "ok":
                total += points(f, name)
            elif kind == "full":
                total += w
            elif kind == "penalty":
                total -= policy.penalty_points
            elif kind == "cohort_mean":
                pts = ok_points.get((name, f["cohort"], f.get("county")), [])
                total += sum(pts) / len(pts) if pts else 0.0
        f["total"] = total

    # quotas per (cohort, county) pool
    labels = list(profile.classification.labels)
    shares = profile.classification.quotas
    pools: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for f in firms:
        if f["status"] == "ranked":
            pools[(f["cohort"], f.get("county"))].append(f)
    for members in pools.values():
        members.sort(
            key=lambda f: (
                -f["total"],
                -(
                    f["values"].get("tax_per_mu")
                    if f["values"].get("tax_per_mu") is not None
                    else -math.inf
                ),
                f["uscc"],
            )
        )
        n = len(members)
        cum, running = [], 0.0
        for label in labels[:-1]:
            running += shares[label]
            cum.append(math.floor(n * round(running * 1_000_000) / 1_000_000 + 0.5 + 1e-12))
        for rank, f in enumerate(members, start=1):
            f["label"] = next((labels[i] for i, c in enumerate(cum) if rank <= c), labels[-1])
            if f.get("safety_incident") or f.get("env_incident"):
                f["label"] = "D"
    return {f["uscc"]: (f["total"], f["label"]) for f in firms}
