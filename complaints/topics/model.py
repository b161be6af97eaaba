"""TopicModel: BERTopic configured for Chinese complaints, behind scikit-learn's estimator contract."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .cluster import make_clustering
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


def knn_vote(space: np.ndarray, labels: np.ndarray, k: int = 10, share: float = 0.5) -> np.ndarray:
    """An outlier joins the topic that at least `share` of its `k` nearest clustered complaints hold
    (in the space the clusters were found in); without such a majority it stays an outlier, rather
    than being pushed into the least-bad topic as nearest-centroid reduction does."""
    out = labels.copy()
    core = np.flatnonzero(labels != OUTLIER)
    todo = np.flatnonzero(labels == OUTLIER)
    if not len(core) or not len(todo):
        return out
    k = min(k, len(core))
    for start in range(0, len(todo), 512):
        rows = todo[start:start + 512]
        d = ((space[rows, None, :] - space[None, core, :]) ** 2).sum(-1)
        nn = core[np.argpartition(d, k - 1, axis=1)[:, :k]]
        for r, neigh in zip(rows, labels[nn]):
            vals, counts = np.unique(neigh, return_counts=True)
            if counts.max() >= share * k:
                out[r] = vals[counts.argmax()]
    return out


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
            clauses: list[list[list[str]]] | None = None) -> "TopicModel":
        """`clauses`: each text's tokens per clause, as `Segmenter.cut_clauses` gives them (computed
        here when not given); labels are phrases inside one clause."""
        import logging

        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer


        texts = list(texts)
        n = len(texts)
        embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
        np.random.seed(self.seed)
        mts = self._min_topic_size(n)
        strategy = make_clustering(self.clustering, self.n_topics)
        reducer, clusterer = strategy.build(n, mts, self.seed)
        self.tokenizer_ = ChineseTokenizer(self.lexicons, segmenter=self.segmenter)
        vectorizer = make_vectorizer(self.tokenizer_, min_df=2 if n >= 200 else 1)
        model = BERTopic(language="multilingual", embedding_model=None, umap_model=reducer,
                         hdbscan_model=clusterer, vectorizer_model=vectorizer,
                         ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                         top_n_words=max(30, self.top_n_words), min_topic_size=mts,
                         calculate_probabilities=False, verbose=False)
        logging.getLogger("BERTopic").setLevel(logging.ERROR)  # BERTopic() resets it to WARNING
        initial, _ = model.fit_transform(texts, embeddings=embeddings)
        initial = np.asarray(initial)
        if not (initial != OUTLIER).any():
            # Density clustering found nothing (small or uniform library): fall back to k-means
            # rather than leave every complaint unassigned.
            reducer, clusterer = make_clustering("kmeans", max(2, n // mts)).build(n, mts, self.seed)
            model = BERTopic(language="multilingual", embedding_model=None, umap_model=reducer,
                             hdbscan_model=clusterer, vectorizer_model=vectorizer,
                             ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
                             top_n_words=max(30, self.top_n_words), min_topic_size=mts, verbose=False)
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
        if clauses is None:
            clauses = [self.tokenizer_.segmenter.cut_clauses(t) for t in texts]
        picker = LabelPicker(seed=self.seed).fit([[w for c in cl for w in c] for cl in clauses], self.labels_,
                                                 self.keywords_, clauses=clauses)
        self.names_ = {t: picker.labels_[t] for t in self.topics_}
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
