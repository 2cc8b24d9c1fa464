"""Numbered schema migrations of the snapshot store. Never edit a released migration: add one.

Each migration is a list of SQL statements run in one transaction together with the row it
adds to ``schema_versions``.
"""

from __future__ import annotations

from typing import Final

_V1: Final = [
    """CREATE TABLE schema_versions (
        version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL, mujun_version VARCHAR)""",
    """CREATE TABLE batches (
        batch_id INTEGER PRIMARY KEY,
        data_year INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL,
        sources VARCHAR NOT NULL,          -- JSON: [{file, sha256, rows_read, accepted, ...}]
        rows INTEGER NOT NULL)""",
    """CREATE TABLE facts (
        batch_id INTEGER NOT NULL,
        uscc VARCHAR NOT NULL, name VARCHAR, year INTEGER NOT NULL, county VARCHAR,
        township VARCHAR, park VARCHAR, industry_code VARCHAR, above_scale BOOLEAN,
        land_own_mu DOUBLE, land_rented_mu DOUBLE, land_leased_out_mu DOUBLE, land_mu DOUBLE,
        rented_floor_m2 DOUBLE, tax_wan DOUBLE, value_added_wan DOUBLE, revenue_wan DOUBLE,
        output_wan DOUBLE, profit_wan DOUBLE, rd_wan DOUBLE, tech_renovation_wan DOUBLE,
        construction_investment_wan DOUBLE, energy_tce DOUBLE, energy_basis VARCHAR,
        electricity_kwh DOUBLE, water_t DOUBLE, cod_t DOUBLE, nh3n_t DOUBLE, so2_t DOUBLE,
        nox_t DOUBLE, emissions_eq_t DOUBLE, emission_status VARCHAR, employees DOUBLE,
        utility BOOLEAN, high_tech BOOLEAN, listed BOOLEAN, specialized_sme BOOLEAN,
        key_cultivated BOOLEAN, chain_critical BOOLEAN, tax_support BOOLEAN,
        safety_incident BOOLEAN, env_incident BOOLEAN, invention_patents INTEGER,
        registration_date DATE, production_start DATE)""",
    """CREATE TABLE firms (
        uscc VARCHAR PRIMARY KEY, name VARCHAR, first_year INTEGER, last_year INTEGER)""",
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY,
        evaluation_year INTEGER NOT NULL,
        data_year INTEGER NOT NULL,
        profile_name VARCHAR NOT NULL,
        profile_hash VARCHAR NOT NULL,
        profile_json VARCHAR NOT NULL,     -- the resolved profile, exactly as scored
        engine_version VARCHAR NOT NULL,
        polars_version VARCHAR NOT NULL,
        input_fingerprint VARCHAR NOT NULL,
        batch_id INTEGER,
        history_batch_id INTEGER,
        created_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
        binding BOOLEAN NOT NULL,
        published_at TIMESTAMP,
        superseded_by INTEGER,
        firms INTEGER NOT NULL,
        note VARCHAR)""",
    """CREATE TABLE results (
        run_id INTEGER NOT NULL, uscc VARCHAR NOT NULL, name VARCHAR, county VARCHAR,
        township VARCHAR, park VARCHAR, industry_code VARCHAR, above_scale BOOLEAN,
        land_mu DOUBLE, cohort VARCHAR, cohort_label VARCHAR, eval_status VARCHAR,
        special_rule VARCHAR, special_reason VARCHAR, items_total DOUBLE, coefficient DOUBLE,
        bonus DOUBLE, penalty DOUBLE, adjust_reason VARCHAR, total_score DOUBLE, pool VARCHAR,
        pool_size BIGINT, rank BIGINT, rank_pct DOUBLE, class_computed VARCHAR,
        override_rule VARCHAR, override_reason VARCHAR, class_label VARCHAR, class_name VARCHAR,
        next_class VARCHAR, gap_to_next DOUBLE)""",
    """CREATE TABLE result_items (
        run_id INTEGER NOT NULL, uscc VARCHAR NOT NULL, indicator VARCHAR NOT NULL,
        value DOUBLE, benchmark DOUBLE, item DOUBLE, status VARCHAR)""",
]

_V2: Final = [
    # Manual grade adjustments (定档调档), kept as history on top of the computed class.
    """CREATE TABLE adjustments (
        adjustment_id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        uscc VARCHAR NOT NULL,
        from_class VARCHAR NOT NULL,
        to_class VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        who VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    # A firm's final class in a run: the latest adjustment, else the engine's class.
    """CREATE VIEW final_results AS
        SELECT r.*,
               coalesce(a.to_class, r.class_label) AS final_class,
               a.to_class IS NOT NULL AS adjusted,
               a.reason AS adjustment_reason
        FROM results r
        LEFT JOIN (
            SELECT * FROM adjustments
            QUALIFY row_number() OVER (PARTITION BY run_id, uscc ORDER BY adjustment_id DESC) = 1
        ) a USING (run_id, uscc)""",
]

_V3: Final = [
    # The problems found while reading a batch's files, so published lists can show them.
    """CREATE TABLE batch_problems (
        batch_id INTEGER NOT NULL, file VARCHAR, sheet VARCHAR, "row" BIGINT, "column" VARCHAR,
        value VARCHAR, reason VARCHAR, outcome VARCHAR, raw VARCHAR)""",
]

MIGRATIONS: Final[dict[int, list[str]]] = {1: _V1, 2: _V2, 3: _V3}
SCHEMA_VERSION: Final = max(MIGRATIONS)
