"""A zeno-style project end to end: values, metrics, incremental recomputation, resume, failures.

Expected values are computed here with numpy / pandas from the dataset file, independently of
the pipeline. The toy "model" ``m-<k>`` predicts ``round(x * k) % 3`` (see
tests/projects/toy/functions/toy_functions.py); 300 rows in batches of 64 make 5 batches per run.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import Calls
from zenohub import (
    ColumnKind,
    ColumnRef,
    ColumnType,
    ConfigError,
    MetricError,
    ProcessingError,
    Project,
    distill,
    metric,
    model,
)
from zenohub.api import ModelReturn
from zenohub.filters import FilterGroup, Predicate
from zenohub.metrics import Decomposition

MODELS = {"m-1": 1.0, "m-2": 2.0}
TRANSFORMS = [None, "shift"]
BATCHES = 5  # ceil(300 / 64)


# --- expected values ------------------------------------------------------------------------
def dataset(project: Project) -> pd.DataFrame:
    return pd.read_csv(Path(project.config.base_dir) / "data.csv")


def x_of(data: pd.DataFrame, transform: str | None) -> np.ndarray:
    x = data["x"].to_numpy(dtype=float)
    return x + 0.5 if transform == "shift" else x


def output_of(data: pd.DataFrame, model: str, transform: str | None) -> np.ndarray:
    return np.round(x_of(data, transform) * MODELS[model]).astype(int) % 3


def correct_of(data: pd.DataFrame, model: str, transform: str | None) -> np.ndarray:
    return output_of(data, model, transform) == data["label"].to_numpy()


def confidence_of(data: pd.DataFrame, model: str, transform: str | None) -> np.ndarray:
    return np.abs(np.sin(x_of(data, transform) * MODELS[model]))


def key(kind: str, name: str, model: str | None = None, transform: str | None = None) -> str:
    return ColumnRef(ColumnKind(kind), name, model, transform).key


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def labels(*jobs: str) -> list[str]:
    return sorted(jobs)


ALL_JOBS = labels(
    "transform shift",
    *(f"model load_model @{m}{t}" for m in MODELS for t in ("", " ~shift")),
    *(f"distill {d}{t}" for d in ("x_squared", "x_squared_plus_one") for t in ("", " ~shift")),
    *(f"distill correct @{m}{t}" for m in MODELS for t in ("", " ~shift")),
)
CORRECT_JOBS = labels(*(f"distill correct @{m}{t}" for m in MODELS for t in ("", " ~shift")))


# --- values of a processed project ----------------------------------------------------------
def test_toy_table_has_every_column_with_its_reference_and_type(toy_processed: Project) -> None:
    project = toy_processed
    expected = {
        "id": (ColumnRef(ColumnKind.METADATA, "id"), ColumnType.TEXT),
        "x": (ColumnRef(ColumnKind.METADATA, "x"), ColumnType.CONTINUOUS),
        "label": (ColumnRef(ColumnKind.METADATA, "label"), ColumnType.NOMINAL),
        "group": (ColumnRef(ColumnKind.METADATA, "group"), ColumnType.NOMINAL),
        "data:x~shift": (ColumnRef(ColumnKind.DATA, "x", None, "shift"), ColumnType.CONTINUOUS),
    }
    for t in TRANSFORMS:
        for name in ("x_squared", "x_squared_plus_one"):
            ref = ColumnRef(ColumnKind.DISTILL, name, None, t)
            expected[ref.key] = (ref, ColumnType.CONTINUOUS)
        for m in MODELS:
            for ref, ctype in (
                (ColumnRef(ColumnKind.OUTPUT, "output", m, t), ColumnType.NOMINAL),
                (ColumnRef(ColumnKind.OTHER, "confidence", m, t), ColumnType.CONTINUOUS),
                (ColumnRef(ColumnKind.DISTILL, "correct", m, t), ColumnType.BOOLEAN),
            ):
                expected[ref.key] = (ref, ctype)

    assert sorted(project.table.columns) == sorted(expected)
    got = {k: (info.ref, info.ctype) for k, info in project.columns.items()}
    assert got == expected
    assert project.column("distill", "correct", "m-2", "shift") == "distill:correct@m-2~shift"
    assert project.columns["distill:correct@m-2~shift"].label == "correct (m-2) [shift]"
    assert len(project.table) == 300 and project.report is not None
    assert project.report.rows == 300 and project.report.ok
    with pytest.raises(ConfigError, match=r"did you mean 'distill:correct@m-1'"):
        project.column("distill", "corect", "m-1")


def test_toy_values_equal_an_independent_computation(toy_processed: Project) -> None:
    table, data = toy_processed.table, dataset(toy_processed)
    np.testing.assert_array_equal(table["id"].astype(str), data["id"])
    np.testing.assert_array_equal(table["x"], data["x"])
    for t in TRANSFORMS:
        x = x_of(data, t)
        np.testing.assert_allclose(table[key("distill", "x_squared", None, t)], x**2)
        np.testing.assert_allclose(table[key("distill", "x_squared_plus_one", None, t)], x**2 + 1)
        for m in MODELS:
            np.testing.assert_array_equal(
                table[key("output", "output", m, t)], output_of(data, m, t)
            )
            np.testing.assert_array_equal(
                table[key("distill", "correct", m, t)].to_numpy(dtype=bool), correct_of(data, m, t)
            )
            np.testing.assert_allclose(
                table[key("other", "confidence", m, t)], confidence_of(data, m, t)
            )
    np.testing.assert_allclose(table["data:x~shift"], data["x"] + 0.5)
    # the two models and the transform really differ, so the checks above tell them apart
    assert (output_of(data, "m-1", None) != output_of(data, "m-2", None)).sum() > 50
    assert (output_of(data, "m-1", None) != output_of(data, "m-1", "shift")).sum() > 50


def test_embedding_is_one_row_per_instance_per_model_and_transform(toy_processed: Project) -> None:
    data = dataset(toy_processed)
    for m, k in MODELS.items():
        for t in TRANSFORMS:
            emb = toy_processed.embedding(m, t)
            assert emb.shape == (300, 2)
            x = x_of(data, t)
            np.testing.assert_allclose(emb, np.c_[x, x * k])
    with pytest.raises(ConfigError, match=r"No embedding for model 'm-3'.*have: \['m-1', "):
        toy_processed.embedding("m-3")


FILTERS = {
    "none": None,
    "group == a": Predicate("group", "==", "a"),
    "x > 2.5": Predicate("x", ">", 2.5),
    "group in (b, c) and x <= 3": FilterGroup.all_of(
        Predicate("group", "in", ["b", "c"]), Predicate("x", "<=", 3)
    ),
}


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("flt", FILTERS.values(), ids=FILTERS.keys())
def test_metrics_equal_numpy_on_filtered_rows(toy_processed: Project, flt, transform) -> None:
    data = dataset(toy_processed)
    mask = np.ones(len(data), bool)
    if flt is FILTERS["group == a"]:
        mask = (data["group"] == "a").to_numpy()
    elif flt is FILTERS["x > 2.5"]:
        mask = (data["x"] > 2.5).to_numpy()
    elif flt is not None:
        mask = (data["group"].isin(["b", "c"]) & (data["x"] <= 3)).to_numpy()
    assert 10 < mask.sum() <= len(data)
    for m in MODELS:
        correct = correct_of(data, m, transform)[mask]
        got = {
            name: toy_processed.metric(name, model=m, filter=flt, transform=transform)
            for name in ("accuracy", "error_rate", "median_confidence")
        }
        assert got["accuracy"] == pytest.approx(correct.mean(), abs=1e-12)
        assert got["error_rate"] == pytest.approx(1 - correct.mean(), abs=1e-12)
        assert got["median_confidence"] == pytest.approx(
            np.median(confidence_of(data, m, transform)[mask]), abs=1e-12
        )


def test_ops_given_to_metrics_match_the_run(toy_processed: Project) -> None:
    ops = toy_processed.ops("m-2", "shift")
    assert (ops.id_column, ops.data_column, ops.label_column) == ("id", "x", "label")
    assert ops.output_column == "output:output@m-2~shift"
    assert ops.distill_columns == {
        "correct": "distill:correct@m-2~shift",
        "confidence": "other:confidence@m-2~shift",
        "x_squared": "distill:x_squared~shift",
        "x_squared_plus_one": "distill:x_squared_plus_one~shift",
    }
    # the folder the model wrote to under this transform, not the untransformed one
    assert Path(ops.output_path) == toy_processed.cache_path / "outputs" / "m-2~shift"
    assert Path(ops.output_path).is_dir()
    assert toy_processed.ops().output_column == "" and toy_processed.ops().output_path == ""


def test_metric_defaults_to_the_first_model(toy_processed: Project) -> None:
    data = dataset(toy_processed)
    assert toy_processed.metric("accuracy") == pytest.approx(correct_of(data, "m-1", None).mean())


def test_metrics_are_nan_on_an_empty_filter(toy_processed: Project) -> None:
    nothing = Predicate("x", ">", 1000)
    for name in ("accuracy", "error_rate", "median_confidence"):
        for t in TRANSFORMS:
            assert math.isnan(toy_processed.metric(name, "m-2", filter=nothing, transform=t))


def test_decomposable_metrics_are_recognised(toy_processed: Project) -> None:
    for m in MODELS:
        for t in TRANSFORMS:
            correct = key("distill", "correct", m, t)
            assert toy_processed.decomposition("accuracy", m, t) == Decomposition(correct)
            assert toy_processed.decomposition("error_rate", m, t) == Decomposition(
                correct, scale=-1.0, offset=1.0
            )
            assert toy_processed.decomposition("median_confidence", m, t) is None


def test_metric_errors_name_what_exists(toy_processed: Project, toy: Path) -> None:
    with pytest.raises(MetricError, match=r"No metric named 'acuracy' \(did you mean 'accuracy'"):
        toy_processed.metric("acuracy")
    with pytest.raises(MetricError, match=r"No model named 'm-3'.*models: m-1, m-2"):
        toy_processed.metric("accuracy", model="m-3")
    with pytest.raises(MetricError, match=r"No transform named 'shfit' \(did you mean 'shift'"):
        toy_processed.metric("accuracy", transform="shfit")
    unprocessed = Project.from_config(toy / "config.toml")
    with pytest.raises(MetricError, match=r"has no output yet: process the project first"):
        unprocessed.metric("accuracy")


# --- which distills run per model -----------------------------------------------------------
def test_per_model_detection_sees_output_read_through_a_helper(toy_processed: Project) -> None:
    assert toy_processed.report is not None
    assert toy_processed.report.per_model == {
        "correct": True,
        "x_squared": False,
        "x_squared_plus_one": False,
    }
    assert sorted(toy_processed.report.computed) == ALL_JOBS


def test_second_run_comes_from_cache_with_the_same_detection(toy: Path, calls: Calls) -> None:
    first = Project.from_config(toy / "config.toml")
    first.process()
    calls.reset()
    again = Project.from_config(toy / "config.toml")
    report = again.process()
    assert report.computed == [] and sorted(report.cached) == ALL_JOBS
    assert report.per_model == first.report.per_model  # type: ignore[union-attr]
    assert sum(calls.counts().values()) == 0
    pd.testing.assert_frame_equal(again.table, first.table)


@model
def threshold_model(name):
    cut = {"low": 0.3, "high": 0.6}[name]

    def predict(df, ops):
        x = df[ops.data_column].to_numpy()
        return ModelReturn(model_output=(x > cut).astype(int), other_returns={"margin": x - cut})

    return predict


@distill
def hit(df, ops):
    return (df[ops.output_column] == df[ops.label_column]).to_numpy()


@distill
def miss(df, ops):
    """Reads a per-model distill only, never the output: must run per model too."""
    return ~df[ops.distill_columns["hit"]].to_numpy(dtype=bool)


@distill
def miss_and_far(df, ops):
    """Two levels down the chain."""
    return df[ops.distill_columns["miss"]].to_numpy(dtype=bool) & (df["x"] > 0.5).to_numpy()


@distill
def abs_margin(df, ops):
    """Reads a model's other_returns column through distill_columns."""
    return np.abs(df[ops.distill_columns["margin"]].to_numpy())


