-- The complaint library. Text columns hold masked text only; customer keys are keyed hashes.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

CREATE TABLE IF NOT EXISTS batches (
    batch_id INTEGER, kind VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, file_format VARCHAR,
    encoding VARCHAR, ingested_at TIMESTAMP, rows_read INTEGER, accepted INTEGER, updated INTEGER,
    rejected INTEGER, skipped INTEGER, column_map VARCHAR
);

CREATE TABLE IF NOT EXISTS complaints (
    complaint_id VARCHAR NOT NULL, customer_key VARCHAR, received_at TIMESTAMP, channel VARCHAR,
    region VARCHAR, text VARCHAR NOT NULL, escalated BOOLEAN, resolved_at TIMESTAMP,
    satisfaction DOUBLE, attributes VARCHAR, repeat_of VARCHAR, content_hash VARCHAR,
    state_hash VARCHAR, batch_id INTEGER, source_row INTEGER
);

CREATE TABLE IF NOT EXISTS customers (
    customer_key VARCHAR NOT NULL, plan VARCHAR, tenure_start DATE, region VARCHAR, arpu DOUBLE,
    contract_end DATE, attributes VARCHAR, content_hash VARCHAR, batch_id INTEGER, source_row INTEGER
);

CREATE TABLE IF NOT EXISTS port_events (
    event_id VARCHAR NOT NULL, customer_key VARCHAR NOT NULL, direction VARCHAR, requested_at TIMESTAMP,
    completed_at TIMESTAMP, status VARCHAR, other_operator VARCHAR, attributes VARCHAR,
    content_hash VARCHAR, batch_id INTEGER, source_row INTEGER
);

CREATE TABLE IF NOT EXISTS rejects (
    batch_id INTEGER, kind VARCHAR, source_file VARCHAR, row_number INTEGER, column_name VARCHAR,
    reason VARCHAR, raw VARCHAR
);

-- Topic model versions: every fit or update is a numbered version; topic ids are our own and stable.
CREATE TABLE IF NOT EXISTS model_versions (
    version INTEGER, created_at TIMESTAMP, kind VARCHAR, parent_version INTEGER, embedder VARCHAR,
    embedder_id VARCHAR, clustering VARCHAR, n_docs INTEGER, n_topics INTEGER, outlier_share DOUBLE,
    params VARCHAR, artifact_dir VARCHAR
);

CREATE TABLE IF NOT EXISTS topics (
    version INTEGER, topic_id INTEGER, label VARCHAR, keywords VARCHAR, keywords_diverse VARCHAR,
    painpoint VARCHAR, painpoint_score DOUBLE, size INTEGER, examples VARCHAR, lineage VARCHAR,
    first_version INTEGER, status VARCHAR
);

-- One row per complaint per version: its topic (confidence, method) and its own pain point, decided per
-- complaint (painpoints/): confidence, status (assigned | uncertain: the best guess is kept), source
-- (taxonomy | classifier | correction | operator_category | topic_curation | not_a_complaint | none | topic),
-- evidence (JSON list of the words that decided) and the runner-up. A topic's complaints share its pain point.
CREATE TABLE IF NOT EXISTS assignments (
    version INTEGER, complaint_id VARCHAR, topic_id INTEGER, painpoint VARCHAR, confidence DOUBLE,
    method VARCHAR, painpoint_confidence DOUBLE, painpoint_status VARCHAR, painpoint_source VARCHAR,
    painpoint_evidence VARCHAR, painpoint_second VARCHAR
);

-- Analysts' per-complaint pain-point corrections (command or corrections file); the newest row per
-- complaint wins, a NULL pain point withdraws it. Training data at the next fit/update.
CREATE TABLE IF NOT EXISTS painpoint_corrections (
    complaint_id VARCHAR, painpoint VARCHAR, note VARCHAR, source VARCHAR, created_at TIMESTAMP
);

-- Analyst curation keyed by stable topic id; applied to every later version.
CREATE TABLE IF NOT EXISTS curation (
    topic_id INTEGER, label VARCHAR, painpoint VARCHAR, merged_into INTEGER, updated_at TIMESTAMP
);

-- One row per topic per `complaints update`: its share of this run's complaints against the period before.
CREATE TABLE IF NOT EXISTS drift (
    version INTEGER, topic_id INTEGER, label VARCHAR, painpoint VARCHAR, n_now INTEGER, share_now DOUBLE,
    n_prev INTEGER, share_prev DOUBLE, change DOUBLE, is_new BOOLEAN, period_start TIMESTAMP,
    period_end TIMESTAMP, prev_start TIMESTAMP, prev_end TIMESTAMP
);
