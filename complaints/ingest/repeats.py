"""Repeat complaints: the same customer saying nearly the same thing again within 30 days."""

from __future__ import annotations

import re
from datetime import timedelta

import pandas as pd

from ..text.mask import PLACEHOLDER_RE
from ..store import LibraryStore

WINDOW = timedelta(days=30)
# Near-identical: most bigrams shared overall, and the shorter text almost wholly inside the
# longer one (a re-submission often adds "之前反映过一直没人处理!").
MIN_JACCARD = 0.6
MIN_CONTAINMENT = 0.85
_NOISE = re.compile(r"[\W_]+")


def _shingles(text: str) -> frozenset[str]:
    s = _NOISE.sub("", PLACEHOLDER_RE.sub("", text))
    return frozenset(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset([s])


def _near(sa: frozenset[str], sb: frozenset[str]) -> bool:
    if not sa or not sb:
        return False
    inter = len(sa & sb)
    return inter >= MIN_JACCARD * len(sa | sb) and inter >= MIN_CONTAINMENT * min(len(sa), len(sb))


def near_identical(a: str, b: str) -> bool:
    """Character-bigram overlap, ignoring punctuation, spaces and PII placeholders."""
    return _near(_shingles(a), _shingles(b))


def find_repeats(frame: pd.DataFrame, window: timedelta = WINDOW) -> dict[str, str]:
    """{complaint_id: id of the first complaint of its chain} for a frame with
    complaint_id, customer_key, received_at, text (any order, dated rows only)."""
    out: dict[str, str] = {}
    frame = frame.sort_values(["customer_key", "received_at", "complaint_id"])
    keys = frame["customer_key"].tolist()
    ids = frame["complaint_id"].tolist()
    whens = frame["received_at"].tolist()
    texts = frame["text"].tolist()
    seen: list[tuple[str, object, frozenset[str]]] = []
    for i, key in enumerate(keys):
        if i == 0 or key != keys[i - 1]:
            seen = []
        # most customers complain once: skip shingling when no neighbour shares the key
        if not seen and (i + 1 == len(keys) or keys[i + 1] != key):
            continue
        cid, when, sh = ids[i], whens[i], _shingles(texts[i])
        for pid, pwhen, psh in reversed(seen):
            if when - pwhen > window:
                break
            if _near(sh, psh):
                out[cid] = out.get(pid, pid)
                break
        seen.append((cid, when, sh))
    return out


def relink_repeats(store: LibraryStore, customer_keys: list[str]) -> int:
    """Recompute repeat links for these customers over everything the library holds for them,
    so a late-arriving earlier complaint becomes the first of its chain. Returns repeats set."""
    if not customer_keys:
        return 0
    keys = pd.DataFrame({"customer_key": sorted(set(customer_keys))})
    store.execute("CREATE OR REPLACE TEMP TABLE _keys (customer_key VARCHAR)")
    store.append("_keys", keys)
    rows = store.query(
        "SELECT c.complaint_id, c.customer_key, c.received_at, c.text FROM complaints c "
        "JOIN _keys USING (customer_key) WHERE c.received_at IS NOT NULL"
    )
    links = find_repeats(rows)
    store.execute("UPDATE complaints SET repeat_of = NULL WHERE customer_key IN (SELECT customer_key FROM _keys)")
    if links:
        store.execute("CREATE OR REPLACE TEMP TABLE _links (complaint_id VARCHAR, repeat_of VARCHAR)")
        store.append("_links", pd.DataFrame(list(links.items()), columns=["complaint_id", "repeat_of"]))
        store.execute("UPDATE complaints SET repeat_of = l.repeat_of FROM _links l "
                      "WHERE complaints.complaint_id = l.complaint_id")
        store.execute("DROP TABLE _links")
    store.execute("DROP TABLE _keys")
    return len(links)
