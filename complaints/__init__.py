"""complaints: a living library of a mobile operator's Chinese customer complaints.

The folders follow the data flow:

    ingest/   files -> canonical rows, rejects with reasons           (readers, schema, validate, pipeline)
    text/     clean, mask personal data, segment with jieba            (normalize, mask, segment, lexicons)
    store/    the library file (DuckDB) behind a small interface       (open_store, stats)
    embed/    pluggable embedders and their cache
    topics/   fit / update stable pain-point topics, taxonomy, curation, the classify artifact
    classify/ classify new complaints from the artifact; the supervised classifier
    churn/    link complaints to customers and port events; lift, features, churn model
    report/   service-improvement reports and exports
    spark/    the same classify and features on Apache Spark
    demo/     the generated operator used by tests, benches and `complaints demo`
    cli/      the `complaints` commands, one small module per group over a thin shell

The shared core sits at the top: `config` (where a library lives, its secret key), `errors`,
`lock` (one writer at a time), `artifacts` (reading artifacts safely) and `cells` (making a value
safe for the spreadsheet, CSV, Markdown or terminal it is written to; every writer uses it) and
`outputs` (an --out path is checked before any work is done).
"""

__version__ = "0.1.0"