@distill(per_model=True)
def declared_hit(df, ops):
    return (df[ops.output_column] == df[ops.label_column]).to_numpy()


@distill
def declared_miss(df, ops):
    return ~df[ops.distill_columns["declared_hit"]].to_numpy(dtype=bool)


@distill(per_model=False)
def leaky(df, ops):
    return df[ops.output_column].to_numpy()


@metric
def hit_rate(df, ops):
    return df[ops.distill_columns["hit"]].mean()


def chain_project(tmp_path: Path, *functions) -> Project:
    x = np.linspace(0, 1, 40)
    df = pd.DataFrame({"id": [f"i{i:02d}" for i in range(40)], "x": x, "label": (x > 0.45) * 1})
    return Project(
        metadata=df,
        functions=[threshold_model, *functions],
        models=["low", "high"],
        id_column="id",
        data_column="x",
        label_column="label",
        batch_size=16,
        executor="sequential",
        cache_path=str(tmp_path / "cache"),
    )


def test_distills_reading_per_model_columns_run_per_model(tmp_path: Path) -> None:
    fns = [hit, miss, miss_and_far, abs_margin, declared_hit, declared_miss, hit_rate]
    project = chain_project(tmp_path, *fns)
    report = project.process()
    assert report.ok, (report.failures, report.skipped)
    assert report.per_model == dict.fromkeys(
        ["hit", "miss", "miss_and_far", "abs_margin", "declared_hit", "declared_miss"], True
    )
    table = project.table
    x, label = table["x"].to_numpy(), table["label"].to_numpy()
    for m, cut in (("low", 0.3), ("high", 0.6)):
        hits = (x > cut).astype(int) == label
        np.testing.assert_array_equal(table[f"distill:hit@{m}"].to_numpy(bool), hits)
        np.testing.assert_array_equal(table[f"distill:miss@{m}"].to_numpy(bool), ~hits)
        np.testing.assert_array_equal(table[f"distill:declared_miss@{m}"].to_numpy(bool), ~hits)
        np.testing.assert_array_equal(
            table[f"distill:miss_and_far@{m}"].to_numpy(bool), ~hits & (x > 0.5)
        )
        np.testing.assert_allclose(table[f"distill:abs_margin@{m}"], np.abs(x - cut))
        assert project.metric("hit_rate", m) == pytest.approx(hits.mean())
    assert not any(k.startswith("distill:miss") and "@" not in k for k in table.columns)

    again = chain_project(tmp_path, *fns).process()
    assert again.computed == [] and again.per_model == report.per_model


