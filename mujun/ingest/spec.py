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


class SourceSpec(Strict):
    """One department's file."""

    label: str
    money_unit: str | None = None
    """Money unit assumed when neither the header nor a title row states one."""
    default_units: dict[str, str] = Field(default_factory=dict)
    key_fields: tuple[str, ...] = ()
    """Fields that must be found (besides an identity column) to accept a header row."""
    fields: dict[str, FieldSpec]


class Spec(Strict):
    """Everything in `sources.toml`."""

    units: dict[str, dict[str, float]]
    identity: dict[str, FieldSpec]
    sources: dict[str, SourceSpec]
    tax_items: dict[str, tuple[str, ...]]
    industry_names: dict[str, str]
    energy_factors: dict[str, float]

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
