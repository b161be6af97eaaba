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
