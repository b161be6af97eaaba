"""Emerging topics: groups among the new complaints that are big and tight enough, and new.

New complaints (all those with content: `scan_rows`) are clustered (HDBSCAN on their unit
embeddings); a group becomes an emerging topic only if it has at least `min_size` members and
either its members sit as close to their centre as an ordinary topic's do (`min_coherence`) or
they share a signature: a word most of them use that the existing topics' complaints hardly
ever do (系统升级 in a new billing fault). The second test matters because a new issue is told
with words the fitted embedder has never seen, so in its space the group looks loose.
Keywords come from class-based TF-IDF against the existing topics, as BERTopic computes it.
`emerging_members` decides which groups are new issues and who belongs to them (signature
membership, the content gate of content.py).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .assign import UNASSIGNED, unit_rows


def ctfidf_keywords(classes: list[list[list[str]]], top_n: int = 10, min_docs: int = 2) -> list[list[tuple[str, float]]]:
    """BERTopic's c-TF-IDF (l1 tf, sqrt for frequent words, idf = log(1 + mean words per class / term
    frequency)) over classes of tokenised documents; the top words of each class. A keyword must
    come from at least `min_docs` of its class's documents (when it has that many): in a small new
    group one complaint's odd token (量少, 我费 — jieba cutting an unusual phrase) is not a theme."""
    counts = [Counter(t for doc in docs for t in doc) for docs in classes]
    shared = [None if len(docs) < min_docs else {t for t, k in Counter(t for doc in docs for t in set(doc)).items()
                                                 if k >= min_docs} or None for docs in classes]
    total = Counter()
    for c in counts:
        total.update(c)
    if not total:
        return [[] for _ in classes]
    avg = sum(total.values()) / max(1, len(classes))
    out = []
    for c, keep in zip(counts, shared):
        n = sum(c.values()) or 1
        scores = {w: np.sqrt(k / n) * np.log(1 + avg / total[w]) for w, k in c.items() if keep is None or w in keep}
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


def _wordlike(w: str) -> bool:
    """A word of two or more characters, not a placeholder: a lone character (成, 扣) says nothing new."""
    return len(w) >= 2 and not w.startswith("<") and any(ch.isalnum() for ch in w)


