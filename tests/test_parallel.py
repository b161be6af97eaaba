"""Work on every core: fork_map, packed tokens, the parallel cut and pain-point decisions.

What a million-complaint fit relies on: the forked batches give exactly what one process gives,
in order; packed tokens read back as the segmenter's tokens and clauses; the pain-point classifier
past `fit_max` trains on a bounded set that keeps every labelled complaint.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from complaints.painpoints import stage
from complaints.painpoints.classifier import PainPointClassifier
from complaints.parallel import can_fork, fork_map, ranges
from complaints.text.packed import HeldCorpus, PackedTokens, cut_library, pack, unpack_clauses, unpack_tokens
from complaints.text.segment import Segmenter
from tests.corpus import base_rows
from tests.real_style import tickets

forking = pytest.mark.skipif(not can_fork(), reason="forked workers need Linux fork")


def _texts(n: int = 600) -> list[str]:
    """Short themed complaints and long real-style tickets (form, places, masked numbers)."""
    short = [r[4] if len(r) > 4 else r[-1] for r in base_rows(n // 2)]
    return [t for pair in zip(short, tickets(n // 2, seed=5)["投诉内容"].tolist()) for t in pair]


def _square_with_pid(state, batch):
    offset, unpicklable = state
    return [(x * x + offset + unpicklable(0), os.getpid()) for x in batch]


@forking
def test_fork_map_keeps_order_shares_state_and_uses_workers():
    batches = [list(range(s, s + 5)) for s in range(0, 100, 5)]
    state = (7, lambda x: x)  # a lambda cannot be pickled: the state must reach the workers by fork
    out = list(fork_map(_square_with_pid, state, batches, workers=2))
    assert [v for part in out for v, _ in part] == [x * x + 7 for x in range(100)]
    pids = {pid for part in out for _, pid in part}
    assert os.getpid() not in pids and len(pids) >= 1
    here = list(fork_map(_square_with_pid, state, batches, workers=1))
    assert {pid for part in here for _, pid in part} == {os.getpid()}
    one = list(fork_map(_square_with_pid, state, [[3]], workers=2))  # one batch: no pool for it
    assert one == [[(16, os.getpid())]]


def _nested(state, batch):
    return sum(x for part in fork_map(_square_with_pid, (0, lambda x: x), [batch, batch], workers=2)
               for x, _ in part)


@forking
def test_fork_map_inside_a_worker_runs_in_that_worker():
    assert list(fork_map(_nested, None, [[1, 2], [3]], workers=2)) == [10, 18]


def test_ranges_cover_every_row_once():
    assert ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert ranges(0, 4) == []


def test_packed_tokens_read_back_as_tokens_and_clauses():
    seg = Segmenter()
    texts = _texts(40)
    clauses = [seg.cut_clauses(t) for t in texts]
    packed = PackedTokens([pack(c) for c in clauses])
    assert [packed.clauses(i) for i in range(len(texts))] == clauses
    assert list(packed) == [[w for c in cl for w in c] for cl in clauses]
    assert packed[3] == [w for c in clauses[3] for w in c]
    part = packed[5:9]
    assert isinstance(part, PackedTokens) and list(part) == list(packed)[5:9]
    assert pickle.loads(pickle.dumps(part)).packed == part.packed
    mask = np.arange(len(texts)) % 3 == 0
    assert list(packed.take(mask)) == [t for t, m in zip(packed, mask) if m]
    assert unpack_clauses(pack([])) == [] and unpack_tokens("") == []
    words = unpack_tokens(pack([["信号", "差"], ["信号"]]))
    assert words == ["信号", "差", "信号"] and words[0] is words[2]  # interned: one object per word


@forking
def test_cut_library_on_two_cores_equals_one_process_and_the_dictionary_subset():
    seg = Segmenter()
    texts = _texts(600)
    many, sub = cut_library(seg, texts, workers=2, batch=50, dictionary=True)
    one, sub1 = cut_library(seg, texts, workers=1, batch=50, dictionary=True)
    assert many.packed == one.packed and sub == sub1
    assert [many.clauses(i) for i in range(len(texts))] == [seg.cut_clauses(t) for t in texts]
    assert sub == seg.dictionary_subset(texts)  # classify's dictionary, gathered in the same pass
    _, first = cut_library(seg, texts, workers=2, batch=50, dictionary=True, dictionary_max=100)
    assert first == seg.dictionary_subset(texts[:100])  # bounded: from the first texts only
    seen = []
    cut_library(seg, texts, workers=2, batch=50, progress=lambda d, n: seen.append(d))
    assert seen[0] == 0 and seen[-1] == len(texts) and seen == sorted(seen) and len(seen) > 3


def _supervision(n: int, labelled: dict[int, str]) -> stage.Supervision:
    labels = [labelled.get(i) for i in range(n)]
    return stage.Supervision(labels, [None] * n, [i in labelled for i in range(n)], [None] * n)


def test_fit_rows_keep_every_labelled_complaint_and_stay_bounded():
    sup = _supervision(1000, {3: "network", 997: "billing"})
    assert np.array_equal(stage.fit_rows(sup, 1000, fit_max=None), np.arange(1000))
    assert np.array_equal(stage.fit_rows(sup, 1000, fit_max=1000), np.arange(1000))
    rows = stage.fit_rows(sup, 1000, fit_max=100)
    assert len(rows) == 100 and {3, 997} <= set(rows.tolist()) and len(set(rows.tolist())) == 100
    assert np.array_equal(rows, stage.fit_rows(sup, 1000, fit_max=100))  # the same rows every fit


@forking
def test_decisions_on_two_cores_equal_one_process_and_a_bounded_fit_still_decides_well():
    seg = Segmenter()
    texts = _texts(600)
    tokens, _ = cut_library(seg, texts, workers=1)
    ids = [f"C{i}" for i in range(len(texts))]
    model = PainPointClassifier().fit(texts, list(tokens))
    many = stage.decide(model, ids, texts, tokens, batch=64, workers=2)
    one = stage.decide(model, ids, texts, tokens, batch=64, workers=1)
    assert many.equals(one) and many["complaint_id"].tolist() == ids
    sup = _supervision(len(texts), {1: "network"})
    small, decided = stage.learn_and_decide(sup, ids, HeldCorpus(texts, tokens), None, workers=2, fit_max=200)
    assert decided["complaint_id"].tolist() == ids
    agree = (decided["painpoint"] == one["painpoint"]).mean()
    assert agree >= 0.9, agree  # trained on a third of the texts, it decides nearly all alike
    assert decided.loc[1, "painpoint"] == "network" and decided.loc[1, "painpoint_source"] == "correction"


def test_pain_points_clustered_on_two_cores_equal_one_process():
    """The pool's workers are fresh interpreters, so they cluster after this process has run UMAP's
    OpenMP threads, where forked ones would hang; results equal clustering here."""
    from complaints.topics.within import cluster_within

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 16))
    x = np.vstack([c + 0.15 * rng.normal(size=(70, 16)) for c in centres])
    groups = np.array(["a"] * 140 + ["b"] * 210 + ["c"] * 50 + ["d"] * 20, dtype=object)
    modes = ("knn", "centroid", None)
    one = [cluster_within(x, groups, "hdbscan-eom", 10, seed=3, outliers=m, workers=1) for m in modes]
    many = [cluster_within(x, groups, "hdbscan-eom", 10, seed=3, outliers=m, workers=2, parallel_min=0)
            for m in modes]  # a pool per call: each worker starts UMAP afresh (~20 s)
    for m, a, b in zip(modes, many, one):
        assert all(np.array_equal(u, v) for u, v in zip(a, b)), m
        labels = a[0]
        for g in "abcd":  # topics never straddle pain points; a group too small to split is one topic
            inside = set(labels[groups == g].tolist()) - {-1}
            assert inside and not inside & set(labels[groups != g].tolist())
        assert len(set(labels[groups == "d"].tolist())) == 1


def test_a_lexical_embedder_takes_the_tokens_the_fit_already_cut():
    from complaints.embed.lexical import LexicalEmbedder

    seg = Segmenter()
    emb = LexicalEmbedder(segmenter=seg)
    emb.remember(["某段文字"], [["信号", "掉线"]])
    assert emb.tokenize(["某段文字", "宽带断网"]) == [["信号", "掉线"], seg.cut("宽带断网")]


def test_pool_map_keeps_order_and_hands_a_worker_error_back():
    import math

    from complaints.parallel import pool_map

    assert pool_map(abs, [-3, 1, -2, 5, -8], workers=2) == [3, 1, 2, 5, 8]
    with pytest.raises(ValueError, match="math domain error"):
        pool_map(math.sqrt, [4.0, 9.0, -1.0], workers=2)


def test_pool_map_says_in_one_line_when_a_worker_dies_at_start_and_stops_the_others_at_once(tmp_path):
    import math

    from complaints.errors import ComplaintsError
    from complaints.parallel import pool_map

    with pytest.raises(ComplaintsError, match=r"a worker process stopped \(exit code 1\)"):
        pool_map(abs, [-1, -2, -3], workers=2, preload=["no_such_module_here"])  # the import fails
    with pytest.raises(ValueError):  # one job fails at once while the other sleeps, then writes a file
        pool_map(_sleep_or_fail, [(tmp_path, 3.0), (tmp_path, -1.0)], workers=2)
    assert (tmp_path / "started").exists()
    assert not (tmp_path / "finished").exists()  # stopped when the other job failed, never waited for
    assert pool_map(math.sqrt, [4.0], workers=2) == [2.0]


def _sleep_or_fail(job: tuple) -> float:
    import math
    import time

    folder, x = job
    if x > 0:
        (folder / "started").touch()
        time.sleep(x)
        (folder / "finished").touch()
    while not (folder / "started").exists():  # fail only once the other job is under way
        time.sleep(0.01)
    return math.sqrt(x)