def test_per_model_false_distill_reading_the_output_fails_clearly(tmp_path: Path) -> None:
    project = chain_project(tmp_path, hit, leaky)
    with pytest.raises(ProcessingError) as info:
        project.process()
    [failure] = info.value.failures
    assert (failure.function, failure.model, failure.first_id) == ("leaky", None, None)
    message = str(info.value)
    assert "distill function 'leaky' failed:" in message
    assert "declared per_model=False but reads the model output" in message
    assert "starting at id None" not in message
    assert "distill:hit@low" in project.table  # the rest was computed


@distill
def typo(df, ops):
    return df[ops.distill_columns["hti"]].to_numpy()


def test_distill_reading_a_column_nobody_produces_fails_clearly(tmp_path: Path) -> None:
    report = chain_project(tmp_path, hit, typo).process(strict=False)
    [failure] = report.failures
    assert failure.function == "typo"
    assert "reads ops.distill_columns['hti'], which no distill or model produces" in str(failure)
    assert "hit" in str(failure) and "margin" in str(failure)


# --- editing functions recomputes only what changed ------------------------------------------
def process_counting(toy: Path, calls: Calls) -> tuple[Project, dict[str, int]]:
    calls.reset()
    project = Project.from_config(toy / "config.toml")
    project.process()
    return project, dict(calls.counts())