def _centre(vectors: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """The unit centre of these rows and their mean cosine to it (their coherence)."""
    c = unit_rows(vectors[rows].mean(axis=0)[None, :])[0]
    return c, float((vectors[rows] @ c).mean())


class EmergingTopics:
    """Learned: `labels_` (index of the emerging group per row, -1 none), `groups_` (member rows),
    `centroids_`, `coherence_` (mean cosine of members to their centre).

    HDBSCAN first finds tight fragments of at least `fragment_size`; a new issue told in several
    ways comes out as several fragments, so fragments whose top c-TF-IDF keywords (against
    `background`, the existing topics' complaints) share `merge_shared` words are joined. Only
    joined groups of at least `min_size` members become emerging topics. A fragment too loose for
    `min_coherence` still counts when a word is used by at least `signature_share` of its members
    and `signature_lift` times more often than in `background`; `signatures_` holds each group's
    such word (None if it has none and coherence alone admitted it).

    New vocabulary is also looked for word first: a word that at most `new_share` of the background
    uses (eSIM, 手表 in a batch of ordinary tickets) and at least `fragment_size` new complaints use
    is a fragment of its own, so a new issue is found even when HDBSCAN mixes its complaints with
    others. `new_words_` holds, per group, the new words a fifth of its members use: the words that
    make a complaint a member (`emerging_members`).
    """

    def __init__(self, min_size: int = 10, min_coherence: float = 0.3, fragment_size: int = 10,
                 merge_shared: int = 2, signature_share: float = 0.5, signature_lift: float = 100.0,
                 new_share: float = 0.001, new_word_share: float = 0.2) -> None:
        self.min_size = min_size
        self.min_coherence = min_coherence
        self.fragment_size = fragment_size
        self.merge_shared = merge_shared
        self.signature_share = signature_share
        self.signature_lift = signature_lift
        self.new_share = new_share
        self.new_word_share = new_word_share

    def fit(self, vectors: np.ndarray, tokens: list[list[str]],
            background: list[list[list[str]]] | None = None) -> "EmergingTopics":
        """`vectors` in the model's embedding space; `tokens` let words the model never saw count too."""
        vectors = unit_rows(vectors)
        n = len(vectors)
        self.labels_ = np.full(n, UNASSIGNED, dtype=np.int64)
        self.groups_, self.centroids_, self.coherence_, self.signatures_, self.new_words_ = [], [], [], [], []
        size = max(2, min(self.fragment_size, self.min_size))
        if n < max(size, self.min_size):
            return self
        space = self._space(vectors, tokens)
        raw = self._cluster(space, size, single=False)
        if not (raw >= 0).any():  # one new issue alone among scattered leftovers is still a cluster
            raw = self._cluster(space, size, single=True)
        bg_df = Counter(w for docs in background or [] for doc in docs for w in set(doc))
        n_bg = sum(len(docs) for docs in background or [])
        fragments = []
        for g in sorted(set(raw.tolist()) - {-1}):
            rows = np.flatnonzero(raw == g)
            if _centre(vectors, rows)[1] >= self.min_coherence:
                fragments.append(rows)
            elif (word := self._signature(rows, tokens, bg_df, n_bg)) is not None:
                # the leftovers HDBSCAN called noise that use the signature word belong here too
                extra = [i for i in np.flatnonzero(raw == -1) if word in tokens[i]]
                fragments.append(np.sort(np.concatenate([rows, np.asarray(extra, dtype=rows.dtype)])))
        fragments += self._word_fragments(tokens, bg_df, n_bg, size)
        for rows in self._join(fragments, tokens, background or []):
            if len(rows) >= self.min_size:
                c, coherence = _centre(vectors, rows)
                self.labels_[rows] = len(self.groups_)
                self.groups_.append(rows)
                self.centroids_.append(c)
                self.coherence_.append(coherence)
                new = self._new_words(rows, tokens, bg_df, n_bg)
                self.new_words_.append(new)
                self.signatures_.append(self._signature(rows, tokens, bg_df, n_bg) or (new[0] if new else None))
        return self

    def _is_new(self, word: str, bg_df: Counter, n_bg: int) -> bool:
        """At most `new_share` of the background uses it, and all of a group using it would clear the
        signature's lift (so ``signature_lift=inf`` switches new-word detection off as well)."""
        return _wordlike(word) and bg_df[word] <= self.new_share * n_bg \
            and (n_bg + 1) / (bg_df[word] + 1) >= self.signature_lift

    def _word_fragments(self, tokens: list[list[str]], bg_df: Counter, n_bg: int, size: int) -> list[np.ndarray]:
        """The complaints using each word new to the library that enough of them use."""
        users: dict[str, list[int]] = {}
        for i, toks in enumerate(tokens):
            for w in set(toks):
                users.setdefault(w, []).append(i)
        return [np.asarray(rows, dtype=np.int64) for w, rows in sorted(users.items())
                if len(rows) >= size and self._is_new(w, bg_df, n_bg)]

    def _new_words(self, rows: np.ndarray, tokens: list[list[str]], bg_df: Counter, n_bg: int) -> list[str]:
        """The new words at least `new_word_share` of these rows use, most used first."""
        df = Counter(w for i in rows for w in set(tokens[i]))
        return [w for w, k in df.most_common() if k >= self.new_word_share * len(rows) and self._is_new(w, bg_df, n_bg)]

    @staticmethod
    def _cluster(space: np.ndarray, size: int, single: bool) -> np.ndarray:
        from sklearn.cluster import HDBSCAN

        # brute force: in a few hundred dimensions a k-d tree visits every point anyway, and slowly
        return HDBSCAN(min_cluster_size=size, min_samples=max(2, size // 2), cluster_selection_method="eom",
                       allow_single_cluster=single, algorithm="brute", copy=True).fit_predict(space)

    def _signature(self, rows: np.ndarray, tokens: list[list[str]], bg_df: Counter, n_bg: int) -> str | None:
        """The word most over-used by these rows against the background, if it clears both bars."""
        # a word of two or more characters, not a placeholder: a lone character (成, 扣) says nothing new
        df = Counter(w for i in rows for w in set(tokens[i]) if _wordlike(w))
        best, best_lift = None, 0.0
        for w, k in df.items():
            share = k / len(rows)
            lift = share / ((bg_df[w] + 1) / (n_bg + 1))
            if share >= self.signature_share and lift >= self.signature_lift and lift > best_lift:
                best, best_lift = w, lift
        return best

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
        return [np.unique(np.concatenate(parts)) for parts in joined.values()]

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


SCAN_MAX = 5_000  # HDBSCAN's minimum spanning tree costs n² × dimensions: 20,000 rows took minutes


def scan_rows(content: np.ndarray, unplaced: np.ndarray, limit: int = SCAN_MAX, seed: int = 0) -> np.ndarray:
    """The new complaints to look for emerging topics in: every one with content, not only the
    unplaced ones (a new issue told partly in old words is claimed by old topics first: of 30
    planted eSIM tickets among 150 real ones, 15-22 were). Past `limit`, the unplaced ones first
    (a seeded sample of them when they alone are more) and a seeded sample of the placed ones, so
    a big update clusters a bounded set; the new words of a group found there then bring in every
    new complaint that uses them (`emerging_members`)."""
    rows = np.flatnonzero(content)
    if len(rows) <= limit:
        return rows
    rng = np.random.default_rng(seed)
    open_rows = np.flatnonzero(content & unplaced)
    if len(open_rows) > limit:
        open_rows = rng.choice(open_rows, limit, replace=False)
    placed = np.flatnonzero(content & ~unplaced)
    extra = rng.choice(placed, min(len(placed), limit - len(open_rows)), replace=False)
    return np.sort(np.concatenate([open_rows, extra]))


def emerging_members(finder: EmergingTopics, rows: np.ndarray, candidates: np.ndarray, unplaced: np.ndarray,
                     tokens: list[list[str]], gate=None, min_unplaced: float = 0.5) -> list[tuple[str | None, np.ndarray]]:
    """(signature, member rows) of each group `finder` found (fitted on `rows`) that is an emerging topic.

    A group with a signature (new vocabulary) takes every complaint in `candidates` that uses one of
    its new words (its signature when it has none): complaints an old topic claimed too, for a new
    issue is told partly in old words; and a complaint without the new words stays where it is.
    A group without a signature counts only when at least `min_unplaced` of it was unplaced anyway
    (else it is an old topic seen again), and takes its unplaced members. With a `gate`
    (content.ContentGate), a group whose members are mostly questions or chit-chat is dropped.
    A complaint joins at most one emerging topic (the first that claims it)."""
    out, taken = [], np.zeros(len(unplaced), dtype=bool)
    users = _users({w for new, sig in zip(finder.new_words_, finder.signatures_) if sig is not None
                    for w in [*new, sig]}, candidates, tokens)
    for g, signature, new in zip(finder.groups_, finder.signatures_, finder.new_words_):
        members = rows[g]
        own = members[unplaced[members]]
        if signature is not None:
            inside = set(members.tolist())
            # a new word counts when most complaints using it are in the group (无法 rare in the
            # background is no reason to pull in every new complaint that says it)
            words = {w for w in new if _specific(users[w], inside)} or {signature}
            members = np.unique(np.concatenate([np.asarray(users[w], dtype=np.int64) for w in words]))
        elif len(members) and unplaced[members].mean() >= min_unplaced:
            members = own
        else:
            continue
        members = members[~taken[members]]
        if len(members) < max(2, finder.min_size // 2) or (gate is not None and not gate.group_ok(members, tokens)):
            continue
        taken[members] = True
        out.append((signature, members))
    return out


def _users(words: set[str], candidates: np.ndarray, tokens: list[list[str]]) -> dict[str, list[int]]:
    """The candidates using each of `words`, in one pass (a big update has tens of thousands)."""
    out: dict[str, list[int]] = {w: [] for w in words}
    for i in candidates:
        for w in words.intersection(tokens[i]):
            out[w].append(int(i))
    return out


def _specific(users: list[int], inside: set[int], share: float = 0.5) -> bool:
    """Most complaints using the word (`users`) are in the group."""
    return bool(users) and sum(i in inside for i in users) >= share * len(users)
