"""TopicModel: BERTopic configured for Chinese complaints, behind scikit-learn's estimator contract."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .cluster import knn_vote, make_clustering
from .labels import LabelPicker
from .vectorizer import ChineseTokenizer, make_vectorizer

OUTLIER = -1
# Measured on real tickets and Weibo complaints (bench/topic_real.py, bench/README.md): excess-of-mass
# clusters with min_samples 2 and the kNN vote leave 15.5% (tickets) / 37.3% (Weibo) of complaints to
# outlier reduction instead of 32.8% / 68.1% with leaf clusters and centroid reduction, at a higher NMI.
DEFAULT_CLUSTERING = "hdbscan-eom"


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(n == 0, 1, n)


class TopicModel:
    """Fit BERTopic on pre-computed embeddings with a jieba vectorizer and outlier reduction.

    Learned attributes (after `fit`): `labels_` (raw topic per document, -1 = outlier),
    `topics_` (raw topic ids), `keywords_`, `keywords_diverse_`, `names_` (a readable label per
    topic, `labels.LabelPicker`), `centroids_`, `sizes_`, `representatives_`, `confidence_`,
    `method_` ("cluster", "outlier_reduction" or "outlier"), `bertopic_`.

    `segmenter` is the fit's modelling view (text/view.py): c-TF-IDF keywords and labels are
    computed on its tokens. `outlier_strategy` "knn" lets an outlier join a topic only when most
    of its nearest clustered complaints hold it; "embeddings" (nearest centroid) places every one.
    """

    def __init__(self, clustering: str = DEFAULT_CLUSTERING, min_topic_size: int | None = None, n_topics: int | None = None,
                 top_n_words: int = 10, n_examples: int = 5, reduce_outliers: bool = True,
                 outlier_threshold: float = 0.0, seed: int = 42, lexicons: str | None = None,
                 outlier_strategy: str = "knn", knn: int = 10, knn_share: float = 0.5,
                 segmenter=None) -> None:
        self.segmenter = segmenter
        self.outlier_strategy = outlier_strategy
        self.knn = knn
        self.knn_share = knn_share
        self.clustering = clustering
        self.min_topic_size = min_topic_size
        self.n_topics = n_topics
        self.top_n_words = top_n_words
        self.n_examples = n_examples
        self.reduce_outliers = reduce_outliers
        self.outlier_threshold = outlier_threshold
        self.seed = seed
        self.lexicons = lexicons

    def _min_topic_size(self, n: int) -> int:
        # Enough complaints per topic for an analyst to act on; scales with the library. n/80 (25 on
        # 2,000 real tickets) measured best with excess-of-mass clusters (bench/topic_real.py).
        return self.min_topic_size or int(max(15, min(500, round(n / 80))))

    def fit(self, texts: Sequence[str], embeddings: np.ndarray, embedder=None,
            clauses: list[list[list[str]]] | None = None, y: Sequence[int] | None = None,
            groups: Sequence[str] | None = None) -> "TopicModel":
        """`clauses`: each text's tokens per clause, as `Segmenter.cut_clauses` gives them (computed
        here when not given); labels are phrases inside one clause. `y`: an optional class per text
        (-1 = unknown) for semi-supervised UMAP (BERTopic's `y=`); `groups`: a group per text (its pain
        point): topics are then clustered within each group (within.py)."""

        from bertopic.vectorizers import ClassTfidfTransformer


        texts = list(texts)
        n = len(texts)
        embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
        np.random.seed(self.seed)
        mts = self._min_topic_size(n)
        self.tokenizer_ = ChineseTokenizer(self.lexicons, segmenter=self.segmenter)
        self._clauses = clauses if clauses is not None else [self.tokenizer_.segmenter.cut_clauses(t) for t in texts]
        self.tokenizer_.remember(texts, self._clauses)
        if groups is not None:
            return self._fit_within(texts, embeddings, embedder, np.asarray(groups, dtype=object), mts)
        strategy = make_clustering(self.clustering, self.n_topics)
        reducer, clusterer = strategy.build(n, mts, self.seed)
        vectorizer = make_vectorizer(self.tokenizer_, min_df=2 if n >= 200 else 1)
        model = self._bertopic(reducer, clusterer, vectorizer, mts)
        initial, _ = model.fit_transform(texts, embeddings=embeddings, y=None if y is None else list(y))
        initial = np.asarray(initial)
        if not (initial != OUTLIER).any():
            # Density clustering found nothing (small or uniform library): fall back to k-means
            # rather than leave every complaint unassigned.
            reducer, clusterer = make_clustering("kmeans", max(2, n // mts)).build(n, mts, self.seed)
            model = self._bertopic(reducer, clusterer, vectorizer, mts)
            initial = np.asarray(model.fit_transform(texts, embeddings=embeddings)[0])
            self.clustering_used_ = "kmeans"
        else:
            self.clustering_used_ = self.clustering
        labels = initial.copy()
        if self.reduce_outliers and (labels == OUTLIER).any() and (labels != OUTLIER).any():
            if self.outlier_strategy == "knn" and hasattr(model.umap_model, "embedding_"):
                labels = knn_vote(np.asarray(model.umap_model.embedding_), labels, self.knn, self.knn_share)
            else:
                labels = np.asarray(model.reduce_outliers(texts, labels.tolist(), strategy="embeddings",
                                                          embeddings=embeddings, threshold=self.outlier_threshold))
            # update_topics silently falls back to an English CountVectorizer unless given ours
            model.update_topics(texts, topics=labels.tolist(), top_n_words=max(30, self.top_n_words),
                                vectorizer_model=vectorizer,
                                ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True))
        self.bertopic_ = model
        self.initial_labels_ = initial
        self.labels_ = labels
        self.min_topic_size_ = mts
        self._describe(texts, embeddings, embedder)
        return self

    def _bertopic(self, reducer, clusterer, vectorizer, mts: int):
        """BERTopic as every fit path here configures it (no probabilities: outliers are placed apart)."""
        import logging

        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer

        model = BERTopic(language="multilingual", embedding_model=None, umap_model=reducer,
                         hdbscan_model=clusterer, vectorizer_model=vectorizer,
                         ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                         top_n_words=max(30, self.top_n_words), min_topic_size=mts,
                         calculate_probabilities=False, verbose=False)
        logging.getLogger("BERTopic").setLevel(logging.ERROR)  # BERTopic() resets it to WARNING
        return model

    def _fit_within(self, texts: list[str], embeddings: np.ndarray, embedder, groups: np.ndarray,
                    mts: int) -> "TopicModel":
        """Topics clustered within each group, then described together by one BERTopic (manual mode)."""

        from bertopic.cluster import BaseCluster
        from bertopic.dimensionality import BaseDimensionalityReduction

        from .within import cluster_within

        outliers = None if not self.reduce_outliers else "knn" if self.outlier_strategy == "knn" else "centroid"
        labels, initial = cluster_within(embeddings, groups, self.clustering, mts, self.n_topics, self.seed,
                                         outliers=outliers, knn=self.knn, knn_share=self.knn_share)
        model = self._bertopic(BaseDimensionalityReduction(), BaseCluster(),
                               make_vectorizer(self.tokenizer_, min_df=2 if len(texts) >= 200 else 1), mts)
        topics = np.asarray(model.fit_transform(texts, embeddings=embeddings, y=labels.tolist())[0])
        self.bertopic_, self.labels_ = model, topics  # BERTopic renumbers topics by size
        self.initial_labels_ = np.where(initial != OUTLIER, topics, OUTLIER)
        self.min_topic_size_, self.clustering_used_ = mts, self.clustering
        self._describe(texts, embeddings, embedder)
        return self

    def relabel(self, texts: Sequence[str], embeddings: np.ndarray, labels: np.ndarray, embedder=None) -> "TopicModel":
        """New topic labels for the same texts (e.g. nested under pain points): keywords, labels,
        centroids, examples and sizes are described again; complaints whose topic changed are no longer core."""
        from bertopic.vectorizers import ClassTfidfTransformer

        texts, labels = list(texts), np.asarray(labels)
        embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
        self.initial_labels_ = np.where(labels == self.labels_, self.initial_labels_, OUTLIER)
        self.labels_ = labels
        self.bertopic_.update_topics(texts, topics=labels.tolist(), top_n_words=max(30, self.top_n_words),
                                     vectorizer_model=self.bertopic_.vectorizer_model,
                                     ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True))
        self._describe(texts, embeddings, embedder)
        return self

    def _describe(self, texts: list[str], embeddings: np.ndarray, embedder) -> None:
        labels = self.labels_
        self.topics_ = sorted(int(t) for t in set(labels.tolist()) if t != OUTLIER)
        self.sizes_ = {t: int((labels == t).sum()) for t in self.topics_}
        self.centroids_ = {t: _unit(embeddings[labels == t].mean(axis=0)) for t in self.topics_}
        self.keywords_, self.keywords_diverse_, self.representatives_ = {}, {}, {}
        for t in self.topics_:
            words = [(w, float(s)) for w, s in (self.bertopic_.get_topic(t) or []) if w]
            self.keywords_[t] = words[: self.top_n_words]
            self.keywords_diverse_[t] = self._diverse(words, self.centroids_[t], embedder)
        conf = np.zeros(len(labels), dtype=np.float32)
        method = np.where(labels == OUTLIER, "outlier",
                          np.where(self.initial_labels_ == OUTLIER, "outlier_reduction", "cluster")).astype(object)
        for t in self.topics_:
            idx = np.flatnonzero(labels == t)
            sims = embeddings[idx] @ self.centroids_[t]
            conf[idx] = np.clip(sims, 0, 1)
            order = idx[np.argsort(-sims)]
            picked, seen = [], set()
            for i in order:
                if texts[i] not in seen:
                    picked.append(int(i))
                    seen.add(texts[i])
                if len(picked) == self.n_examples:
                    break
            self.representatives_[t] = picked
        self.confidence_ = conf
        self.method_ = method
        clauses = self._clauses
        picker = LabelPicker(seed=self.seed).fit([[w for c in cl for w in c] for cl in clauses], labels,
                                                 self.keywords_, clauses=clauses)
        self.names_ = {t: picker.labels_[t] for t in self.topics_}

    def _diverse(self, words: list[tuple[str, float]], centroid: np.ndarray, embedder, top_n: int | None = None):
        """MMR over the top c-TF-IDF words: relevant to the topic but not repeating one another."""
        top_n = top_n or self.top_n_words
        if embedder is None or len(words) <= top_n:
            return [w for w, _ in words[:top_n]]
        from .emerging import mmr

        cand = [w for w, _ in words]
        vecs = np.asarray(embedder.transform(cand), dtype=np.float32)
        return mmr(centroid, vecs, cand, top_n=top_n, diversity=0.3)

    @property
    def outlier_share_(self) -> float:
        return float((self.labels_ == OUTLIER).mean()) if len(self.labels_) else 0.0
