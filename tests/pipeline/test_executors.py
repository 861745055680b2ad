"""Sequential, local pool and Dask run the same tasks into identical tables, failures included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import TOY, copy_project
from zenohub import ConfigError, Project, distill, model
from zenohub.api import ModelReturn
from zenohub.pipeline import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SequentialExecutor,
    make_executor,
)


@model
def scaled(name):
    factor = float(name[1:])

    def predict(df, ops):
        x = df[ops.data_column].to_numpy()
        return ModelReturn(model_output=x * factor, embedding=np.c_[x, x * factor])

    return predict


@distill
def fragile(df, ops):
    if "i13" in set(df[ops.id_column]):
        raise ZeroDivisionError("fragile saw i13")
    return df[ops.data_column].to_numpy() + 1


@distill
def steady(df, ops):
    return df[ops.data_column].to_numpy() * 10


@distill
def above(df, ops):
    return (df[ops.output_column] > 5).to_numpy()


def failing_project(tmp_path: Path) -> Project:
    return Project(
        metadata=pd.DataFrame({"id": [f"i{i}" for i in range(20)], "x": np.arange(20.0)}),
        functions=[scaled, fragile, steady, above],
        models=["x1", "x2"],
        id_column="id",
        data_column="x",
        batch_size=5,
        cache_path=str(tmp_path / "cache"),
    )


def run_toy(tmp_path: Path, executor: Executor | str) -> Project:
    project = Project.from_config(copy_project(TOY, tmp_path / "toy") / "config.toml")
    project.process(executor=executor)
    return project


def check_toy(project: Project, reference: Project, executor: str) -> None:
    assert project.report is not None and project.report.executor == executor
    assert project.report.ok and project.report.per_model == reference.report.per_model  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(project.table, reference.table)
    for m in project.models:
        for t in (None, "shift"):
            np.testing.assert_array_equal(project.embedding(m, t), reference.embedding(m, t))


def check_failing(tmp_path: Path, executor: Executor | str, name: str) -> None:
    project = failing_project(tmp_path)
    report = project.process(executor=executor, strict=False)
    assert report.executor == name
    [failure] = report.failures
    assert (failure.function, failure.model, failure.transform, failure.first_id) == (
        "fragile",
        None,
        None,
        "i10",
    )
    assert "ZeroDivisionError: fragile saw i13" in failure.traceback
    assert "test_executors.py" in failure.traceback and "in fragile" in failure.traceback
    assert sorted(report.computed) == [
        "distill above @x1",
        "distill above @x2",
        "distill steady",
        "model scaled @x1",
        "model scaled @x2",
    ]
    x = np.arange(20.0)
    table = project.table
    assert "distill:fragile" not in table
    np.testing.assert_array_equal(table["distill:steady"], x * 10)
    np.testing.assert_array_equal(table["output:output@x2"], x * 2)
    np.testing.assert_array_equal(table["distill:above@x2"].to_numpy(bool), x * 2 > 5)
    assert report.per_model == {"fragile": False, "steady": False, "above": True}


def test_make_executor() -> None:
    assert isinstance(make_executor("sequential"), SequentialExecutor)
    local = make_executor("local", workers=3)
    assert isinstance(local, LocalExecutor) and local.workers == 3
    assert isinstance(make_executor("dask", address="tcp://h:1"), DaskExecutor)
    with pytest.raises(ConfigError, match=r"Unknown executor 'threads'; use 'local', "):
        make_executor("threads")


@pytest.mark.parametrize("executor", ["sequential", "local"])
def test_toy_tables_are_identical(tmp_path: Path, toy_processed: Project, executor: str) -> None:
    check_toy(run_toy(tmp_path, executor), toy_processed, executor)


@pytest.mark.parametrize("executor", ["sequential", "local"])
def test_failing_function_is_reported_alike(tmp_path: Path, executor: str) -> None:
    check_failing(tmp_path, executor, executor)
    # the failure is not cached: a second run tries again, everything else comes from cache
    again = failing_project(tmp_path).process(executor=executor, strict=False)
    assert again.computed == [] and len(again.failures) == 1 and len(again.cached) == 5


def test_local_pool_runs_in_other_processes(tmp_path: Path) -> None:
    """What the pool returns was computed in a worker, not silently in this process."""
    import os

    @distill
    def pid(df, ops):
        return [os.getpid()] * len(df)

    project = Project(
        metadata=pd.DataFrame({"id": ["a", "b", "c", "d"]}),
        functions=[pid],
        id_column="id",
        batch_size=1,
        cache_path=str(tmp_path / "cache"),
    )
    with LocalExecutor(workers=2) as pool:
        project.process(executor=pool)
    pids = set(project.table["distill:pid"])
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    """One LocalCluster for the module (starting one takes seconds)."""
    with DaskExecutor(workers=2) as executor:
        yield executor  # type: ignore[misc]


@pytest.mark.slow
def test_dask_toy_table_is_identical(
    tmp_path: Path, toy_processed: Project, dask_executor: DaskExecutor
) -> None:
    check_toy(run_toy(tmp_path, dask_executor), toy_processed, "dask")


@pytest.mark.slow
def test_dask_failing_function_is_reported_alike(
    tmp_path: Path, dask_executor: DaskExecutor
) -> None:
    check_failing(tmp_path, dask_executor, "dask")