def test_editing_a_function_recomputes_it_and_its_dependents_only(toy: Path, calls: Calls) -> None:
    _, first = process_counting(toy, calls)
    assert first["model"] == 4 * BATCHES and first["correct"] == 4 * BATCHES
    edit(toy / "functions" / "toy_functions.py", "** 2).to_numpy()", "** 3).to_numpy()")

    project, counts = process_counting(toy, calls)
    assert counts == {"x_squared": 2 * BATCHES, "x_squared_plus_one": 2 * BATCHES}
    report = project.report
    assert report is not None
    assert sorted(report.computed) == labels(
        "distill x_squared",
        "distill x_squared ~shift",
        "distill x_squared_plus_one",
        "distill x_squared_plus_one ~shift",
    )
    assert sorted(report.cached + report.computed) == ALL_JOBS
    data = dataset(project)
    for t in TRANSFORMS:
        x = x_of(data, t)
        np.testing.assert_allclose(project.table[key("distill", "x_squared", None, t)], x**3)
        np.testing.assert_allclose(
            project.table[key("distill", "x_squared_plus_one", None, t)], x**3 + 1
        )


def test_comment_only_edit_leaves_dependents_cached(toy: Path, calls: Calls) -> None:
    before, _ = process_counting(toy, calls)
    edit(
        toy / "functions" / "toy_functions.py",
        '    _count("x_squared")\n',
        '    _count("x_squared")\n    # squares, nothing else\n',
    )
    project, counts = process_counting(toy, calls)
    assert counts == {"x_squared": 2 * BATCHES}
    assert project.report is not None
    assert sorted(project.report.computed) == labels(
        "distill x_squared", "distill x_squared ~shift"
    )
    assert "distill x_squared_plus_one ~shift" in project.report.cached
    pd.testing.assert_frame_equal(project.table, before.table)


