"""Classify stage: ranking pools, quotas or thresholds, overrides, vetoes and labels."""

from __future__ import annotations

import polars as pl

from mujun.classify.overrides import add_final_class
from mujun.classify.ranking import add_classes, add_ranks
from mujun.profiles.models import Profile


def classify(lf: pl.LazyFrame, /, *, profile: Profile) -> pl.LazyFrame:
    """Rank scored firms in their pools and give every firm its final class label."""
    return (
        lf.pipe(add_ranks, profile=profile)
        .pipe(add_classes, profile=profile)
        .pipe(add_final_class, profile=profile)
    )


__all__ = ["classify"]
