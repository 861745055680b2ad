"""Metrics of the registry against scikit-learn on real models' predictions, and WER / CER
against hand-computed edit distances."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from zenohub import MetricError, MetricReturn, ZenoOptions

from .conftest import load_function

OPS = ZenoOptions(label_column="label", output_column="output")
CLASSIFICATION = ["accuracy", "macro_f1", "precision", "recall"]


def value(name: str, df: pd.DataFrame, ops: ZenoOptions = OPS) -> float:
    ret = load_function(name)(df, ops)
    assert isinstance(ret, MetricReturn)
    return ret.metric


@pytest.fixture(scope="module")
def digits_predictions() -> pd.DataFrame:
    """A Gaussian naive Bayes digit classifier's predictions on 600 held-out digits
    (about 80% accurate, so every class has errors)."""
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=600, random_state=0)
    predicted = GaussianNB().fit(x_train, y_train).predict(x_test)
    return pd.DataFrame({"label": y_test, "output": predicted})


@pytest.fixture(scope="module")
def cancer_predictions() -> pd.DataFrame:
    """A logistic regression's malignancy probability on held-out breast-cancer cases, and
    its prediction at 0.5 (the positive class 1 is 'benign' in scikit-learn's coding)."""
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=250, random_state=0)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(x_train, y_train)
    probability = clf.predict_proba(x_test)[:, 1]
    return pd.DataFrame(
        {"label": y_test, "output": (probability >= 0.5).astype(int), "probability": probability}
    )


def test_classification_metrics_equal_scikit_learn_on_digits(digits_predictions) -> None:
    y, p = digits_predictions["label"], digits_predictions["output"]
    assert 0.7 < skm.accuracy_score(y, p) < 0.95  # a model with errors in every class
    expected = {
        "accuracy": skm.accuracy_score(y, p),
        "macro_f1": skm.f1_score(y, p, average="macro"),
        "precision": skm.precision_score(y, p, average="macro"),
        "recall": skm.recall_score(y, p, average="macro"),
    }
    for name, want in expected.items():
        assert value(name, digits_predictions) == pytest.approx(want, abs=1e-12), name
    # on a slice missing some classes: macro over the classes present, as scikit-learn
    subset = digits_predictions[digits_predictions["label"] < 4].iloc[:40]
    sy, sp = subset["label"], subset["output"]
    labels = sorted(set(sy) | set(sp))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about classes never predicted
        want_f1 = skm.f1_score(sy, sp, average="macro", labels=labels, zero_division=0)
        want_p = skm.precision_score(sy, sp, average="macro", zero_division=0)
    assert value("macro_f1", subset) == pytest.approx(want_f1, abs=1e-12)
    assert value("precision", subset) == pytest.approx(want_p, abs=1e-12)


@pytest.mark.parametrize("coding", ["int", "bool", "string"])
def test_binary_precision_recall_f1(cancer_predictions, coding) -> None:
    df = cancer_predictions[["label", "output"]].copy()
    y, p = df["label"].to_numpy(), df["output"].to_numpy()
    if coding == "bool":
        df = df.astype(bool)
    if coding == "string":  # not 0/1: precision and recall become macro averages
        df = df.replace({0: "malignant", 1: "benign"})
        assert value("precision", df) == pytest.approx(skm.precision_score(y, p, average="macro"))
        assert value("recall", df) == pytest.approx(skm.recall_score(y, p, average="macro"))
    else:  # the positive class 1 / True, as scikit-learn's default
        assert value("precision", df) == pytest.approx(skm.precision_score(y, p))
        assert value("recall", df) == pytest.approx(skm.recall_score(y, p))
    assert value("macro_f1", df) == pytest.approx(skm.f1_score(y, p, average="macro"))
    assert value("accuracy", df) == pytest.approx(skm.accuracy_score(y, p))


def test_binary_precision_without_positive_predictions_is_zero() -> None:
    df = pd.DataFrame({"label": [1, 0, 1], "output": [0, 0, 0]})
    assert value("precision", df) == 0.0
    assert value("recall", df) == 0.0


