"""Topics nested under a per-complaint pain point: a clustering option bench/topic_nmi.py measures (issue 15).

A topic found by clustering is about one product or service (流量包, 彩铃, 宽带), while an
operator's categories, and our pain points, are about what went wrong with it (charged without
consent, a marketing promise broken, a fault). `nest_topics` splits every topic by its
complaints' pain point: a (topic, pain point) cell with at least `min_size` complaints becomes a
topic of its own, and a complaint in a smaller cell joins the nearest big cell of its own pain
point (or stays in its topic's biggest cell when its pain point has none), so every topic holds
one pain point. `complaint_painpoints` is the zero-shot per-complaint pain point it was measured
with: taxonomy seed words, then a classifier self-trained on the clearly seeded complaints (the
weak signal of taxonomy.PainPointMapper). Issue 14 owns the per-complaint pain point and the
fit's orchestration (painpoints/, topics/nesting.py); this is a measuring aid, not production code.
"""

from __future__ import annotations

import numpy as np

from complaints.topics.assign import unit_rows

NONE = -2  # a complaint without a pain point: it stays in its topic's biggest cell


def complaint_painpoints(tokens: list[list[str]], lexicons: str | None = None,
                         margin: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """(pain point index per complaint, whether its seed words decided it clearly). Zero-shot."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from complaints.topics.taxonomy import OTHER, PainPointMapper, load_taxonomy

    tax = [p for p in load_taxonomy(lexicons) if p.key != OTHER]
    hits = PainPointMapper(tax).doc_seed_hits(tokens)
    top2 = np.sort(hits, axis=1)[:, -2:]
    clear = (top2[:, 1] > 0) & (top2[:, 1] >= margin * top2[:, 0])
    seeded = hits.argmax(axis=1)
    if clear.sum() < 20 or len(set(seeded[clear].tolist())) < 2:
        return np.where(top2[:, 1] > 0, seeded, NONE), clear
    x = TfidfVectorizer(analyzer=lambda t: t, min_df=2, sublinear_tf=True).fit_transform(tokens)
    clf = LogisticRegression(C=4.0, max_iter=500, class_weight="balanced").fit(x[clear], seeded[clear])
    guess = clf.classes_[clf.predict_proba(x).argmax(axis=1)]
    return np.where(clear, seeded, guess).astype(np.int64), clear


def nest_topics(labels: np.ndarray, painpoints: np.ndarray, vectors: np.ndarray, min_size: int) -> np.ndarray:
    """Topic labels split by pain point (see the module docstring); outliers (-1) stay outliers."""
    labels = np.asarray(labels)
    painpoints = np.asarray(painpoints)
    out = labels.copy()
    unit = unit_rows(vectors)
    next_id = int(labels.max()) + 1 if len(labels) else 0
    cells: dict[tuple[int, int], int] = {}  # (topic, pain point) -> new topic id, for the big cells
    main: dict[int, int] = {}
    for t in sorted(set(labels.tolist()) - {-1}):
        members = labels == t
        sizes = {int(p): int((members & (painpoints == p)).sum()) for p in set(painpoints[members].tolist()) if p != NONE}
        big = sorted((p for p, k in sizes.items() if k >= min_size), key=lambda p: -sizes[p])
        if not big:
            main[t] = t
            continue
        for k, p in enumerate(big):
            cells[(t, p)] = t if k == 0 else next_id
            next_id += k > 0
        main[t] = t
    centre = {cid: unit[np.flatnonzero((labels == t) & (painpoints == p))].mean(axis=0) for (t, p), cid in cells.items()}
    by_pain: dict[int, list[int]] = {}
    for (_, p), cid in cells.items():
        by_pain.setdefault(p, []).append(cid)
    for i in np.flatnonzero(labels != -1):
        t, p = int(labels[i]), int(painpoints[i])
        if (t, p) in cells:
            out[i] = cells[(t, p)]
        elif p in by_pain:  # a small cell: the nearest big cell of its own pain point
            out[i] = max(by_pain[p], key=lambda c: float(unit[i] @ centre[c]))
        else:
            out[i] = main[t]
    return out
