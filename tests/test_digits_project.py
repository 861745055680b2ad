"""The bundled demos processed as projects, checked against an independent computation.

The digits models are retrained here with scikit-learn (the configuration of
examples/digits/functions/model.py) on the same training pool, so the processed outputs,
accuracies and embeddings can be compared with predictions the pipeline had no part in.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from tests.conftest import EXAMPLES, copy_project
from zenohub import Project

MODELS = ["mlp-v1", "mlp-v2", "mlp-v3", "mlp-v4"]
TRAINING_SIZES = {"mlp-v1": 60, "mlp-v2": 200, "mlp-v3": 500, "mlp-v4": None}


@pytest.fixture(scope="module")
def digits_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = copy_project(EXAMPLES / "digits", tmp_path_factory.mktemp("demo") / "digits")
    project = Project.from_config(folder / "config.toml")
    project.process(executor="sequential")
    return project


@pytest.fixture(scope="module")
def split() -> tuple[np.ndarray, np.ndarray]:
    """(training pool, sorted evaluation indices) into ``load_digits()``."""
    target = load_digits().target
    pool, evaluation = train_test_split(
        np.arange(len(target)), test_size=600, random_state=0, stratify=target
    )
    return pool, np.sort(evaluation)


def pixels_to_features(gray: np.ndarray) -> np.ndarray:
    """(n, 32, 32) uint8 images -> (n, 64) mean of each 4x4 block, in 0..1."""
    n = len(gray)
    return gray.reshape(n, 8, 4, 8, 4).astype(np.float64).mean(axis=(2, 4)).reshape(n, 64) / 255


def read_gray(paths) -> np.ndarray:
    images = []
    for path in paths:
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("L")))
    return np.stack(images)


@pytest.fixture(scope="module")
def classifiers(split) -> dict[str, MLPClassifier]:
    digits = load_digits()
    pool, _ = split
    out = {}
    for name, size in TRAINING_SIZES.items():
        rows = pool[:size]
        x = np.rint(digits.images[rows] * (255 / 16)).reshape(len(rows), 64) / 255
        clf = MLPClassifier(
            hidden_layer_sizes=(32,), solver="lbfgs", alpha=1e-2, max_iter=400, random_state=0
        )
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            out[name] = clf.fit(x, digits.target[rows])
    return out


def test_digits_table_has_600_instances_and_four_models(digits_project: Project, split) -> None:
    report = digits_project.report
    assert report is not None and report.ok and report.problems == []
    assert digits_project.models == MODELS
    table = digits_project.table
    assert len(table) == 600 and table["id"].is_unique
    _, evaluation = split
    assert table["id"].astype(str).tolist() == [f"digit-{i:04d}" for i in evaluation]
    np.testing.assert_array_equal(
        table["label"].to_numpy(dtype=int), load_digits().target[evaluation]
    )
    assert report.per_model == {
        "brightness": False,
        "ink": False,
        "stroke_thickness": False,
        "symmetry": False,
        "correct": True,
    }


def test_outputs_and_accuracy_equal_scikit_learn(
    digits_project: Project, classifiers, split
) -> None:
    _, evaluation = split
    digits = load_digits()
    x = np.rint(digits.images[evaluation] * (255 / 16)).reshape(600, 64) / 255
    labels = digits.target[evaluation]
    accuracies = []
    for name, clf in classifiers.items():
        with threadpool_limits(limits=1):
            predicted = clf.predict(x)
            hidden = np.maximum(x @ clf.coefs_[0] + clf.intercepts_[0], 0.0)
        table = digits_project.table
        np.testing.assert_array_equal(table[f"output:output@{name}"].to_numpy(int), predicted)
        accuracy = float(np.mean(predicted == labels))
        assert digits_project.metric("accuracy", name) == pytest.approx(accuracy, abs=1e-12)
        assert digits_project.metric("error_rate", name) == pytest.approx(1 - accuracy, abs=1e-12)
        embedding = digits_project.embedding(name)
        assert embedding.shape == (600, 32)
        np.testing.assert_allclose(embedding, hidden, rtol=1e-9, atol=1e-12)
        accuracies.append(accuracy)
    assert 0.6 < accuracies[0] < accuracies[-1] <= 1.0  # more training data helped


def test_brightness_equals_numpy_over_the_pngs(digits_project: Project, split) -> None:
    table = digits_project.table
    gray = read_gray(table["image"]) / 255
    np.testing.assert_allclose(table["distill:brightness"], gray.mean(axis=(1, 2)), rtol=1e-12)
    _, evaluation = split  # and the PNGs are the digits: 0..16 scaled to 0..255
    source = np.rint(load_digits().images[evaluation] * (255 / 16)) / 255
    np.testing.assert_allclose(table["distill:brightness"], source.mean(axis=(1, 2)), rtol=1e-12)


@pytest.mark.parametrize("transform", ["noise", "rotate"])
def test_transforms_have_images_and_per_model_outputs(
    digits_project: Project, classifiers, transform: str
) -> None:
    table = digits_project.table
    paths = table[f"data:image~{transform}"]
    assert all(Path(p).is_file() for p in paths)
    assert not (paths == table["image"]).any()
    x = pixels_to_features(read_gray(paths))
    for name, clf in classifiers.items():
        with threadpool_limits(limits=1):
            predicted = clf.predict(x)
        np.testing.assert_array_equal(
            table[f"output:output@{name}~{transform}"].to_numpy(int), predicted
        )
        correct = predicted == table["label"].to_numpy(int)
        got = digits_project.metric("accuracy", name, transform=transform)
        assert got == pytest.approx(correct.mean(), abs=1e-12)
        assert digits_project.embedding(name, transform).shape == (600, 32)
        assert f"distill:correct@{name}~{transform}" in table
    assert f"distill:brightness~{transform}" in table


@pytest.fixture(scope="module")
def loans_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = copy_project(EXAMPLES / "loans", tmp_path_factory.mktemp("demo") / "loans")
    project = Project.from_config(folder / "config.toml")
    project.process(executor="sequential")
    return project


def test_loans_demo_processes_without_failures(loans_project: Project) -> None:
    report = loans_project.report
    assert report is not None and report.ok and report.failures == [] and report.skipped == []
    assert loans_project.models == ["logreg", "gbm", "gbm-tuned"]
    table = loans_project.table
    assert len(table) == 3000
    label = table["defaulted"].to_numpy(dtype=bool)
    for name in loans_project.models:
        predicted = table[f"output:output@{name}"].to_numpy(dtype=bool)
        assert loans_project.metric("accuracy", name) == pytest.approx(
            np.mean(predicted == label), abs=1e-12
        )
    assert report.per_model["correct"] is True and report.per_model["debt_to_income"] is False