def test_roc_auc_equals_scikit_learn(cancer_predictions) -> None:
    y, probability = cancer_predictions["label"], cancer_predictions["probability"]
    want = skm.roc_auc_score(y, probability)
    assert 0.95 < want < 1.0
    # the score in the output column
    scored = pd.DataFrame({"label": y, "output": probability})
    assert value("roc_auc", scored) == pytest.approx(want, abs=1e-12)
    # the score as a model's other_returns "probability", the output being the predicted class
    ops = ZenoOptions(
        label_column="label", output_column="output", distill_columns={"probability": "p"}
    )
    df = cancer_predictions.rename(columns={"probability": "p"})
    assert value("roc_auc", df, ops) == pytest.approx(want, abs=1e-12)
    # ties count half: coarse scores
    coarse = scored.assign(output=np.round(probability, 1))
    assert value("roc_auc", coarse) == pytest.approx(skm.roc_auc_score(y, coarse["output"]))
    # string labels: the larger one ("malignant" > "benign") is positive
    named = scored.assign(label=y.map({0: "malignant", 1: "benign"}), output=1 - probability)
    assert value("roc_auc", named) == pytest.approx(want, abs=1e-12)


def test_roc_auc_refusals_and_undefined_cases() -> None:
    one_class = pd.DataFrame({"label": [1, 1, 1], "output": [0.2, 0.5, 0.9]})
    assert np.isnan(value("roc_auc", one_class))
    three = pd.DataFrame({"label": [0, 1, 2], "output": [0.2, 0.5, 0.9]})
    with pytest.raises(MetricError, match=r"needs binary labels.*3 classes"):
        value("roc_auc", three)
    labels_out = pd.DataFrame({"label": [0, 1], "output": ["no", "yes"]})
    with pytest.raises(MetricError, match=r"needs a numeric score.*'output'"):
        value("roc_auc", labels_out)


def test_expected_calibration_error_hand_computed() -> None:
    # bin (0.6, 0.7]: confidences 0.65, 0.65, accuracy 1/2 -> gap 0.15, weight 2/5
    # bin (0.9, 1.0]: confidences 0.95, 0.95, 1.0, accuracy 2/3 -> gap |2/3 - 0.9667|, weight 3/5
    df = pd.DataFrame(
        {
            "label": [1, 2, 3, 4, 5],
            "output": [1, 0, 3, 4, 0],
            "confidence": [0.65, 0.65, 0.95, 0.95, 1.0],
        }
    )
    want = 2 / 5 * 0.15 + 3 / 5 * abs(2 / 3 - (0.95 + 0.95 + 1.0) / 3)
    assert value("expected_calibration_error", df) == pytest.approx(want)
    # a confidence found through ops.distill_columns (a model's other_returns)
    ops = ZenoOptions(
        label_column="label", output_column="output", distill_columns={"confidence": "other"}
    )
    renamed = df.rename(columns={"confidence": "other"})
    assert value("expected_calibration_error", renamed, ops) == pytest.approx(want)


def reference_ece(correct: np.ndarray, confidence: np.ndarray, bins: int = 10) -> float:
    """ECE with an explicit loop over bins, as in Guo et al. (2017)."""
    total = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if lo == 0:
            inside |= confidence == 0
        if inside.any():
            gap = abs(correct[inside].mean() - confidence[inside].mean())
            total += inside.mean() * gap
    return total


def test_expected_calibration_error_from_a_binary_probability(cancer_predictions) -> None:
    df = cancer_predictions
    correct = (df["label"] == df["output"]).to_numpy()
    p = df["probability"].to_numpy()
    confidence = np.where(df["output"] == 1, p, 1 - p)
    want = reference_ece(correct, confidence)
    assert 0 < want < 0.2
    ops = ZenoOptions(
        label_column="label", output_column="output", distill_columns={"probability": "p"}
    )
    got = value("expected_calibration_error", df.rename(columns={"probability": "p"}), ops)
    assert got == pytest.approx(want, abs=1e-12)


def test_expected_calibration_error_needs_a_confidence() -> None:
    df = pd.DataFrame({"label": [1], "output": [1]})
    with pytest.raises(MetricError, match="other_returns=\\{'confidence'"):
        value("expected_calibration_error", df)
    bad = df.assign(confidence=[1.5])
    with pytest.raises(MetricError, match=r"must lie in \[0, 1\].*1\.5"):
        value("expected_calibration_error", bad)


