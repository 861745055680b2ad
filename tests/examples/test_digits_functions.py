"""The digits demo's functions, called directly as the pipeline would call them."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score

from zenohub.api import FunctionKind, ZenoOptions, function_spec

PROJECT = Path(__file__).resolve().parents[2] / "examples" / "digits"
MODELS = ["mlp-v1", "mlp-v2", "mlp-v3", "mlp-v4"]


def load_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"zenohub_user_digits_{name}", PROJECT / "functions" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fn() -> SimpleNamespace:
    names = ["data", "model", "distills", "metrics", "transforms"]
    return SimpleNamespace(**{name: load_module(name) for name in names})


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("digits-cache")


@pytest.fixture(scope="module")
def table(fn, cache) -> pd.DataFrame:
    return fn.data.load(str(cache))


@pytest.fixture(scope="module")
def ops(cache) -> ZenoOptions:
    output = cache / "transforms"
    output.mkdir()
    return ZenoOptions(
        id_column="id",
        data_column="image",
        label_column="label",
        output_column="output",
        distill_columns={"confidence": "confidence", "correct": "correct"},
        output_path=str(output),
    )


@pytest.fixture(scope="module")
def batch(table) -> pd.DataFrame:
    """50 rows from the middle, index not reset, as the pipeline slices batches."""
    return table.iloc[100:150]


def predict_in_batches(predict, table: pd.DataFrame, ops: ZenoOptions, size: int = 100):
    parts = [predict(table.iloc[i : i + size], ops) for i in range(0, len(table), size)]
    return SimpleNamespace(
        output=np.concatenate([np.asarray(p.model_output) for p in parts]),
        embedding=np.concatenate([np.asarray(p.embedding) for p in parts]),
        confidence=np.concatenate([np.asarray(p.other_returns["confidence"]) for p in parts]),
    )


@pytest.fixture(scope="module")
def predictors(fn) -> dict:
    return {name: fn.model.mlp(name) for name in MODELS}


@pytest.fixture(scope="module")
def predictions(predictors, table, ops) -> dict[str, SimpleNamespace]:
    return {name: predict_in_batches(predictors[name], table, ops) for name in MODELS}


def decode(path: str) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.mode == "L"
        return np.asarray(image)


# --- config -------------------------------------------------------------------------------------


def test_config_names_the_loader_models_and_columns():
    import tomllib

    config = tomllib.loads((PROJECT / "config.toml").read_text())
    assert config["loader"] == "functions/data.py:load"
    assert (PROJECT / config["functions"]).is_dir()
    assert config["models"] == MODELS
    assert (config["view"], config["id_column"], config["data_column"]) == (
        "image-classification",
        "id",
        "image",
    )
    assert config["label_column"] == "label"
    assert config["columns"] == {"label": "nominal"}


def test_functions_are_declared_with_their_kinds(fn):
    kinds = {
        (module, name): function_spec(getattr(getattr(fn, module), name))
        for module, name in [
            ("model", "mlp"),
            ("distills", "brightness"),
            ("distills", "correct"),
            ("metrics", "error_rate"),
            ("transforms", "noise"),
        ]
    }
    assert kinds["model", "mlp"].kind is FunctionKind.MODEL
    assert kinds["distills", "brightness"].per_model is False
    assert kinds["distills", "correct"].per_model is True
    error_rate = kinds["metrics", "error_rate"]
    assert (error_rate.mean_of, error_rate.scale, error_rate.offset) == ("correct", -1.0, 1.0)
    assert error_rate.higher_is_better is False
    assert kinds["transforms", "noise"].kind is FunctionKind.TRANSFORM


# --- data ---------------------------------------------------------------------------------------


def test_load_returns_600_stratified_instances(table, digits):
    assert list(table.columns) == ["id", "image", "label", "source_index"]
    assert len(table) == 600
    assert table["id"].is_unique
    assert table["id"].iloc[0] == f"digit-{table['source_index'].iloc[0]:04d}"
    np.testing.assert_array_equal(table["label"], digits.target[table["source_index"]])
    counts = table["label"].value_counts()
    assert counts.index.nunique() == 10 and counts.min() >= 55 and counts.max() <= 65


def test_load_writes_pngs_that_decode_to_the_digits(table, digits, cache):
    images = np.stack([decode(path) for path in table["image"]])
    assert images.shape == (600, 32, 32)
    assert all(os.path.isabs(p) and Path(p).parent == cache / "images" for p in table["image"])
    source = digits.images[table["source_index"]]
    # every 4x4 block holds one source pixel, 0..16 scaled to 0..255
    blocks = images.reshape(600, 8, 4, 8, 4)
    assert (blocks == blocks[:, :, :1, :, :1]).all()
    np.testing.assert_array_equal(blocks[:, :, 0, :, 0], np.rint(source * 255 / 16))
    np.testing.assert_array_equal(np.rint(blocks[:, :, 0, :, 0] * (16 / 255)), source)


def test_load_again_keeps_good_files_and_repairs_bad_ones(fn, table, cache):
    first, second = Path(table["image"].iloc[0]), Path(table["image"].iloc[1])
    good_mtime = first.stat().st_mtime_ns
    content = second.read_bytes()
    second.write_bytes(b"not a png")
    again = fn.data.load(str(cache))
    pd.testing.assert_frame_equal(again, table)
    assert first.stat().st_mtime_ns == good_mtime
    assert second.read_bytes() == content


def test_training_pool_is_disjoint_from_the_evaluation_set(fn, table):
    pool = fn.model.training_pool()
    np.testing.assert_array_equal(pool, fn.data.split_indices()[0])
    assert len(pool) == 1197
    assert not set(pool) & set(table["source_index"])


# --- model --------------------------------------------------------------------------------------


def test_accuracy_improves_with_every_version(predictions, table, digits):
    truth = digits.target[table["source_index"]]
    accuracy = [accuracy_score(truth, predictions[name].output) for name in MODELS]
    assert accuracy == sorted(accuracy) and len(set(accuracy)) == 4
    assert 0.7 < accuracy[0] < 0.9
    assert accuracy[-1] > 0.95


def test_embedding_is_the_hidden_layer(fn, predictions, table, digits):
    v4 = predictions["mlp-v4"]
    assert v4.embedding.shape == (600, 32)
    clf = fn.model.train("mlp-v4")
    x = np.rint(digits.images[table["source_index"]] * 255 / 16).reshape(600, 64) / 255
    hidden = np.maximum(x @ clf.coefs_[0] + clf.intercepts_[0], 0)
    np.testing.assert_allclose(v4.embedding, hidden, atol=1e-12)
    # retraining in another process must give the same model: the same numbers, bit for bit
    np.testing.assert_array_equal(v4.confidence, clf.predict_proba(x).max(axis=1))
    np.testing.assert_array_equal(v4.output, clf.predict(x))


def test_confidence_is_a_probability_that_tracks_correctness(predictions, table):
    v4 = predictions["mlp-v4"]
    assert ((v4.confidence > 0.1) & (v4.confidence <= 1)).all()
    correct = v4.output == table["label"].to_numpy()
    assert v4.confidence[correct].mean() > v4.confidence[~correct].mean() + 0.1


def test_predictions_do_not_depend_on_batching(predictors, predictions, table, ops):
    whole = predictors["mlp-v2"](table, ops)
    np.testing.assert_array_equal(whole.model_output, predictions["mlp-v2"].output)
    np.testing.assert_allclose(whole.embedding, predictions["mlp-v2"].embedding, atol=1e-12)


def test_unknown_model_name_lists_the_known_ones(fn):
    with pytest.raises(ValueError, match="mlp-v1, mlp-v2, mlp-v3, mlp-v4"):
        fn.model.mlp("mlp-v9")


# --- distills -----------------------------------------------------------------------------------


def test_brightness_is_the_mean_gray_level(fn, batch, ops, digits):
    brightness = np.asarray(fn.distills.brightness(batch, ops).distill_output)
    pixels = np.stack([decode(p) for p in batch["image"]]) / 255
    np.testing.assert_allclose(brightness, pixels.mean(axis=(1, 2)))
    source = digits.images[batch["source_index"]] / 16
    np.testing.assert_allclose(brightness, source.mean(axis=(1, 2)), atol=0.5 / 255)


def test_ink_counts_pixels_of_at_least_a_quarter_intensity(fn, batch, ops, digits):
    ink = np.asarray(fn.distills.ink(batch, ops).distill_output)
    np.testing.assert_allclose(ink, (digits.images[batch["source_index"]] >= 4).mean(axis=(1, 2)))


def write_masks(folder: Path, masks: np.ndarray) -> pd.DataFrame:
    folder.mkdir(exist_ok=True)
    paths = []
    for i, mask in enumerate(masks):
        path = folder / f"shape-{i}.png"
        Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).save(path)
        paths.append(str(path))
    return pd.DataFrame({"id": [f"shape-{i}" for i in range(len(masks))], "image": paths})


def test_stroke_thickness_measures_pen_width_in_source_pixels(fn, ops, tmp_path):
    masks = np.zeros((5, 32, 32), bool)
    masks[0, 2:30, 14:18] = True  # vertical bar, one source pixel wide
    masks[1, 14:22, 2:30] = True  # horizontal bar, two wide
    masks[2, 2:30, 10:22] = True  # three wide
    yy, xx = np.mgrid[:32, :32]
    masks[3] = (np.abs(yy - xx) <= 3) & (yy > 1) & (yy < 30)  # diagonal, 7 px across rows
    shapes = write_masks(tmp_path / "shapes", masks)
    thickness = np.asarray(fn.distills.stroke_thickness(shapes, ops).distill_output)
    np.testing.assert_allclose(thickness[:3], [1.0, 2.0, 3.0])
    # a diagonal stroke 7 px across rows is 7 / sqrt 2 = 4.9 px across the stroke
    assert 4.9 / 4 - 0.25 < thickness[3] < 4.9 / 4 + 0.25
    assert thickness[4] == 0.0


def test_stroke_thickness_is_mostly_rotation_invariant(fn, batch, ops):
    original = np.asarray(fn.distills.stroke_thickness(batch, ops).distill_output)
    rotated = fn.transforms.rotate(batch, ops)
    turned = np.asarray(fn.distills.stroke_thickness(rotated, ops).distill_output)
    assert ((original >= 1) & (original <= 4)).all()
    assert np.median(np.abs(turned - original) / original) < 0.15


def test_symmetry(fn, ops, tmp_path):
    masks = np.zeros((4, 32, 32), bool)
    masks[0, 4:28, 8:24] = True  # centred rectangle: symmetric
    masks[1, 4:28, 2:14] = True  # left half only: disjoint from its mirror
    masks[2, 4:28, 8:20] = True  # 12 wide, mirror overlaps 8 of them
    shapes = write_masks(tmp_path / "symmetry", masks)
    symmetry = np.asarray(fn.distills.symmetry(shapes, ops).distill_output)
    np.testing.assert_allclose(symmetry, [1.0, 0.0, 8 / 12, 1.0])


def test_correct_compares_output_and_label(fn, batch, ops):
    frame = batch.assign(output=np.where(batch.index % 3 == 0, batch["label"], -1))
    correct = np.asarray(fn.distills.correct(frame, ops).distill_output)
    np.testing.assert_array_equal(correct, batch.index % 3 == 0)


# --- metrics ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(predictions, table) -> pd.DataFrame:
    v1 = predictions["mlp-v1"]
    return table.assign(output=v1.output, confidence=v1.confidence)


def test_metrics_on_a_slice(fn, scored, ops):
    part = scored[scored["label"] == 8]
    accuracy = fn.metrics.accuracy(part, ops).metric
    assert accuracy == pytest.approx(accuracy_score(part["label"], part["output"]))
    assert fn.metrics.error_rate(part, ops).metric == pytest.approx(1 - accuracy)
    confidence = fn.metrics.mean_confidence(part, ops).metric
    assert confidence == pytest.approx(part["confidence"].mean())


def test_metrics_are_nan_on_an_empty_slice(fn, scored, ops):
    empty = scored.iloc[:0]
    for name in ["accuracy", "error_rate", "mean_confidence"]:
        assert np.isnan(getattr(fn.metrics, name)(empty, ops).metric), name


# --- transforms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["noise", "rotate"])
def test_transform_writes_deterministic_changed_pngs(fn, batch, ops, tmp_path, name):
    transform = getattr(fn.transforms, name)
    first = transform(batch, ops)
    assert list(first["id"]) == list(batch["id"])
    pd.testing.assert_series_equal(first["label"], batch["label"])
    paths = [Path(p) for p in first["image"]]
    assert all(p.is_absolute() and p.is_relative_to(ops.output_path) for p in paths)
    original = np.stack([decode(p) for p in batch["image"]]).astype(int)
    changed = np.stack([decode(str(p)) for p in paths]).astype(int)
    assert changed.shape == original.shape
    assert (np.abs(changed - original).mean(axis=(1, 2)) > 5).all()

    # another worker, another output folder, overlapping batch: the same bytes
    other = ZenoOptions(**{**vars(ops), "output_path": str(tmp_path)})
    second = transform(batch.iloc[::-1].iloc[:30], other)
    for instance_id, path in zip(second["id"], second["image"], strict=True):
        mine = paths[list(batch["id"]).index(instance_id)]
        assert Path(path).read_bytes() == mine.read_bytes()


def test_noise_depends_on_the_instance_id(fn, batch, ops):
    noisy = fn.transforms.noise(batch, ops)
    noise = np.stack([decode(p) for p in noisy["image"]]).astype(int) - np.stack(
        [decode(p) for p in batch["image"]]
    )
    background = np.stack([decode(p) for p in batch["image"]]) == 0
    # same source pixel value, different ids: different noise
    assert not (
        noise[0][background[0] & background[1]] == noise[1][background[0] & background[1]]
    ).all()


def test_rotate_turns_digit_ones_by_twenty_degrees(fn, table, ops):
    ones = table[table["label"] == 1]
    rotated = fn.transforms.rotate(ones, ops)

    def orientation(paths) -> np.ndarray:
        """Angle of each image's principal axis, counter-clockwise from the x axis, in degrees."""
        images = np.stack([decode(p) for p in paths]).astype(float)
        ys, xs = np.mgrid[:32, :32]
        ys = -ys  # y up
        total = images.sum(axis=(1, 2))
        my = (images * ys).sum(axis=(1, 2)) / total
        mx = (images * xs).sum(axis=(1, 2)) / total
        dy, dx = ys - my[:, None, None], xs - mx[:, None, None]
        mu20 = (images * dx * dx).sum(axis=(1, 2))
        mu02 = (images * dy * dy).sum(axis=(1, 2))
        mu11 = (images * dx * dy).sum(axis=(1, 2))
        return np.degrees(0.5 * np.arctan2(2 * mu11, mu20 - mu02))

    turn = orientation(rotated["image"]) - orientation(ones["image"])
    turn = (turn + 90) % 180 - 90
    assert 16 < np.median(turn) < 24


def test_models_are_worse_on_transformed_digits(fn, table, ops, predictors, predictions):
    predict = predictors["mlp-v4"]
    truth = table["label"].to_numpy()
    clean = accuracy_score(truth, predictions["mlp-v4"].output)
    for name in ["noise", "rotate"]:
        transformed = getattr(fn.transforms, name)(table, ops)
        accuracy = accuracy_score(truth, predict(transformed, ops).model_output)
        assert 0.5 < accuracy < clean - 0.1, name
