"""Classify: put a new complaint in its place without the heavy topic stack.

`topic_classifier` answers `complaints classify` from the compact artifact that every fit and
update writes (models/vN/classify: JSON + memory-mapped .npy, a jieba dictionary subset): it
cleans and masks the text, embeds it with the fitted embedder, and returns the stable topic, its
pain point, confidence and similar past complaints, importing neither BERTopic, torch, DuckDB nor
pandas. The `supervised` package is the optional classifier trained on an operator's own labels
(TF-IDF linear models stacked, optionally with e5), and `labelled` reads those labels from the
library or a file to train and cross-validate it. Reads the library's artifacts and texts; produces
per-complaint results as dicts, JSON lines or tables.
"""
