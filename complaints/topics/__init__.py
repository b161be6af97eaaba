"""Topics: pain-point topics that stay stable as batches arrive, each nested under one pain point.

`fit` learns the library's ticket form (`modelform`, saved with the version), takes each
complaint's own pain point from `complaints.painpoints` (decided first), embeds the complaints'
modelling view (via `complaints.embed`), clusters them with BERTopic for Chinese within each pain
point (`model`, `within`, `cluster`, `vectorizer`), names each topic with a readable phrase
(`labels`), keeps curation and corrections nested (`nesting`: a topic has one pain point and all
its complaints carry it) and gives topics stable ids across refits (`stable_ids`). `update`
places new complaints on the fitted topics of their pain point (`assign`: centroids, per-topic
thresholds, neighbour vote), finds emerging topics among all new complaints (`emerging`, with the
complaint-content gate of `content`), re-nests after a pain-point refit (`renest`) and records the
drift (`drift`). `catalog` reads a version's topics with curation applied, `curate` is the
analysts' rename / merge / re-map, and `compact` writes the light artifact that
`complaints.classify` reads (with `known`: the library's own texts, so classify answers them as
the library holds them). Reads masked complaint texts and pain-point decisions; produces model
versions, topics and per-complaint assignments in the store and artifacts under models/vN/.
"""
