"""Fit at scale (topics/sample.py, bulk_assign.py, term_counts.py, scale.py) on real components: a
generated library, jieba, BERTopic, DuckDB. The switch size is lowered so a few thousand complaints
take the sampled path; nothing here depends on timing."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score
from typer.testing import CliRunner

from cli import app
from complaints.classify.topic_classifier import TopicClassifier
from complaints.store import open_store
from complaints.topics.bulk_assign import METHODS, AssignState, assign_batch, bulk_assign
from complaints.topics.chunks import LibraryChunks
from complaints.topics.fit import fit_library
from complaints.topics.sample import SWITCH, draw_sample, quotas
from complaints.topics.scale import plan_sample
from complaints.topics.term_counts import Examples, TermCounts

from .conftest import generated_library, library_rows

runner = CliRunner()
SAMPLE = 800
FIT_METHODS = {"cluster", "outlier_reduction", "outlier", "no_content", "painpoint_nested", "painpoint_outlier"}


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    data, lib = generated_library(root, n_customers=2500, seed=5, files=("complaints",))
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    res = fit_library(lib, embedder="lexical", sample_size=SAMPLE)
    return lib, truth, res


def _assignments(lib, version: int) -> pd.DataFrame:
    return pd.DataFrame(library_rows(lib, "SELECT a.complaint_id, a.topic_id, a.confidence, a.method, c.text, "
                                          "a.painpoint FROM assignments a JOIN complaints c USING (complaint_id) "
                                          f"WHERE a.version = {version}"),
                        columns=["complaint_id", "topic_id", "confidence", "method", "text", "painpoint"])


# --- the sample ------------------------------------------------------------------------------------------

def test_quotas_are_proportional_with_a_floor_and_exact_size():
    strata = pd.DataFrame({"n": [5000, 3000, 1500, 400, 3, 1]})
    q = quotas(strata, 1000)
    assert q.sum() == 1000 and (q >= 1).all() and (q <= strata["n"]).all()
    assert abs(q[0] - 1000 * 5000 / 9904) <= 1.5 and abs(q[1] - 1000 * 3000 / 9904) <= 1.5
    assert quotas(strata, 20000).tolist() == strata["n"].tolist()  # asking for more: everything


def test_sample_is_stratified_by_month_channel_and_painpoint_and_repeatable(sampled):
    lib, _, res = sampled
    decided = _assignments(lib, res.version)[["complaint_id", "painpoint"]]  # the pain-point stage's decisions
    with open_store(lib) as store:
        a = draw_sample(store, 800, decided, seed=1)
        b = draw_sample(store, 800, decided, seed=1)
        c = draw_sample(store, 800, decided, seed=2)
    assert a.ids == b.ids and a.ids != c.ids and len(a.ids) == 800 == len(set(a.ids))
    s = a.strata
    assert s["n"].sum() == a.n_library == len(decided) and s["quota"].sum() == 800
    assert s["month"].nunique() > 10 and s["channel"].nunique() >= 4
    per_pp = s.groupby("painpoint")["n"].sum()
    assert per_pp.to_dict() == decided["painpoint"].value_counts().to_dict() and len(per_pp) >= 8
    picked = decided.set_index("complaint_id").loc[a.ids, "painpoint"].value_counts()
    quota = s.groupby("painpoint")["quota"].sum()
    assert picked.reindex(quota.index, fill_value=0).to_dict() == quota.to_dict()  # drawn as the strata say
    assert set(per_pp[per_pp * 800 / per_pp.sum() >= 2].index) <= set(picked.index)  # no pain point left out
    # every stratum is represented in proportion (largest remainder: within one of its exact share)
    exact = s["n"] * 800 / s["n"].sum()
    assert ((s["quota"] - exact).abs() <= 1).all()


def test_small_library_takes_the_unchanged_path(sampled):
    lib, _, _ = sampled
    ids = [r[0] for r in library_rows(lib, "SELECT complaint_id FROM complaints ORDER BY complaint_id")]
    n, usable, pps = len(ids), np.ones(len(ids), dtype=bool), ["x"] * len(ids)
    usable[:3] = False
    with open_store(lib) as store:
        plan = plan_sample(store, ids, usable, pps)  # default switch
        forced = plan_sample(store, ids, usable, pps, sample=True, sample_size=n)  # no more than there is
        drawn = plan_sample(store, ids, usable, pps, sample=True, sample_size=100)
    assert n < SWITCH and not plan.sampled and not forced.sampled
    assert (plan.rows == usable).all() and plan.sample_size is None
    assert drawn.sampled and drawn.sample_size == 100 and not drawn.rows[:3].any()  # only complaints with content


# --- term counts and examples ------------------------------------------------------------------------------

def test_term_counts_give_bertopic_ctfidf_keywords():
    """Counting batch by batch gives exactly what BERTopic computes over one joined document per topic."""
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(0)
    words = [f"词{i}" for i in range(300)]
    docs = [[words[j] for j in rng.zipf(1.3, rng.integers(3, 15)) % 300] for _ in range(2000)]
    labels = rng.integers(-1, 6, len(docs))
    joined = [" ".join(" ".join(d) for d, l in zip(docs, labels) if l == t) for t in range(-1, 6)]
    vec = CountVectorizer(analyzer=str.split, min_df=2).fit(joined)
    X = vec.transform(joined)
    ref = ClassTfidfTransformer(reduce_frequent_words=True).fit(X).transform(X).toarray()
    vocab = vec.get_feature_names_out()

    counts = TermCounts(list(vocab), topic_ids=range(6))
    for s in range(0, len(docs), 300):  # in batches, in any order
        part = TermCounts(list(vocab), topic_ids=range(6))
        part.add_tokens(docs[s:s + 300], labels[s:s + 300])
        counts.add(part)
    got = counts.keywords(top_n=10)
    for t in range(6):
        row = ref[t + 1]
        order = np.argsort(-row, kind="stable")[:10]
        assert [w for w, _ in got[t]] == [vocab[i] for i in order]
        assert np.allclose([s for _, s in got[t]], row[order])
    assert counts.docs.sum() == len(docs)


def test_examples_keep_the_closest_distinct_texts_across_merges():
    a, b = Examples(k=2), Examples(k=2)
    a.offer(np.array([1, 1, 2]), np.array([0.9, 0.5, 0.7]), ["x", "y", "z"], [10, 11, 12])
    b.offer(np.array([1, 1, -1]), np.array([0.95, 0.8, 0.99]), ["u", "v", "w"], [10, 13, 14])
    a.add(b)
    assert a.picked(1) == ["u", "v"]  # "x" repeats u's text (same key): skipped
    assert a.picked(2) == ["z"] and a.picked(-1) == []


# --- the sampled fit ---------------------------------------------------------------------------------------

def test_a_fit_read_by_chunks_with_spilled_tokens_equals_one_read_at_once(sampled, tmp_path, monkeypatch):
    """The fixture's fit read the library as one chunk, tokens in memory; this one reads it 700
    complaints at a time, the tokens spilled to parquet, and must decide, sample and place alike."""
    import shutil

    from complaints.config import Library
    from complaints.topics import chunks as chunks_mod

    lib, _, res = sampled
    copy = Library(tmp_path / "lib")
    shutil.copytree(lib.root, copy.root)
    spilled = []
    keep = chunks_mod.LibraryChunks._keep
    monkeypatch.setattr(chunks_mod.LibraryChunks, "_keep",
                        lambda self, k, packed: (spilled.append(self._dir), keep(self, k, packed))[1])
    again = fit_library(copy, embedder="lexical", sample_size=SAMPLE, chunk=700)
    assert again.sampled and again.sample_size == res.sample_size and again.n_docs == res.n_docs
    assert len(spilled) > 3 and spilled[-1] is not None and spilled[-1].parent == copy.root
    assert not list(copy.root.glob(chunks_mod.SCRATCH + "*"))  # the scratch folder is gone after the fit
    cols = ["complaint_id", "painpoint", "painpoint_confidence", "painpoint_status", "painpoint_evidence",
            "topic_id", "method", "confidence"]
    with open_store(copy) as store:
        a, b = (store.query(f"SELECT {', '.join(cols)} FROM assignments WHERE version = ? ORDER BY complaint_id", [v])
                for v in (res.version, again.version))
        kw = store.query("SELECT version, topic_id, keywords FROM topics ORDER BY topic_id")
    assert len(a) == len(b) == res.n_docs
    assert a.drop(columns="confidence").equals(b.drop(columns="confidence"))
    assert np.allclose(a["confidence"], b["confidence"], atol=1e-5)
    first, second = (kw[kw["version"] == v].drop(columns="version").reset_index(drop=True)
                     for v in (res.version, again.version))
    assert first.equals(second)  # keywords from every member: the same counts



def test_sampled_fit_places_every_complaint_with_a_status(sampled):
    lib, truth, res = sampled
    n = library_rows(lib, "SELECT count(*) FROM complaints")[0][0]
    assert res.sampled and res.sample_size == SAMPLE and res.n_docs == n > 3 * SAMPLE
    a = _assignments(lib, res.version)
    assert len(a) == n and a["complaint_id"].is_unique
    assert set(a["method"]) <= FIT_METHODS | set(METHODS)
    assert a["method"].isin(["centroid", "neighbours"]).sum() > 0.5 * (n - SAMPLE)
    assert sum(res.bulk_methods.values()) == n - SAMPLE
    assert (a.loc[a["method"].isin(["unassigned", "no_content"]), "topic_id"] == -1).all()
    assert a["confidence"].between(0, 1).all()
    params = json.loads(library_rows(lib, f"SELECT params FROM model_versions WHERE version = {res.version}")[0][0])
    assert params["sample_size"] == SAMPLE
    bulk = a[a["method"].isin(METHODS)]
    assert bulk["painpoint"].notna().all() and (bulk["painpoint"] != "").all()  # unplaced keep their pain point
    a["truth"] = a["complaint_id"].map(truth)
    known = a.dropna(subset=["truth"])
    assert normalized_mutual_info_score(known["truth"], known["topic_id"]) > 0.5


def test_bulk_places_each_complaint_only_on_its_own_painpoints_topics(sampled):
    lib, _, res = sampled
    a = _assignments(lib, res.version)
    tp = dict(library_rows(lib, f"SELECT topic_id, painpoint FROM topics WHERE version = {res.version}"))
    placed = a[(a["topic_id"] >= 0) & a["method"].isin(METHODS)]
    assert len(placed) > 0.5 * (len(a) - SAMPLE)
    assert (placed["topic_id"].map(tp) == placed["painpoint"]).all()


def test_sampled_topics_are_described_over_all_their_members(sampled):
    lib, _, res = sampled
    a = _assignments(lib, res.version)
    topics = pd.DataFrame(library_rows(lib, f"SELECT topic_id, size, keywords, examples FROM topics "
                                            f"WHERE version = {res.version}"),
                          columns=["topic_id", "size", "keywords", "examples"])
    assert set(a["topic_id"]) - {-1} <= set(topics["topic_id"])
    sizes = a[a["topic_id"] >= 0].groupby("topic_id").size()
    assert (topics.set_index("topic_id")["size"] == sizes.reindex(topics["topic_id"]).fillna(0)).all()
    members = a.groupby("topic_id")["complaint_id"].apply(set)
    text = dict(zip(a["complaint_id"], a["text"]))
    outside = 0
    for t in topics.itertuples():
        kws = json.loads(t.keywords)
        assert 1 <= len(kws) <= 10 and all(isinstance(w, str) and isinstance(s, float) for w, s in kws)
        ex = json.loads(t.examples)
        assert 1 <= len(ex) <= 5 and set(ex) <= members[t.topic_id]
        assert len({text[e] for e in ex}) == len(ex)  # never the same text twice
        outside += sum(a.set_index("complaint_id").loc[ex, "method"].isin(METHODS))
    assert outside > 0  # examples come from the whole library, not only the sample


def test_sampled_fit_writes_the_same_artifact_and_classify_agrees(sampled, tmp_path):
    lib, _, res = sampled
    folder = lib.models_dir / f"v{res.version}"
    assert {p.name for p in folder.iterdir()} == {"bertopic", "centroids.npz", "classify", "embedder",
                                                  "form.json", "manifest.json"}
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))
    a = _assignments(lib, res.version)
    placed = a[a["method"].isin(["centroid", "neighbours"])].head(600)
    got = TopicClassifier(lib, top_k=0, supervised=False).classify(placed["text"].tolist())
    same = np.mean([g["topic_id"] == t for g, t in zip(got, placed["topic_id"])])
    assert same > 0.97  # the bulk placed them as classify does (the artifact's jieba subset may cut a few apart)


def test_bulk_in_forked_workers_equals_in_process_and_a_saved_state(sampled, tmp_path):
    lib, _, res = sampled
    from complaints.embed import load_embedder
    from complaints.text.segment import Segmenter
    from complaints.topics.assign import NeighbourIndex, TopicAssigner
    from complaints.topics.modelform import load_form

    folder = lib.models_dir / f"v{res.version}"
    seg = Segmenter().with_form(load_form(folder))  # the fit's modelling view, form included
    emb = load_embedder(folder / "embedder", segmenter=seg)
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(300, emb.dim_)).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    state = AssignState(emb, TopicAssigner().fit(vecs, labels), NeighbourIndex(vecs, labels, np.arange(4)),
                        {"宽带": 0, "信号": 1, "扣费": 2}, "nearest", 3, np.array(["a", "a", "b", "b"], dtype=object),
                        seg)
    with open_store(lib) as store:
        ids = store.query("SELECT complaint_id FROM complaints ORDER BY complaint_id")["complaint_id"].tolist()
    chunks = LibraryChunks(lib, ids, chunk=700)  # (ids, texts) a chunk at a time, read from the library
    batches = [(chunks.ids[s:e], chunks.texts(k)) for k, (s, e) in enumerate(chunks.bounds)]
    assert len(batches) > 2 and all(len(b[0]) == len(b[1]) for b in batches)
    one = bulk_assign(state, batches, workers=1)
    two = bulk_assign(state, batches, workers=2)
    assert one.ids == two.ids and len(one.ids) == sum(len(b[0]) for b in batches)
    assert (one.topic == two.topic).all() and (one.method == two.method).all()
    assert np.allclose(one.confidence, two.confidence)
    assert (one.counts.counts != two.counts.counts).nnz == 0
    assert all(one.examples.picked(t) == two.examples.picked(t) for t in range(4))
    loaded = AssignState.load(state.save(tmp_path / "state"))
    assert loaded.segmenter.id == seg.id and list(loaded.painpoints) == ["a", "a", "b", "b"]
    x, y = assign_batch(state, *batches[0]), assign_batch(loaded, *batches[0])
    assert (x.topic == y.topic).all() and np.allclose(x.confidence, y.confidence)
    pps = rng.choice(["a", "b", "c"], len(batches[0][0]))  # "c": a pain point without topics
    x, y = assign_batch(state, *batches[0], painpoints=pps), assign_batch(loaded, *batches[0], painpoints=pps)
    assert (x.topic == y.topic).all()
    own = {0: "a", 1: "a", 2: "b", 3: "b"}
    placed = x.topic >= 0
    assert placed.any() and all(own[int(t)] == p for t, p in zip(x.topic[placed], pps[placed]))
    assert (x.topic[pps == "c"] == -1).all()  # nothing of its own to join: unassigned, even with "nearest"


def test_update_after_a_sampled_fit(sampled, tmp_path):
    lib, _, res = sampled
    from complaints.ingest.pipeline import ingest_file
    from complaints.topics.update import update_library

    from .conftest import write_csv
    src = write_csv(tmp_path / "new.csv", ["工单编号", "受理时间", "投诉内容"],
                    [[f"NEW{i}", "2026-11-02 10:00:00", t] for i, t in enumerate(
                        ["宽带老是断网，光猫一直闪红灯，报修三次没人来", "莫名其妙扣了我二十元话费，查不到明细",
                         "携号转网营业厅不给授权码"] * 4)])
    ingest_file(lib, "complaints", src)
    up = update_library(lib)
    assert up.version == res.version + 1 and up.new_complaints == 12
    a = _assignments(lib, up.version)
    assert len(a) == res.n_docs + 12


def test_cli_fit_says_it_sampled(sampled):
    lib, _, _ = sampled
    r = runner.invoke(app, ["fit", "--library", str(lib.root), "--sample-size", str(SAMPLE)])
    assert r.exit_code == 0, r.output
    assert re.search(f"stratified sample of {SAMPLE:,}", r.output), r.output
    r = runner.invoke(app, ["fit", "--library", str(lib.root), "--sample-size", str(SAMPLE), "--no-sample", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["sampled"] is False


def test_known_texts_in_the_artifact_are_bounded(sampled):
    """A big library's classify artifact keeps a bounded, id-hashed subset of its own texts (known.py)."""
    lib, _, res = sampled
    from complaints.painpoints.taxonomy import load_taxonomy
    from complaints.topics.known import known_from_store

    keys = [p.key for p in load_taxonomy()]
    with open_store(lib) as store:
        full = known_from_store(store, res.version, keys)
        capped = known_from_store(store, res.version, keys, limit=500)
        again = known_from_store(store, res.version, keys, limit=500)
    assert 0 < len(capped["known_hash"]) <= 500 < len(full["known_hash"])
    assert set(capped["known_hash"].tolist()) <= set(full["known_hash"].tolist())
    assert (capped["known_hash"] == again["known_hash"]).all()  # the same subset every time
