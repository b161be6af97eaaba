"""Topics: pain-point topics that stay stable as batches arrive, each nested under one pain point.

`fit` takes each complaint's own pain point from `complaints.painpoints` (decided first), embeds
the library's complaints (via `complaints.embed`), clusters them with BERTopic for Chinese (`model`,
`cluster`, `vectorizer`), nests the topics under the pain points (`nesting`: a topic has one pain
point and all its complaints carry it) and gives topics stable ids across refits (`stable_ids`).
`update` places new complaints on the fitted topics of their pain point (`assign`: centroids,
per-topic thresholds, neighbour vote), turns what fits nowhere into emerging topics (`emerging`),
re-nests after a pain-point refit (`renest`) and records the drift (`drift`). `catalog` reads a
version's topics with curation applied, `curate` is the analysts' rename / merge / re-map, and
`compact` writes the light artifact that `complaints.classify` reads (with `known`: the library's
own texts, so classify answers them as the library holds them). Reads masked complaint texts and
pain-point decisions; produces model versions, topics and per-complaint assignments in the store
and artifacts under models/vN/.
"""
