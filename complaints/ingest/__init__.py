"""Ingest: the library's only door for operator files.

Reads complaint, customer and port-event exports (CSV in UTF-8 or GB18030, XLSX, JSONL, Parquet;
`readers`), maps their Chinese or English headers to the canonical fields (`schema`), parses the
many date spellings of Chinese exports (`dates`), turns each row into a canonical record or a
reject with file, row, column and reason (`validate`), hashes customer keys with the library's
secret (`keys`), and writes a whole file in one transaction (`pipeline.ingest_file`), linking
repeat complaints of the same customer afterwards (`repeats`); `kinds` warns when a file's columns
fit another kind better. Text is cleaned and masked on the
way in by `complaints.text`. Produces rows in the store's complaints, customers, port_events,
batches and rejects tables.
"""