def levenshtein(a: list, b: list) -> int:
    """Textbook dynamic programme (the reference for the registry's vectorised rows)."""
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, start=1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def test_wer_and_cer_hand_computed() -> None:
    df = pd.DataFrame(
        {
            "label": ["the cat sat on the mat", "kitten", "hello world"],
            "output": ["the cat sit on mat", "sitting", "hello world"],
        }
    )
    # words: 1 substitution + 1 deletion of 6, 1 substitution of 1, 0 of 2
    assert value("wer", df) == pytest.approx((2 + 1 + 0) / (6 + 1 + 2))
    # characters: "sat"->"sit" 1, "the " deleted 4; kitten->sitting 3; 0
    assert value("cer", df) == pytest.approx((5 + 3 + 0) / (22 + 6 + 11))
    assert value("wer", df.iloc[[1]]) == 1.0
    assert value("cer", df.iloc[[1]]) == pytest.approx(3 / 6)


def test_wer_and_cer_match_a_textbook_edit_distance_on_real_prose() -> None:
    rng = np.random.default_rng(3)
    lines = [line for line in (np.__doc__ or "").splitlines() if len(line.split()) > 2]
    assert len(lines) > 10
    hypotheses = []
    for line in lines:
        words = line.split()
        for _ in range(3):  # random substitutions, deletions and insertions
            k = int(rng.integers(len(words)))
            op = rng.integers(3)
            if op == 0:
                words[k] = words[k][::-1] + "x"
            elif op == 1 and len(words) > 1:
                del words[k]
            else:
                words.insert(k, "inserted")
        hypotheses.append(" ".join(words))
    df = pd.DataFrame({"label": lines, "output": hypotheses})
    word_edits = sum(
        levenshtein(r.split(), h.split()) for r, h in zip(lines, hypotheses, strict=True)
    )
    char_edits = sum(levenshtein(list(r), list(h)) for r, h in zip(lines, hypotheses, strict=True))
    assert value("wer", df) == pytest.approx(word_edits / sum(len(r.split()) for r in lines))
    assert value("cer", df) == pytest.approx(char_edits / sum(len(r) for r in lines))


def test_mae_equals_scikit_learn_on_a_regression() -> None:
    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=100, random_state=0)
    predicted = LinearRegression().fit(x_train, y_train).predict(x_test)
    df = pd.DataFrame({"label": y_test, "output": predicted})
    want = skm.mean_absolute_error(y_test, predicted)
    assert 30 < want < 60
    assert value("mae", df) == pytest.approx(want)
    with pytest.raises(MetricError, match="mae needs numeric labels"):
        value("mae", pd.DataFrame({"label": ["a"], "output": ["b"]}))


METRICS = [*CLASSIFICATION, "roc_auc", "expected_calibration_error", "wer", "cer", "mae"]


@pytest.mark.parametrize("name", METRICS)
def test_empty_subsets_and_missing_rows(name, cancer_predictions) -> None:
    df = cancer_predictions.iloc[:0].rename(columns={"probability": "confidence"})
    assert np.isnan(value(name, df))
    if name in ("wer", "cer"):
        df = pd.DataFrame({"label": ["a b", None, "c"], "output": ["a b", "x", None]})
        assert value(name, df) == 0.0  # rows missing a side are left out
    elif name in ("roc_auc",):
        df = pd.DataFrame({"label": [0, 1, 1, 0], "output": [0.1, 0.9, np.nan, 0.95]})
        assert value(name, df) == pytest.approx(0.5)
    elif name == "expected_calibration_error":
        df = pd.DataFrame({"label": [0, 1, None], "output": [0, 1, 1], "confidence": 1.0})
        assert value(name, df) == 0.0
    else:
        df = pd.DataFrame({"label": [0, 1, None, 1], "output": [0, 1, 1, None]})
        assert value(name, df) == (0.0 if name == "mae" else 1.0)


@pytest.mark.parametrize("name", METRICS)
def test_missing_columns_are_named(name) -> None:
    df = pd.DataFrame({"label": [0, 1], "prediction": [0, 1]})
    with pytest.raises(MetricError, match=f"{name}: output_column 'output' is not a column"):
        value(name, df)
