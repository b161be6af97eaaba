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

CREATE TABLE IF NOT EXISTS assignments (
    version INTEGER, complaint_id VARCHAR, topic_id INTEGER, painpoint VARCHAR, confidence DOUBLE,
    method VARCHAR
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
