"""The digits demo processed once per session, with its tests.toml loaded into its store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import EXAMPLES, copy_project
from zenohub import Project
from zenohub.analysis import load_tests

MODELS = ["mlp-v1", "mlp-v2", "mlp-v3", "mlp-v4"]


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A processed private copy of the digits demo with its tests.toml loaded (read-only)."""
    folder = copy_project(EXAMPLES / "digits", tmp_path_factory.mktemp("analysis") / "digits")
    project = Project.from_config(folder / "config.toml")
    project.process(executor="sequential")
    load_tests(project)
    return project


@pytest.fixture(scope="session")
def digits_folder(digits: Project) -> Path:
    """The folder of the processed digits copy (config, tests.toml, cache)."""
    return Path(digits.config.base_dir)


@pytest.fixture
def digits_copy(digits_folder: Path, tmp_path: Path) -> Path:
    """A writable copy of the processed digits folder (cache included): its config path."""
    dst = tmp_path / "digits"
    shutil.copytree(digits_folder, dst, ignore=shutil.ignore_patterns("zenohub.db*"))
    return dst / "config.toml"


def correct(project: Project, model: str, transform: str | None = None) -> np.ndarray:
    """Independently of zenohub's metric path: the model's output equals the label."""
    suffix = f"~{transform}" if transform else ""
    output = project.table[f"output:output@{model}{suffix}"].astype(int).to_numpy()
    return output == project.table["label"].astype(int).to_numpy()


def accuracy_by_label(project: Project, transform: str | None = None) -> pd.DataFrame:
    """label x model accuracy computed with pandas."""
    frame = pd.DataFrame({m: correct(project, m, transform) for m in MODELS})
    frame["label"] = project.table["label"].astype(int).to_numpy()
    return frame.groupby("label")[MODELS].mean()
