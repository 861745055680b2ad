"""Registry functions copied into a real project's functions folder, processed by zenohub's
pipeline: the columns and metrics equal calling the functions directly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from zenohub import ColumnKind, ColumnRef, Project, ZenoOptions

from .conftest import REGISTRY, distilled, load_function

INSTALLED = ["brightness", "laplacian_blur", "rotation", "accuracy", "macro_f1"]

MODEL = '''
import numpy as np
from zenohub import ModelReturn, model


@model
def parity(name):
    """Predicts the label, except 0 for every third instance (a model with known accuracy)."""

    def predict(df, ops):
        labels = np.asarray(df["label"], dtype=np.int64)
        ids = np.asarray(df["position"], dtype=np.int64)
        return ModelReturn(model_output=np.where(ids % 3 == 0, 0, labels))

    return predict
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory, image_dir) -> Project:
    root = tmp_path_factory.mktemp("project")
    functions = root / "functions"
    functions.mkdir()
    for name in INSTALLED:
        manifest = json.loads((REGISTRY / name / "1.0.0" / "manifest.json").read_text())
        shutil.copy(REGISTRY / name / "1.0.0" / manifest["source"], functions)
    (functions / "model.py").write_text(MODEL)
    files = [f"digit-{i:02d}.png" for i in range(30)] + ["china.png", "flower.png"]
    labels = [*load_digits().target[:30], 1, 2]
    pd.DataFrame(
        {
            "id": [f"img{i}" for i in range(32)],
            "image": files,
            "label": labels,
            "position": range(32),
        }
    ).to_csv(root / "data.csv", index=False)
    (root / "config.toml").write_text(
        'metadata = "data.csv"\nfunctions = "functions/"\nmodels = ["m"]\nid_column = "id"\n'
        f'data_column = "image"\nlabel_column = "label"\ndata_path = "{image_dir}"\n'
        "batch_size = 10\nmultiprocessing = false\n"
    )
    project = Project.from_config(root / "config.toml")
    report = project.process()
    assert report.ok
    return project


def key(kind: str, name: str, model: str | None = None, transform: str | None = None) -> str:
    return ColumnRef(ColumnKind(kind), name, model, transform).key


def test_distills_and_transforms_computed_by_the_pipeline(project, image_ops) -> None:
    table = project.table
    direct = {
        name: distilled(name, table[["id", "image"]], image_ops)
        for name in ("brightness", "laplacian_blur")
    }
    for name, values in direct.items():
        np.testing.assert_allclose(table[key("distill", name)], values)
    # the rotated images were distilled too, and rotation changed their sharpness
    rotated = table[key("distill", "laplacian_blur", None, "rotation")].to_numpy()
    assert np.isfinite(rotated).all() and not np.allclose(rotated, direct["laplacian_blur"])
    paths = table[key("data", "image", None, "rotation")]
    assert all(Path(p).is_file() for p in paths)


def test_metrics_through_the_project_equal_known_values(project) -> None:
    table = project.table
    labels = table["label"].to_numpy()
    predicted = np.where(np.arange(32) % 3 == 0, 0, labels)
    assert project.metric("accuracy", "m") == pytest.approx(np.mean(predicted == labels))
    direct = load_function("macro_f1")(
        pd.DataFrame({"label": labels, "output": predicted}),
        ZenoOptions(label_column="label", output_column="output"),
    )
    assert project.metric("macro_f1", "m") == pytest.approx(direct.metric)
    # on a slice: the two photos, positions 30 (predicted 0, wrong) and 31 (right)
    photos = np.zeros(32, dtype=bool)
    photos[30:] = True
    assert project.metric("accuracy", "m", filter=photos) == 0.5