def test_editing_a_helper_recomputes_the_functions_using_it(toy: Path, calls: Calls) -> None:
    before, _ = process_counting(toy, calls)
    edit(
        toy / "functions" / "toy_functions.py",
        "    return df[ops.output_column]\n",
        "    return df[ops.output_column].copy()\n",
    )
    project, counts = process_counting(toy, calls)
    assert counts == {"correct": 4 * BATCHES}
    assert project.report is not None
    assert sorted(project.report.computed) == CORRECT_JOBS
    assert project.report.per_model["correct"] is True
    pd.testing.assert_frame_equal(project.table, before.table)


# --- an interrupted run resumes --------------------------------------------------------------
def test_killed_run_resumes_without_recomputing_finished_batches(
    toy: Path, calls: Calls, toy_processed: Project
) -> None:
    finished = 7  # all of m-1 and two batches of m-2 (models run first, one after the other)
    env = {**os.environ, "ZENOHUB_TOY_KILL": f"model:{finished}"}
    killed = subprocess.run(
        [sys.executable, "-m", "zenohub.cli", "process", str(toy / "config.toml"), "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert calls.counts()["model"] == finished + 1  # the last one died mid-batch
    assert calls.counts()["shift"] == BATCHES

    project, counts = process_counting(toy, calls)
    assert counts["model"] == 4 * BATCHES - finished
    assert "shift" not in counts  # the transform had finished: cached as a whole
    assert project.report is not None and project.report.problems == []
    pd.testing.assert_frame_equal(project.table, toy_processed.table)


# --- failing user functions ------------------------------------------------------------------
def test_failing_function_is_reported_and_the_rest_is_cached(
    toy: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch, toy_processed: Project
) -> None:
    monkeypatch.setenv("ZENOHUB_TOY_FAIL", "correct@m-2~shift:r100")
    project = Project.from_config(toy / "config.toml")
    with pytest.raises(ProcessingError) as info:
        project.process()
    data = dataset(project)
    first_id = data["id"][64]  # r100 is in the second batch, rows 64..127
    [failure] = info.value.failures
    assert (failure.function, failure.kind, failure.model, failure.transform) == (
        "correct",
        "distill",
        "m-2",
        "shift",
    )
    assert failure.first_id == first_id
    message = str(info.value)
    assert (
        f"distill function 'correct', model 'm-2', transform 'shift' failed on the batch "
        f"starting at id {first_id!r}" in message
    )
    assert "Traceback (most recent call last)" in message
    assert "toy_functions.py" in message and "in _fail_if_asked" in message
    assert "ValueError: toy failure in correct@m-2~shift on the batch holding r100" in message
    report = project.report
    assert report is not None and info.value.report is report and not report.ok
    assert "distill correct @m-2 ~shift" not in report.computed
    assert sorted(report.computed) == [j for j in ALL_JOBS if j != "distill correct @m-2 ~shift"]
    failed = key("distill", "correct", "m-2", "shift")
    assert failed not in project.table
    expected = toy_processed.table.drop(columns=[failed])
    pd.testing.assert_frame_equal(project.table[expected.columns], expected)

    monkeypatch.delenv("ZENOHUB_TOY_FAIL")
    again, counts = process_counting(toy, calls)
    assert counts == {"correct": BATCHES}
    assert again.report is not None and again.report.computed == ["distill correct @m-2 ~shift"]
    pd.testing.assert_frame_equal(again.table, toy_processed.table)


def test_failing_model_is_named_and_other_models_are_kept(
    toy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENOHUB_TOY_FAIL", "model@m-2:r000")
    project = Project.from_config(toy / "config.toml")
    report = project.process(strict=False)
    [failure] = report.failures
    assert (failure.function, failure.kind, failure.model, failure.transform) == (
        "load_model",
        "model",
        "m-2",
        None,
    )
    assert failure.first_id == "r000"
    assert "model function 'load_model', model 'm-2' failed on the batch starting at id 'r000'" in (
        str(failure)
    )
    assert "output:output@m-2" not in project.table
    assert "output:output@m-2~shift" in project.table
    assert "distill:correct@m-1" in project.table
    with pytest.raises(MetricError, match=r"Model 'm-2' has no output yet.*its model run failed"):
        project.metric("accuracy", "m-2")
    assert project.metric("accuracy", "m-2", transform="shift") == pytest.approx(
        correct_of(dataset(project), "m-2", "shift").mean()
    )


# --- the project database --------------------------------------------------------------------
def test_store_lives_in_the_cache_and_survives_reopening(toy: Path) -> None:
    project = Project.from_config(toy / "config.toml")
    store = project.store
    try:
        assert (toy / ".zenohub_cache" / "zenohub.db").is_file()
        store.create_slice("group a", filter=Predicate("group", "==", "a"), description="a only")
        store.create_slice("picked", ids=["r001", "r002"])
    finally:
        store.close()

    reopened = Project.from_config(toy / "config.toml")
    try:
        names = [s.name for s in reopened.store.slices()]
        assert names == ["group a", "picked"]
        group_a = reopened.store.get_slice("group a")
        assert group_a.description == "a only" and group_a.ids is None
        assert reopened.store.get_slice("picked").ids == ["r001", "r002"]
        mask = reopened.mask(group_a.filter)
        assert mask.sum() == (dataset(reopened)["group"] == "a").sum() > 0
    finally:
        reopened.store.close()
