"""The departments' file layouts (`sources.toml`), loaded once and validated."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from mujun.profiles._base import Strict

Kind = Literal["id", "text", "number", "integer", "flag", "date", "period", "industry", "status"]
SPEC_FILE = Path(__file__).with_name("sources.toml")


class FieldSpec(Strict):
    """One column a source may have: how to parse it and the headers it appears under."""

    kind: Kind
    aliases: tuple[str, ...]
    unit: str | None = None
    """Unit family (a key of ``units``) for numbers that need converting."""
    additive: bool = False
    """Several columns of this field add up (企业所得税（国税） + 企业所得税（地税））."""


class SourceSpec(Strict):
    """One department's file."""

    label: str
    money_unit: str | None = None
    """Money unit assumed when neither the header nor a title row states one."""
    default_units: dict[str, str] = Field(default_factory=dict)
    key_fields: tuple[str, ...] = ()
    """Fields that must be found (besides an identity column) to accept a header row."""
    purpose: tuple[str, ...] = ()
    """Fields the source exists for: a file with none of them is refused (``item:*`` means any
    tax-item column)."""
    expected: tuple[str, ...] = ()
    """Fields such a file normally has: each one not found is a warning for the file."""
    monthly: str | None = None
    """A field whose readings may come as 1月…12月 columns plus an annual total."""
    keep_row_on_bad_cell: bool = False
    """A cell that cannot be read is cleared and reported, the row's other fields kept."""
    fields: dict[str, FieldSpec]


class Spec(Strict):
    """Everything in `sources.toml`."""

    units: dict[str, dict[str, float]]
    identity: dict[str, FieldSpec]
    row_year: FieldSpec
    """A column stating each row's year (several years in one grid); other years are skipped."""
    sources: dict[str, SourceSpec]
    tax_items: dict[str, tuple[str, ...]]
    industry_names: dict[str, str]
    energy_factors: dict[str, float]
    energy_factor_notes: dict[str, str]
    """How each factor of ``energy_factors`` reads to an official, with its source."""
    plausibility: dict[str, float]
    """Limits of the import's own plausibility checks (electricity per 亩)."""

    def default_unit(self, source: str, family: str) -> str | None:
        """The unit a source's numbers of a family are in when the file does not say."""
        src = self.sources[source]
        if family == "money":
            return src.money_unit
        return src.default_units.get(family)


@cache
def load_spec() -> Spec:
    """The validated layout spec (cached)."""
    return Spec.model_validate(tomllib.loads(SPEC_FILE.read_text(encoding="utf-8")))
