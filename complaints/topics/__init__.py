"""Topics: pain-point topics that stay stable as batches arrive.

`fit` learns the library's ticket form (`modelform`, saved with the version), embeds the
complaints' modelling view (via `complaints.embed`), clusters them with BERTopic for Chinese
(`model`, `cluster`, `vectorizer`), names each topic with a readable phrase (`labels`), maps every
topic to the analysts' pain-point taxonomy (`taxonomy`, lexicons/painpoints.yaml) and gives topics
stable ids across refits (`stable_ids`). `update` places new complaints on the fitted topics
(`assign`: centroids, per-topic thresholds, neighbour vote), finds emerging topics among all new
complaints (`emerging`, with the complaint-content gate of `content`) and records the drift
(`drift`). `catalog` reads a version's topics with curation applied, `curate` is the analysts'
rename / merge / re-map, and `compact` writes the light artifact that `complaints.classify` reads.
Reads masked complaint texts from the store; produces model versions, topics and per-complaint
assignments in the store and artifacts under models/vN/.
"""
