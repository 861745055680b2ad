"""Each behavioral test type passes and fails where it should, and says when it cannot judge."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.analysis.conftest import MODELS, accuracy_by_label, correct
from zenohub import MetricReturn, Project, metric, model, transform
from zenohub.analysis import Evaluator, Status, TestDefinitionError, TestSpec
from zenohub.analysis._stats import wilson_interval


def spec(**kw) -> TestSpec:
    return TestSpec.from_dict({"name": "t", **kw})


@pytest.fixture(scope="module")
def ev(digits: Project) -> Evaluator:
    return Evaluator(digits)


def test_threshold_ops(digits: Project, ev: Evaluator) -> None:
    dark = (digits.table["distill:brightness"] < 0.275).to_numpy()
    v1, v4 = correct(digits, "mlp-v1")[dark].mean(), correct(digits, "mlp-v4")[dark].mean()
    assert v1 < 0.9 < v4
    t = spec(type="threshold", metric="accuracy", slice="dark digits", op=">=", value=0.9)
    fail, ok = ev.evaluate(t, "mlp-v1"), ev.evaluate(t, "mlp-v4")
    assert (fail.status, ok.status) == (Status.FAIL, Status.PASS)
    assert fail.value == pytest.approx(v1) and ok.value == pytest.approx(v4)
    assert fail.message == f"accuracy(dark digits, mlp-v1) = {v1:.4g}, not >= 0.9"
    for op, value, expected in [
        (">", v4, Status.FAIL),
        (">=", v4, Status.PASS),
        ("<", v4, Status.FAIL),
        ("<=", v4, Status.PASS),
        ("between", [v4 - 0.01, v4 + 0.01], Status.PASS),
        ("between", [v4 + 0.001, 1.0], Status.FAIL),
    ]:
        t = spec(type="threshold", metric="accuracy", slice="dark digits", op=op, value=value)
        assert ev.evaluate(t, "mlp-v4").status is expected, (op, value)
    # lower is better metrics are compared as written
    t = spec(type="threshold", metric="error_rate", op="<=", value=0.03)
    assert ev.evaluate(t, "mlp-v4").status is Status.PASS
    assert ev.evaluate(t, "mlp-v3").status is Status.FAIL


def test_confident_threshold_uses_the_interval_bound(digits: Project, ev: Evaluator) -> None:
    n_right = int(correct(digits, "mlp-v3").sum())
    lo, hi = wilson_interval(n_right, 600)
    acc = n_right / 600
    assert lo < 0.95 < acc  # the point estimate passes, the lower bound does not
    plain = spec(type="threshold", metric="accuracy", op=">=", value=0.95)
    sure = spec(type="confident", metric="accuracy", op=">=", value=0.95)
    assert ev.evaluate(plain, "mlp-v3").status is Status.PASS
    out = ev.evaluate(sure, "mlp-v3")
    assert out.status is Status.FAIL
    assert f"Wilson 95% interval of 600 instances [{lo:.4g}, {hi:.4g}]" in out.message
    assert "its lower bound is not >= 0.95" in out.message
    assert ev.evaluate(sure, "mlp-v4").status is Status.PASS
    # an upper-bound test on error rate: the interval is mapped through 1 - accuracy
    err = spec(type="confident", metric="error_rate", op="<", value=1 - lo + 1e-9)
    assert ev.evaluate(err, "mlp-v3").status is Status.PASS
    err = spec(type="confident", metric="error_rate", op="<", value=1 - acc)
    assert ev.evaluate(err, "mlp-v3").status is Status.FAIL
    # a mean of a non-binary column gets a bootstrap interval
    conf = spec(type="confident", metric="mean_confidence", op=">=", value=0.5)
    out = ev.evaluate(conf, "mlp-v4")
    assert out.status is Status.PASS and "bootstrap 95% interval (2000 resamples)" in out.message


def test_no_regression_against_previous_and_baseline(digits: Project, ev: Evaluator) -> None:
    rot = accuracy_by_label(digits, "rotate").loc[1]
    t = spec(type="no_regression", metric="accuracy", slice="ones", transform="rotate", delta=0.02)
    out = ev.evaluate(t, "mlp-v4")
    assert out.status is Status.FAIL
    assert out.value == pytest.approx(rot["mlp-v4"] - rot["mlp-v3"])
    assert "mlp-v3:" in out.message and "worse than the allowed 0.02" in out.message
    first = ev.evaluate(t, "mlp-v1")
    assert first.status is Status.CANNOT and "first model" in first.message
    loose = spec(
        type="no_regression",
        metric="accuracy",
        slice="ones",
        transform="rotate",
        delta=rot["mlp-v1"] - rot["mlp-v4"] + 1e-9,
        baseline="mlp-v1",
    )
    assert ev.evaluate(loose, "mlp-v4").status is Status.PASS
    assert ev.evaluate(loose, "mlp-v1").status is Status.CANNOT  # the baseline itself
    # "*" checks each slice of the report: one failing slice fails the test
    each = spec(type="no_regression", metric="accuracy", slice="*", transform="rotate", delta=0.05)
    out = ev.evaluate(each, "mlp-v4", ["fours", "ones"])
    assert out.status is Status.FAIL and out.message.startswith("1 of 2 slices fail: ones:")
    # error rate rising is the regression
    err = spec(type="no_regression", metric="error_rate", slice="ones", transform="rotate")
    assert ev.evaluate(err, "mlp-v4").status is Status.FAIL


def test_invariance_counts_changed_outputs(digits: Project, ev: Evaluator) -> None:
    t = digits.table
    changed = (t["output:output@mlp-v4"] != t["output:output@mlp-v4~noise"]).to_numpy()
    share = changed.mean()
    assert 0.05 < share < 0.5
    strict = spec(type="invariance", transform="noise", max_changed=0.05)
    out = ev.evaluate(strict, "mlp-v4")
    assert out.status is Status.FAIL and out.value == pytest.approx(share)
    assert out.message.startswith(f"{share:.1%} of 600 outputs of mlp-v4")
    loose = spec(type="invariance", transform="noise", max_changed=round(share + 0.001, 3))
    assert ev.evaluate(loose, "mlp-v4").status is Status.PASS
    ones = (t["label"].astype(int) == 1).to_numpy()
    on_ones = ev.evaluate(
        spec(type="invariance", transform="noise", slice="ones", max_changed=1.0), "mlp-v4"
    )
    assert on_ones.value == pytest.approx(changed[ones].mean())


def test_directional(digits: Project, ev: Evaluator) -> None:
    drop = correct(digits, "mlp-v4", "rotate").mean() - correct(digits, "mlp-v4").mean()
    assert drop < 0
    down = spec(type="directional", metric="accuracy", transform="rotate", direction="decrease")
    out = ev.evaluate(down, "mlp-v4")
    assert out.status is Status.PASS and out.value == pytest.approx(drop)
    up = spec(type="directional", metric="accuracy", transform="rotate", direction="increase")
    assert ev.evaluate(up, "mlp-v4").status is Status.FAIL
    held = spec(type="directional", metric="accuracy", transform="rotate", direction="not decrease")
    assert ev.evaluate(held, "mlp-v4").status is Status.FAIL
    tolerant = spec(
        type="directional",
        metric="accuracy",
        transform="rotate",
        direction="not decrease",
        delta=-drop + 1e-9,
    )
    assert ev.evaluate(tolerant, "mlp-v4").status is Status.PASS
    big = spec(
        type="directional", metric="accuracy", transform="rotate", direction="decrease", delta=0.5
    )
    assert ev.evaluate(big, "mlp-v4").status is Status.FAIL


def test_cannot_evaluate_is_never_a_pass(digits: Project, ev: Evaluator) -> None:
    digits.store.create_slice("nobody (test)", filter={"column": "label", "op": "==", "value": 42})
    try:
        t = spec(type="threshold", metric="accuracy", slice="nobody (test)", op=">=", value=0)
        out = Evaluator(digits).evaluate(t, "mlp-v4")
    finally:
        digits.store.delete_slice("nobody (test)")
    assert out == type(out)(Status.CANNOT, None, "slice 'nobody (test)' is empty (0 instances)")
    cases = {
        "No slice named 'gone'": spec(type="threshold", metric="accuracy", slice="gone", value=0),
        "no metric named 'acuracy' (did you mean 'accuracy'?)": spec(
            type="threshold", metric="acuracy", value=0
        ),
        "no transform named 'blur'": spec(type="invariance", transform="blur", max_changed=1),
    }
    for expected, t in cases.items():
        out = ev.evaluate(t, "mlp-v4")
        assert out.status is Status.CANNOT and expected.strip() in out.message
    out = ev.evaluate(spec(type="threshold", metric="accuracy", value=0), "mlp-v9")
    assert out.status is Status.CANNOT and "no model named 'mlp-v9'" in out.message
    empty_report = ev.evaluate(spec(type="threshold", metric="accuracy", slice="*", value=0), "m")
    assert empty_report.status is Status.CANNOT


@metric
def nothing(df, ops):
    """A metric undefined everywhere (e.g. a rate with no positives)."""
    return MetricReturn(metric=float("nan"))


@model
def echo(name):
    def predict(df, ops):
        return df["x"].to_numpy() > 0

    return predict


@transform
def negate(df, ops):
    out = df.copy()
    out["x"] = -out["x"]
    return out


def test_a_nan_metric_cannot_be_evaluated(tmp_path) -> None:
    project = Project(
        metadata=pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, -2.0, 3.0], "label": [1, 0, 1]}),
        functions=[nothing, echo, negate],
        models=["m"],
        id_column="id",
        data_column="x",
        label_column="label",
        cache_path=str(tmp_path / "cache"),
        multiprocessing=False,
    )
    project.process()
    ev = Evaluator(project)
    for t in (
        spec(type="threshold", metric="nothing", op=">", value=0),
        spec(type="confident", metric="nothing", op=">", value=0),
        spec(type="directional", metric="nothing", transform="negate"),
    ):
        out = ev.evaluate(t, "m")
        assert out.status is Status.CANNOT, t.type
        assert (
            "nothing of m" in out.message and "is NaN on all instances (3 instances)" in out.message
        )
    assert math.isnan(project.metric("nothing", "m"))
    flipped = ev.evaluate(spec(type="invariance", transform="negate", max_changed=0.5), "m")
    assert flipped.status is Status.FAIL and flipped.value == 1.0


def test_bad_definitions_say_what_to_fix() -> None:
    cases = {
        "'type' is 'treshold'; allowed: threshold": {"type": "treshold"},
        "a threshold test needs a 'metric'": {"type": "threshold", "value": 1},
        "'op' is '=>'": {"type": "threshold", "metric": "a", "op": "=>", "value": 1},
        "op 'between' needs 'value' = [low, high]": {
            "type": "threshold",
            "metric": "a",
            "op": "between",
            "value": 1,
        },
        "'value' must be a number": {"type": "threshold", "metric": "a", "value": "high"},
        "'max_changed' is a share of instances in [0, 1]": {
            "type": "invariance",
            "transform": "n",
            "max_changed": 5,
        },
        "unknown key 'treshold'": {"type": "threshold", "metric": "a", "value": 1, "treshold": 2},
        "a directional test needs a 'transform'": {"type": "directional", "metric": "a"},
    }
    for message, d in cases.items():
        with pytest.raises(TestDefinitionError, match=message.replace("[", r"\[")):
            spec(**d)
    with pytest.raises(TestDefinitionError, match="needs a non-empty 'name'"):
        TestSpec.from_dict({"type": "threshold"})
    t = spec(type="threshold", metric="accuracy", slice="ones", op=">=", value=0.9)
    assert TestSpec.from_dict(t.to_dict()) == t
    assert t.describe() == "accuracy(ones) >= 0.9"
    assert np.isclose(spec(type="confident", metric="a", value=1).confidence, 0.95)
    assert MODELS  # the fixtures' model history
