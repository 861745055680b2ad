"""Project settings: every mistake in a config gets a message saying what to fix."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import TOY
from zenohub import ConfigError, DataError, Project, load_config
from zenohub.api import DistillReturn, MetricReturn, ModelReturn, distill, metric, model
from zenohub.config import KEYS, ProjectConfig, build_config

GOOD = 'metadata = "data.csv"\nfunctions = "functions/"\nmodels = ["m-1"]\n'


def write_config(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'modles = ["m-1"]',
            r"unknown key 'modles' \(did you mean 'models'\?\)\. Allowed keys: batch_size, ",
        ),
        ('batch_size = "64"', r"key 'batch_size' must be an integer, got '64'"),
        ("batch_size = true", r"key 'batch_size' must be an integer, got True"),
        ("batch_size = 0", r"key 'batch_size' must be at least 1, got 0"),
        ("editable = 1", r"key 'editable' must be true or false, got 1"),
        ('view = ["a"]', r"key 'view' must be a string, got \['a'\]"),
        (
            'executor = "dusk"',
            r"key 'executor' is 'dusk'; allowed values: local, sequential, dask "
            r"\(did you mean 'dask'\?\)",
        ),
        ('loader = "nocolon"', r"key 'loader' must look like \"file\.py:function\""),
        (
            '[columns]\nx = "continous"',
            r"\[columns\] x = 'continous' is not a column type; allowed: continuous, nominal, "
            r"boolean, datetime, text \(did you mean 'continuous'\?\)",
        ),
    ],
)
def test_config_mistakes_are_named_with_file_and_key(tmp_path: Path, extra, message) -> None:
    path = write_config(tmp_path, f"{GOOD}{extra}\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: {message}"):
        load_config(path)


def test_models_must_be_strings(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'metadata = "data.csv"\nmodels = ["m-1", 2]\n')
    with pytest.raises(
        ConfigError, match=r"key 'models' must be a list of strings, got \['m-1', 2"
    ):
        load_config(path)


def test_neither_metadata_nor_loader(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'functions = "functions/"\nmodels = ["m-1"]\n')
    with pytest.raises(ConfigError, match=r"set 'metadata' \(a dataset file\) or 'loader'"):
        load_config(path)


def test_invalid_toml_names_the_file_and_position(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'metadata = "data.csv"\nmodels = [m-1]\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: not valid TOML: .*line 2"):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Config file .*nowhere\.toml does not exist\."):
        load_config(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match=r"Config file .*config\.toml does not exist\."):
        Project.from_config(tmp_path)  # a folder means its config.toml


def test_data_column_that_is_not_a_column(toy: Path) -> None:
    config = toy / "config.toml"
    config.write_text(config.read_text().replace('data_column = "x"', 'data_column = "xx"'))
    project = Project.from_config(config)
    with pytest.raises(
        DataError,
        match=r"data_column 'xx' is not a column of the dataset \(did you mean 'x'\?\)\. "
        r"Columns: id, x, label, group\.",
    ):
        project.load()


def test_duplicate_ids(toy: Path) -> None:
    data = pd.read_csv(toy / "data.csv")
    data.loc[5, "id"] = data.loc[2, "id"]
    data.loc[9, "id"] = data.loc[3, "id"]
    data.to_csv(toy / "data.csv", index=False)
    with pytest.raises(
        DataError, match=r"id column 'id' has duplicate ids, e\.g\. 'r002', 'r003'\. Ids must be"
    ):
        Project.from_config(toy / "config.toml").load()


def test_paths_resolve_against_the_config_file_not_the_cwd(
    toy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(toy / "config.toml")
    assert config.metadata == str(toy / "data.csv")
    assert config.functions == str(toy / "functions")
    assert config.cache_path == str(toy / ".zenohub_cache")
    assert config.database_url == f"sqlite:///{toy / '.zenohub_cache' / 'zenohub.db'}"
    assert config.name == "toy" and config.base_dir == toy
    project = Project(config)
    assert len(project.table) == 300 and sorted(project.metrics)[0] == "accuracy"
    assert list(elsewhere.iterdir()) == []  # nothing written where we happen to be


def test_keyword_paths_resolve_against_base_dir(tmp_path: Path) -> None:
    config = build_config({"metadata": "d.csv", "cache_path": "c"}, base_dir=tmp_path)
    assert (config.metadata, config.cache_path) == (str(tmp_path / "d.csv"), str(tmp_path / "c"))
    assert config.source == "Project(...)"
    with pytest.raises(ConfigError, match=r"^Project\(\.\.\.\): unknown key 'moddels'"):
        Project(metadata="d.csv", moddels=["a"])


def test_effective_executor() -> None:
    assert build_config({"metadata": "d.csv"}).effective_executor == "local"
    assert build_config({"metadata": "d.csv", "multiprocessing": False}).effective_executor == (
        "sequential"
    )
    scheduler = {"metadata": "d.csv", "scheduler": "tcp://127.0.0.1:8786"}
    assert build_config(scheduler).effective_executor == "dask"


def test_every_key_is_a_config_field_with_a_doc() -> None:
    fields = ProjectConfig.__dataclass_fields__
    for name, key in KEYS.items():
        assert name in fields and key.doc
        assert getattr(ProjectConfig(), name) == key.default or name in ("cache_path",)


@model
def doubler(name):
    factor = {"double": 2, "triple": 3}[name]

    def predict(df, ops):
        return ModelReturn(model_output=df[ops.data_column].to_numpy() * factor)

    return predict


@distill
def even(df, ops):
    return DistillReturn(distill_output=(df[ops.output_column] % 2 == 0).to_numpy())


@metric
def mean_output(df, ops):
    return MetricReturn(metric=float(df[ops.output_column].mean()) if len(df) else None)


def test_keyword_project_with_a_dataframe_and_functions(tmp_path: Path) -> None:
    df = pd.DataFrame({"n": [1, 2, 3, 4, 5], "label": [2, 4, 6, 8, 10]})
    project = Project(
        metadata=df,
        functions=[doubler, even, mean_output],
        models=["double", "triple"],
        data_column="n",
        label_column="label",
        executor="sequential",
        cache_path=str(tmp_path / "cache"),
    )
    report = project.process()
    assert report.ok and report.rows == 5 and report.executor == "sequential"
    # no id column: the data column is unique, so it is the id
    assert project.id_column == "n"
    table = project.table
    np.testing.assert_array_equal(table["output:output@triple"], [3, 6, 9, 12, 15])
    np.testing.assert_array_equal(
        table["distill:even@triple"].to_numpy(bool), [False, True, False, True, False]
    )
    assert project.metric("mean_output", "double") == 6.0
    assert project.metric("mean_output", "triple", filter=table["n"].to_numpy() > 3) == 13.5
    assert (tmp_path / "cache" / "columns").is_dir()
    assert sorted(project.metrics) == ["mean_output"] and project.distills == ["even"]
    with pytest.raises(ConfigError, match=r"either a ProjectConfig or keyword settings"):
        Project(project.config, models=["x"])


def test_toy_config_is_valid() -> None:
    config = load_config(TOY / "config.toml")
    assert config.models == ["m-1", "m-2"] and config.batch_size == 64
    assert config.effective_executor == "sequential"
