"""Demo: a generated operator for tests, benchmarks and `complaints demo`.

`generate` writes a synthetic province's customers, complaints (hotline tickets, app forms, a GBK
Weibo export, regulator appeals, with planted PII, traditional characters, repeats and bad rows),
port events and the planted ground truth (pain points, an emerging issue, porting effects);
`command` runs the whole pipeline on it (ingest, fit, report). It is a test fixture, not the
truth: quality is measured on real text in ../shared/data as well.

`generate` runs the steps in the order of their random draws: `customers`, `complaint_events`,
`porting`, `tickets`, `exports`, `truth`. They read the data tables in `vocabulary`; the texts come
from `textmaker`, dressed by `noise` (with fake personal data from `pii`); `helpers` holds two
small shared functions.
"""
