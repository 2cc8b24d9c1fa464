"""Ingest stage: files in, canonical facts and a reconciling failure table out."""

from mujun.ingest.facts import FactsRead, read_facts

__all__ = ["FactsRead", "read_facts"]
