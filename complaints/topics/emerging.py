"""Emerging topics: groups among the complaints no existing topic claims that are big and tight enough.

New complaints that `complaints update` cannot place are clustered (HDBSCAN on their unit
embeddings); a group becomes an emerging topic only if it has at least `min_size` members and
its members sit as close to their centre as an ordinary topic's do (`min_coherence`).
Keywords come from class-based TF-IDF against the existing topics, as BERTopic computes it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .assign import UNASSIGNED, unit_rows


def ctfidf_keywords(classes: list[list[list[str]]], top_n: int = 10) -> list[list[tuple[str, float]]]:
    """BERTopic's c-TF-IDF (l1 tf, sqrt for frequent words, idf = log(1 + mean words per class / term
    frequency)) over classes of tokenised documents; the top words of each class."""
    counts = [Counter(t for doc in docs for t in doc) for docs in classes]
    total = Counter()
    for c in counts:
        total.update(c)
    if not total:
        return [[] for _ in classes]
    avg = sum(total.values()) / max(1, len(classes))
    out = []
    for c in counts:
        n = sum(c.values()) or 1
        scores = {w: np.sqrt(k / n) * np.log(1 + avg / total[w]) for w, k in c.items()}
        out.append([(w, float(s)) for w, s in sorted(scores.items(), key=lambda x: -x[1])[:top_n]])
    return out


def mmr(centroid: np.ndarray, word_vectors: np.ndarray, words: list[str], top_n: int = 10,
        diversity: float = 0.3) -> list[str]:
    """Maximal marginal relevance: words close to the topic but not to the words already picked."""
    if len(words) <= top_n:
        return list(words)
    wv = unit_rows(word_vectors)
    rel = wv @ unit_rows(centroid[None, :])[0]
    picked = [int(np.argmax(rel))]
    rest = [i for i in range(len(words)) if i != picked[0]]
    while len(picked) < top_n and rest:
        red = (wv[rest] @ wv[picked].T).max(axis=1)
        score = (1 - diversity) * rel[rest] - diversity * red
        best = rest[int(np.argmax(score))]
        picked.append(best)
        rest.remove(best)
    return [words[i] for i in picked]


class EmergingTopics:
    """Learned: `labels_` (index of the emerging group per row, -1 none), `groups_` (member rows),
    `centroids_`, `coherence_` (mean cosine of members to their centre).

    HDBSCAN first finds tight fragments of at least `fragment_size`; a new issue told in several
    ways comes out as several fragments, so fragments whose top c-TF-IDF keywords (against
    `background`, the existing topics' complaints) share `merge_shared` words are joined. Only
    joined groups of at least `min_size` members become emerging topics.
    """

    def __init__(self, min_size: int = 10, min_coherence: float = 0.3, fragment_size: int = 10,
                 merge_shared: int = 2) -> None:
        self.min_size = min_size
        self.min_coherence = min_coherence
        self.fragment_size = fragment_size
        self.merge_shared = merge_shared

    def fit(self, vectors: np.ndarray, tokens: list[list[str]],
            background: list[list[list[str]]] | None = None) -> "EmergingTopics":
        """`vectors` in the model's embedding space; `tokens` let words the model never saw count too."""
        vectors = unit_rows(vectors)
        n = len(vectors)
        self.labels_ = np.full(n, UNASSIGNED, dtype=np.int64)
        self.groups_, self.centroids_, self.coherence_ = [], [], []
        size = max(2, min(self.fragment_size, self.min_size))
        if n < max(size, self.min_size):
            return self
        from sklearn.cluster import HDBSCAN

        raw = HDBSCAN(min_cluster_size=size, min_samples=max(2, size // 2), cluster_selection_method="eom",
                      copy=True).fit_predict(self._space(vectors, tokens))
        fragments = []
        for g in sorted(set(raw.tolist()) - {-1}):
            rows = np.flatnonzero(raw == g)
            c = unit_rows(vectors[rows].mean(axis=0)[None, :])[0]
            if float((vectors[rows] @ c).mean()) >= self.min_coherence:
                fragments.append(rows)
        for rows in self._join(fragments, tokens, background or []):
            if len(rows) >= self.min_size:
                c = unit_rows(vectors[rows].mean(axis=0)[None, :])[0]
                self.labels_[rows] = len(self.groups_)
                self.groups_.append(rows)
                self.centroids_.append(c)
                self.coherence_.append(float((vectors[rows] @ c).mean()))
        return self

    def _join(self, fragments: list[np.ndarray], tokens: list[list[str]],
              background: list[list[list[str]]]) -> list[np.ndarray]:
        """Union fragments whose top-10 keywords share at least `merge_shared` words."""
        if len(fragments) < 2:
            return fragments
        kws = ctfidf_keywords([[tokens[i] for i in rows] for rows in fragments] + background, 10)[: len(fragments)]
        sets = [{w for w, _ in k} for k in kws]
        parent = list(range(len(fragments)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(fragments)):
            for j in range(i + 1, len(fragments)):
                if len(sets[i] & sets[j]) >= self.merge_shared:
                    parent[root(j)] = root(i)
        joined: dict[int, list[np.ndarray]] = {}
        for i, rows in enumerate(fragments):
            joined.setdefault(root(i), []).append(rows)
        return [np.sort(np.concatenate(parts)) for parts in joined.values()]

    @staticmethod
    def _space(vectors: np.ndarray, tokens: list[list[str]]) -> np.ndarray:
        """The model's vectors next to a TF-IDF fitted on these complaints alone: a new issue
        brings new words (系统升级, 重复扣费) that the fitted vocabulary has never seen."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        try:
            X = TfidfVectorizer(analyzer=lambda t: t, min_df=2, sublinear_tf=True).fit_transform(tokens)
        except ValueError:  # no word shared by two complaints
            return vectors
        k = min(50, X.shape[1] - 1, len(tokens) - 1)
        if k < 2:
            return vectors
        local = unit_rows(TruncatedSVD(k, random_state=0).fit_transform(X))
        return np.hstack([vectors, local]) / np.sqrt(2)

    def representatives(self, vectors: np.ndarray, texts: list[str], k: int = 5) -> list[list[int]]:
        """Per group, the `k` members nearest its centre, without repeating a text."""
        vectors = unit_rows(vectors)
        out = []
        for rows, c in zip(self.groups_, self.centroids_):
            picked, seen = [], set()
            for i in rows[np.argsort(-(vectors[rows] @ c))]:
                if texts[i] not in seen:
                    picked.append(int(i))
                    seen.add(texts[i])
                if len(picked) == k:
                    break
            out.append(picked)
        return out
