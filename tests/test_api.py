"""The zenoml-compatible decorators and return types, as a ported Zeno project uses them."""

from __future__ import annotations

import math
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zenohub
from zenohub import (
    DistillReturn,
    MetricError,
    MetricReturn,
    ModelReturn,
    ProcessingError,
    Project,
    distill,
    metric,
    model,
    transform,
)
from zenohub.api import FunctionKind, FunctionSpec, function_spec


def test_all_is_complete_and_importable() -> None:
    public = {
        name
        for name, value in vars(zenohub).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(zenohub.__all__)
    assert sorted(zenohub.__all__) == zenohub.__all__
    for name in zenohub.__all__:
        assert hasattr(zenohub, name), name


def test_decorators_return_the_function_with_its_spec() -> None:
    def brightness(df, ops):
        """Mean gray level.

        Longer text.
        """

    marked = distill(per_model=False)(brightness)
    assert marked is brightness
    assert function_spec(marked) == FunctionSpec(
        FunctionKind.DISTILL, "brightness", per_model=False, description="Mean gray level."
    )
    assert getattr(marked, "distill_function", None) is True  # zenoml's marker

    @metric(higher_is_better=False, mean_of="correct", scale=-1.0, offset=1.0, name="err")
    def error(df, ops):
        return 0.0

    spec = function_spec(error)
    assert spec is not None
    assert (spec.kind, spec.name, spec.higher_is_better, spec.mean_of, spec.scale, spec.offset) == (
        FunctionKind.METRIC,
        "err",
        False,
        "correct",
        -1.0,
        1.0,
    )
    assert function_spec(model(lambda name: None)).kind is FunctionKind.MODEL  # type: ignore[union-attr]
    assert function_spec(transform(lambda df, ops: df)).kind is FunctionKind.TRANSFORM  # type: ignore[union-attr]
    assert function_spec(print) is None and function_spec(3) is None
    with pytest.raises(TypeError, match=r"@distill must decorate a function"):
        distill(per_model=True)(3)  # type: ignore[type-var]


def test_zenoml_marked_functions_are_recognised() -> None:
    """Functions decorated by zeno itself (only its marker attributes) still count."""

    def predict(name):
        return None

    predict.predict_function = True  # type: ignore[attr-defined]

    def amount(df, ops):
        return []

    amount.distill_function = True  # type: ignore[attr-defined]
    assert function_spec(predict) == FunctionSpec(FunctionKind.MODEL, "predict")
    assert function_spec(amount) == FunctionSpec(FunctionKind.DISTILL, "amount")


# --- plain returns, as zenoml accepted them ---------------------------------------------------
@model
def plain_model(name):
    def predict(df, ops):
        x = df[ops.data_column]
        if name == "list":
            return [int(v > 0.5) for v in x]
        if name == "tuple":  # (outputs, embeddings)
            return (x > 0.5).astype(int).to_numpy(), np.c_[x, -x]
        return ModelReturn(model_output=pd.Series((x > 0.5).astype(int).to_numpy(), index=x.index))

    return predict


@distill
def as_series(df, ops):
    return df[ops.data_column] * 10  # keeps the batch's index, which is not 0..n


@distill
def as_list(df, ops):
    return [str(v > 0.5) for v in df[ops.data_column]]


@metric
def as_float(df, ops):
    return float(df[ops.output_column].mean())


@metric
def as_none(df, ops):
    return None


@metric(mean_of="as_series", scale=0.1)
def declared_mean(df, ops):
    return MetricReturn(metric=df[ops.data_column].mean(), variance=0.0)


@metric
def broken_metric(df, ops):
    return "high"


@transform
def reverse(df, ops):
    """Returns its rows in reverse order; zenohub realigns them by id."""
    out = df.iloc[::-1].copy()
    out[ops.data_column] = 1 - out[ops.data_column]
    return out


def plain_project(tmp_path: Path, *fns, **settings) -> Project:
    x = np.round(np.linspace(0.0, 1.0, 11), 2)
    return Project(
        metadata=pd.DataFrame({"id": [f"p{i}" for i in range(11)], "x": x, "y": (x > 0.4) * 1}),
        functions=list(fns),
        models=["list", "tuple", "wrapped"],
        id_column="id",
        data_column="x",
        label_column="y",
        batch_size=4,
        executor="sequential",
        cache_path=str(tmp_path / "cache"),
        **settings,
    )


def test_plain_returns_are_accepted(tmp_path: Path) -> None:
    fns = [plain_model, as_series, as_list, as_float, as_none, declared_mean, broken_metric]
    project = plain_project(tmp_path, *fns, reverse)
    assert project.process().ok
    table = project.table
    x = table["x"].to_numpy()
    for m in project.models:
        np.testing.assert_array_equal(table[f"output:output@{m}"], (x > 0.5).astype(int))
        np.testing.assert_array_equal(
            table[f"output:output@{m}~reverse"], ((1 - x) > 0.5).astype(int)
        )
        assert project.metric("as_float", m) == pytest.approx((x > 0.5).mean())
        assert math.isnan(project.metric("as_none", m))
    np.testing.assert_allclose(table["distill:as_series"], x * 10)
    np.testing.assert_allclose(table["data:x~reverse"], 1 - x)
    assert table["distill:as_list"].astype(str).tolist() == [str(v > 0.5) for v in x]
    np.testing.assert_allclose(project.embedding("tuple"), np.c_[x, -x])
    with pytest.raises(Exception, match=r"No embedding for model 'list'"):
        project.embedding("list")
    dec = project.decomposition("declared_mean", "list")
    assert (
        dec is not None and dec.declared and (dec.column, dec.scale) == ("distill:as_series", 0.1)
    )
    assert project.metric("declared_mean", "list") == pytest.approx(x.mean())
    with pytest.raises(MetricError, match=r"Metric 'broken_metric' must return a number"):
        project.metric("broken_metric", "list")


@distill
def short(df, ops):
    return list(range(len(df) - 1))


@distill
def scalar(df, ops):
    return 3.0


def test_returns_of_the_wrong_length_or_type_fail_with_the_reason(tmp_path: Path) -> None:
    project = plain_project(tmp_path, plain_model, short, scalar)
    with pytest.raises(ProcessingError) as info:
        project.process()
    by_name = {f.function: str(f) for f in info.value.failures}
    assert sorted(by_name) == ["scalar", "short"]
    assert "ValueError: distill output has 3 values for a batch of 4 rows" in by_name["short"]
    assert (
        "TypeError: distill output must be a list, numpy array or pandas Series, got float"
        in by_name["scalar"]
    )
    assert project.report is not None and len(project.report.computed) == 3  # the models


def test_returns_dataclasses_have_zenoml_defaults() -> None:
    assert ModelReturn([1]).embedding is None and ModelReturn([1]).other_returns is None
    assert DistillReturn([1]).distill_output == [1]
    assert MetricReturn(0.5).variance is None
