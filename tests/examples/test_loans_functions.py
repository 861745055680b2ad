"""The loans demo's functions, called directly as the pipeline would call them."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, roc_auc_score

from zenohub.api import ZenoOptions, function_spec

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "loans"
MODELS = ["logreg", "gbm", "gbm-tuned"]


def load_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"zenohub_user_loans_{name}", PROJECT / "functions" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fn() -> SimpleNamespace:
    return SimpleNamespace(**{name: load_module(name) for name in ["loans", "distills", "metrics"]})


@pytest.fixture(scope="module")
def table(fn, tmp_path_factory) -> pd.DataFrame:
    return fn.loans.load(str(tmp_path_factory.mktemp("loans-cache")))


@pytest.fixture(scope="module")
def ops() -> ZenoOptions:
    return ZenoOptions(
        id_column="id",
        data_column="application",
        label_column="defaulted",
        output_column="output",
        distill_columns={"probability": "probability", "correct": "correct"},
    )


@pytest.fixture(scope="module")
def predictors(fn) -> dict:
    return {name: fn.loans.classifier(name) for name in MODELS}


@pytest.fixture(scope="module")
def predictions(predictors, table, ops) -> dict[str, SimpleNamespace]:
    """Each model over the evaluation set in batches of 500, as the pipeline runs it."""
    out = {}
    for name, predict in predictors.items():
        parts = [predict(table.iloc[i : i + 500], ops) for i in range(0, len(table), 500)]
        out[name] = SimpleNamespace(
            output=np.concatenate([np.asarray(p.model_output) for p in parts]),
            embedding=np.concatenate([np.asarray(p.embedding) for p in parts]),
            probability=np.concatenate([p.other_returns["probability"] for p in parts]),
        )
    return out


@pytest.fixture(scope="module")
def subgroups(table) -> dict[str, np.ndarray]:
    young_thin = ((table["age"] < 26) & (table["credit_history_length"] < 3)).to_numpy()
    south = (table["region"] == "south").to_numpy()
    business = (table["purpose"] == "business").to_numpy()
    return {"young_thin": young_thin, "south": south, "business": business}


# --- config and data ----------------------------------------------------------------------------


def test_config_names_the_loader_models_and_columns(table):
    config = tomllib.loads((PROJECT / "config.toml").read_text())
    assert config["loader"] == "functions/loans.py:load"
    assert config["models"] == MODELS
    assert config["view"] == "tabular"
    for key in ["id_column", "data_column", "label_column"]:
        assert config[key] in table.columns, key
    assert set(config["columns"]) <= set(table.columns)


def test_load_returns_3000_plausible_applications(fn, table, tmp_path):
    assert len(table) == 3000
    assert table["id"].is_unique
    assert table["defaulted"].dtype == bool
    assert 0.15 < table["defaulted"].mean() < 0.25
    assert set(table["region"]) == {"north", "south", "east", "west", "central"}
    assert set(table["gender"]) == {"female", "male", "non-binary"}
    adult_years = table["age"] - 18
    assert (table["credit_history_length"] <= adult_years).all()
    assert (table["employment_years"] <= adult_years).all()
    assert table["age"].between(21, 80).all()
    assert set(table["term_months"]) == {36, 60}
    assert (table["loan_amount"] >= 1000).all() and (table["income"] > 0).all()
    row = table.iloc[0]
    assert row["application"].startswith(f"{row['age']}-year-old {row['gender']} from the ")
    # deterministic, and nothing written to the cache
    pd.testing.assert_frame_equal(fn.loans.load(str(tmp_path)), table)
    assert list(tmp_path.iterdir()) == []


def test_training_set_is_another_sample(fn, table):
    training = fn.loans.generate(fn.loans.TRAIN_SIZE, fn.loans.TRAIN_SEED)
    assert len(training) == 6000
    assert not np.allclose(training["income"].iloc[:3000], table["income"])
    assert abs(training["defaulted"].mean() - table["defaulted"].mean()) < 0.03


def test_subgroups_default_differently(table, subgroups):
    young_thin = subgroups["young_thin"]
    assert young_thin.sum() > 100
    large_business = subgroups["business"] & (table["loan_amount"] > 0.6 * table["income"])
    assert table["defaulted"][large_business].mean() > table["defaulted"].mean() + 0.2


# --- models -------------------------------------------------------------------------------------


def test_models_beat_the_majority_class_and_rank_risk(predictions, table):
    truth = table["defaulted"].to_numpy()
    majority = 1 - truth.mean()
    auc = {}
    for name in MODELS:
        p = predictions[name]
        assert accuracy_score(truth, p.output) > majority + 0.01, name
        assert ((p.probability >= 0) & (p.probability <= 1)).all()
        np.testing.assert_array_equal(p.output, p.probability >= 0.5)
        auc[name] = roc_auc_score(truth, p.probability)
        assert auc[name] > 0.74, name
    assert auc["gbm-tuned"] > auc["logreg"]


def test_hard_subgroups_are_hard_for_every_model(predictions, table, subgroups):
    truth = table["defaulted"].to_numpy()
    for name in MODELS:
        correct = predictions[name].output == truth
        for group, margin in [("young_thin", 0.15), ("south", 0.05)]:
            inside = subgroups[group]
            assert correct[inside].mean() < correct[~inside].mean() - margin, (name, group)


def test_trees_find_the_business_loan_threshold(predictions, table, subgroups):
    truth = table["defaulted"].to_numpy()[subgroups["business"]]
    accuracy = {
        name: accuracy_score(truth, predictions[name].output[subgroups["business"]])
        for name in MODELS
    }
    assert accuracy["gbm-tuned"] > accuracy["logreg"] + 0.03


def test_logreg_embedding_is_its_logit_split_by_feature(fn, predictions):
    p = predictions["logreg"]
    assert p.embedding.shape == (3000, 20)  # 10 numbers + 5 regions + 5 purposes
    intercept = fn.loans.train("logreg").pipeline.named_steps["clf"].intercept_[0]
    logit = p.embedding.sum(axis=1) + intercept
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), p.probability, rtol=1e-9)


def test_gbm_embedding_groups_applications_the_trees_treat_alike(predictions, table):
    for name in ["gbm", "gbm-tuned"]:
        embedding = predictions[name].embedding
        assert embedding.shape == (3000, 16)
        assert np.isfinite(embedding).all() and embedding.std(axis=0).min() > 0
        # nearest neighbours in the embedding get similar default probabilities
        probability = predictions[name].probability
        sample = embedding[:300]
        distances = ((sample[:, None, :] - embedding[None, :, :]) ** 2).sum(axis=2)
        distances[np.arange(300), np.arange(300)] = np.inf
        nearest = distances.argmin(axis=1)
        neighbour_gap = np.abs(probability[:300] - probability[nearest]).mean()
        random_gap = np.abs(probability[:300] - probability[300:600]).mean()
        assert neighbour_gap < random_gap / 2, name


def test_models_ignore_gender(predictors, table, ops):
    sample = table.iloc[:200]
    swapped = sample.assign(gender=sample["gender"].map({"female": "male"}).fillna("female"))
    for predict in predictors.values():
        np.testing.assert_array_equal(
            predict(sample, ops).other_returns["probability"],
            predict(swapped, ops).other_returns["probability"],
        )


def test_retraining_gives_identical_predictions(fn, predictions, table, ops):
    again = fn.loans.classifier("gbm")(table.iloc[:500], ops)
    np.testing.assert_array_equal(
        again.other_returns["probability"], predictions["gbm"].probability[:500]
    )
    np.testing.assert_array_equal(again.embedding, predictions["gbm"].embedding[:500])


def test_unknown_model_name_lists_the_known_ones(fn):
    with pytest.raises(ValueError, match="logreg, gbm, gbm-tuned"):
        fn.loans.classifier("xgboost")


def test_empty_batch(predictors, table, ops):
    result = predictors["logreg"](table.iloc[:0], ops)
    assert len(result.model_output) == 0 and np.asarray(result.embedding).shape == (0, 20)


# --- distills -----------------------------------------------------------------------------------


def test_debt_to_income_repays_the_loan_exactly(fn, table, ops):
    batch = table.iloc[50:100]
    dti = np.asarray(fn.distills.debt_to_income(batch, ops).distill_output)
    income = batch["income"].to_numpy() / 12
    instalment = dti * income - batch["existing_monthly_debt"].to_numpy()
    # paying that instalment every month clears the loan at exactly the end of its term
    balance = batch["loan_amount"].to_numpy().astype(float)
    rate = batch["interest_rate"].to_numpy() / 12
    for month in range(60):
        running = month < batch["term_months"].to_numpy()
        balance = np.where(running, balance * (1 + rate) - instalment, balance)
    np.testing.assert_allclose(balance, 0, atol=1e-6)
    np.testing.assert_allclose(dti, fn.loans.debt_to_income(batch))
    assert fn.distills.debt_to_income.__zenohub__.per_model is False


def test_thin_file(fn, table, ops):
    thin = np.asarray(fn.distills.thin_file(table, ops).distill_output)
    np.testing.assert_array_equal(thin, table["credit_history_length"] < 3)


def test_correct_and_outcome_match_the_confusion_matrix(fn, predictions, table, ops):
    scored = table.assign(output=predictions["gbm"].output)
    correct = np.asarray(fn.distills.correct(scored, ops).distill_output)
    outcome = pd.Series(fn.distills.outcome(scored, ops).distill_output)
    tn, fp, fn_, tp = confusion_matrix(scored["defaulted"], scored["output"]).ravel()
    counts = outcome.value_counts()
    assert (counts["true negative"], counts["false positive"]) == (tn, fp)
    assert (counts["false negative"], counts["true positive"]) == (fn_, tp)
    assert correct.sum() == tn + tp
    for name in ["correct", "outcome"]:
        assert function_spec(getattr(fn.distills, name)).per_model is True


# --- metrics ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(predictions, table) -> pd.DataFrame:
    p = predictions["gbm-tuned"]
    return table.assign(output=p.output, probability=p.probability)


def test_metrics_agree_with_sklearn(fn, scored, ops):
    part = scored[scored["region"] == "west"]
    truth, output = part["defaulted"], part["output"]
    tn, fp, fn_, tp = confusion_matrix(truth, output).ravel()
    metrics = fn.metrics
    accuracy = metrics.accuracy(part, ops).metric
    assert accuracy == pytest.approx(accuracy_score(truth, output))
    assert metrics.error_rate(part, ops).metric == pytest.approx(1 - accuracy)
    assert metrics.false_positive_rate(part, ops).metric == pytest.approx(fp / (fp + tn))
    assert metrics.false_negative_rate(part, ops).metric == pytest.approx(fn_ / (fn_ + tp))
    brier = brier_score_loss(truth, part["probability"])
    assert metrics.brier_score(part, ops).metric == pytest.approx(brier)


def test_metrics_are_nan_where_undefined(fn, scored, ops):
    names = ["accuracy", "error_rate", "false_positive_rate", "false_negative_rate", "brier_score"]
    for name in names:
        assert np.isnan(getattr(fn.metrics, name)(scored.iloc[:0], ops).metric), name
    defaults_only = scored[scored["defaulted"]]
    assert np.isnan(fn.metrics.false_positive_rate(defaults_only, ops).metric)
    assert not np.isnan(fn.metrics.false_negative_rate(defaults_only, ops).metric)
    repaid_only = scored[~scored["defaulted"]]
    assert np.isnan(fn.metrics.false_negative_rate(repaid_only, ops).metric)


def test_metric_declarations(fn):
    error_rate = function_spec(fn.metrics.error_rate)
    assert (error_rate.mean_of, error_rate.scale, error_rate.offset) == ("correct", -1.0, 1.0)
    assert function_spec(fn.metrics.accuracy).mean_of == "correct"
    for name in ["error_rate", "false_positive_rate", "false_negative_rate", "brier_score"]:
        assert function_spec(getattr(fn.metrics, name)).higher_is_better is False, name
