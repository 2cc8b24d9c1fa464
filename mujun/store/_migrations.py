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

_V4: Final = [
    # The yearly cycle (issue 14): draft → notice (公示, frozen) → final (认定); v3's
    # 'published' meant both and becomes 'final'. DuckDB cannot alter a CHECK, so the table is
    # rebuilt with the same columns plus who scored and who decided.
    """CREATE TABLE runs_v4 (
        run_id INTEGER PRIMARY KEY,
        evaluation_year INTEGER NOT NULL,
        data_year INTEGER NOT NULL,
        profile_name VARCHAR NOT NULL,
        profile_hash VARCHAR NOT NULL,
        profile_json VARCHAR NOT NULL,
        engine_version VARCHAR NOT NULL,
        polars_version VARCHAR NOT NULL,
        input_fingerprint VARCHAR NOT NULL,
        batch_id INTEGER,
        history_batch_id INTEGER,
        created_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('draft', 'notice', 'final', 'superseded')),
        binding BOOLEAN NOT NULL,
        published_at TIMESTAMP,            -- when it became final (认定)
        superseded_by INTEGER,
        firms INTEGER NOT NULL,
        note VARCHAR,
        created_by VARCHAR,
        decided_by VARCHAR)""",
    """INSERT INTO runs_v4 SELECT * REPLACE (
           CASE status WHEN 'published' THEN 'final' ELSE status END AS status), NULL, NULL
       FROM runs""",
    "DROP TABLE runs",
    "ALTER TABLE runs_v4 RENAME TO runs",
    # Each run's classes, best first (names of adjusted classes, the class above one).
    """CREATE TABLE run_classes (
        run_id INTEGER NOT NULL, label VARCHAR NOT NULL, name VARCHAR, ord INTEGER NOT NULL)""",
    """INSERT INTO run_classes
       SELECT run_id, c.label, c.name, i - 1 FROM (
           SELECT run_id, unnest(cls) AS c, generate_subscripts(cls, 1) AS i FROM (
               SELECT run_id, from_json(json_extract(profile_json, '$.classification.classes'),
                                        '[{"label": "VARCHAR", "name": "VARCHAR"}]') AS cls
               FROM runs))""",
    # Adjustments belong to (evaluation year, firm): the engine class they were decided on,
    # the objection they answer, and (for a re-application on a new run) the original.
    "ALTER TABLE adjustments ADD COLUMN engine_class VARCHAR",
    "ALTER TABLE adjustments ADD COLUMN objection_id INTEGER",
    "ALTER TABLE adjustments ADD COLUMN carried_from INTEGER",
    """UPDATE adjustments a SET engine_class = r.class_label
       FROM results r WHERE r.run_id = a.run_id AND r.uscc = a.uscc""",
    # An adjustment that could not be carried to a new run (its engine class changed).
    """CREATE TABLE adjustment_reviews (
        review_id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        uscc VARCHAR NOT NULL,
        adjustment_id INTEGER NOT NULL,    -- the decision that could not be carried
        engine_class VARCHAR,              -- the new run's class
        status VARCHAR NOT NULL CHECK (status IN ('open', 'kept', 'dropped', 'confirmed',
                                                  'replaced')),
        created_at TIMESTAMP NOT NULL,
        decided_by VARCHAR,
        decided_at TIMESTAMP,
        note VARCHAR)""",
    # Public notice (公示) of a run.
    """CREATE TABLE notices (
        notice_id INTEGER PRIMARY KEY,
        evaluation_year INTEGER NOT NULL,
        run_id INTEGER NOT NULL,
        start_date DATE NOT NULL,
        end_date DATE NOT NULL,
        contact VARCHAR NOT NULL,
        issuer VARCHAR NOT NULL,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    # Objections (异议) received during the notice.
    """CREATE TABLE objections (
        objection_id INTEGER PRIMARY KEY,
        evaluation_year INTEGER NOT NULL,
        uscc VARCHAR NOT NULL,
        received DATE NOT NULL,
        from_whom VARCHAR NOT NULL,
        claim VARCHAR NOT NULL,
        evidence VARCHAR,
        recorded_by VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL,
        outcome VARCHAR CHECK (outcome IN ('upheld', 'rejected')),
        decided_by VARCHAR,
        decided_at TIMESTAMP,
        decision_note VARCHAR,
        batch_id INTEGER,                  -- corrected facts stored for it
        run_id INTEGER)""",  # the rescore that used them
    # A firm's final class in a run, as of a time (NULL: now): the latest adjustment made
    # until then, else the engine's class; its name, the class above it and the score gap
    # (which only the engine's own class has).
    """CREATE MACRO final_results_asof(as_of) AS TABLE
        SELECT r.*,
               coalesce(a.to_class, r.class_label) AS final_class,
               a.to_class IS NOT NULL AS adjusted,
               a.reason AS adjustment_reason,
               CASE WHEN a.to_class IS NULL THEN r.class_name ELSE c.name END
                   AS final_class_name,
               CASE WHEN a.to_class IS NULL THEN r.next_class ELSE up.label END
                   AS final_next_class,
               CASE WHEN a.to_class IS NULL THEN r.gap_to_next END AS final_gap_to_next,
               a.from_class AS adjusted_from,
               a.objection_id,
               a.adjustment_id
        FROM results r
        LEFT JOIN (
            SELECT * FROM adjustments
            WHERE as_of IS NULL OR created_at <= CAST(as_of AS TIMESTAMP)
            QUALIFY row_number() OVER (PARTITION BY run_id, uscc ORDER BY adjustment_id DESC) = 1
        ) a ON a.run_id = r.run_id AND a.uscc = r.uscc
        LEFT JOIN run_classes c ON c.run_id = r.run_id AND c.label = a.to_class
        LEFT JOIN run_classes up ON up.run_id = r.run_id AND up.ord = c.ord - 1""",
    "CREATE OR REPLACE VIEW final_results AS SELECT * FROM final_results_asof(NULL)",
]

_V5: Final = [
    # The web app (issue 15): users with a role and their counties, sessions, login attempts
    # (throttling), the audit log of every write, uploads being imported, and the app's secret.
    """CREATE TABLE web_users (
        user_id INTEGER PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        display_name VARCHAR NOT NULL,
        role VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer', 'auditor')),
        counties VARCHAR NOT NULL,         -- JSON list of county names; ["*"]: every county
        password_hash VARCHAR NOT NULL,    -- argon2id
        active BOOLEAN NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE web_sessions (
        session_id VARCHAR PRIMARY KEY, user_id INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE web_login_attempts (
        name VARCHAR NOT NULL, ip VARCHAR NOT NULL, tried_at TIMESTAMP NOT NULL,
        ok BOOLEAN NOT NULL)""",
    """CREATE TABLE web_audit (
        audit_id INTEGER PRIMARY KEY,
        done_at TIMESTAMP NOT NULL,
        who VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        county VARCHAR,
        target VARCHAR,
        before VARCHAR,                    -- JSON
        after VARCHAR)""",
    """CREATE TABLE web_uploads (
        upload_id INTEGER PRIMARY KEY,
        county VARCHAR NOT NULL,
        data_year INTEGER NOT NULL,
        profile VARCHAR NOT NULL,
        created_by VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('uploaded', 'reading', 'read', 'failed',
                                                  'accepted')),
        folder VARCHAR NOT NULL,
        files VARCHAR NOT NULL,            -- JSON: [{name, stored, source, bytes}]
        summary VARCHAR,                   -- JSON: per-file counts after reading
        message VARCHAR,
        batch_id INTEGER)""",
    "CREATE TABLE web_secrets (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
]

_V6: Final = [
    # Rectification cases (issue 17): a watch-list entry followed across years, 核定 → 方案 →
    # 整治提升 / 淘汰 → 评价销号, with the land and energy each step freed (mujun.store.cases).
    """CREATE TABLE cases (
        case_id INTEGER PRIMARY KEY,
        uscc VARCHAR NOT NULL,
        name VARCHAR,
        list_id VARCHAR NOT NULL,          -- the watch list's rule id
        list_label VARCHAR NOT NULL,
        evaluation_year INTEGER NOT NULL,  -- the year whose list confirmed it (核定)
        run_id INTEGER,                    -- the published run the list was read from
        reason VARCHAR,                    -- what the list was decided on
        township VARCHAR,
        park VARCHAR,
        land_mu DOUBLE,                    -- held when confirmed (what 淘汰 frees by default)
        energy_tce DOUBLE,
        status VARCHAR NOT NULL CHECK (status IN ('confirmed', 'planned', 'rectifying',
                                                  'exited', 'closed', 'withdrawn')),
        deadline DATE,                     -- the plan's deadline (整改期限)
        opened_by VARCHAR NOT NULL,
        opened_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE case_steps (
        step_id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL,
        step VARCHAR NOT NULL CHECK (step IN ('confirmed', 'planned', 'rectifying', 'exited',
                                              'closed', 'withdrawn')),
        year INTEGER NOT NULL,             -- the calendar year the step happened
        step_date DATE,
        deadline DATE,
        measure VARCHAR,                   -- 一企一策 plan, or how (兼并重组, 整体腾退, ...)
        freed_land_mu DOUBLE,
        freed_energy_tce DOUBLE,
        note VARCHAR,
        who VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
]

# Version 7: the per-project fact Tiantai's construction-period rules read (issue 17): the
# largest key industrial project's total investment, appended as the facts' last column.
_V7 = ["ALTER TABLE facts ADD COLUMN key_project_investment_wan DOUBLE"]

MIGRATIONS: Final[dict[int, list[str]]] = {
    1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7,
}  # fmt: skip
SCHEMA_VERSION: Final = max(MIGRATIONS)
