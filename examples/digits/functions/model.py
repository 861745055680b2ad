"""The digits demo's model "history": one MLP family retrained on more and more data.

``mlp-v1`` .. ``mlp-v4`` share their architecture (one hidden layer of 32 ReLU units) and seed and
differ only in how much of the training pool they saw, so accuracy mostly improves from version to
version while some instances still regress. Predictions read the PNGs the loader wrote, exactly as
a deployed model would read its inputs.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from zenohub.api import ModelReturn, ZenoOptions, model

#: number of training-pool digits each version learns from (None: the whole pool of 1197)
TRAINING_SIZES: dict[str, int | None] = {
    "mlp-v1": 60,
    "mlp-v2": 200,
    "mlp-v3": 500,
    "mlp-v4": None,
}
HIDDEN_UNITS = 32
SEED = 0
EVAL_SIZE = 600
SPLIT_SEED = 0
GRID = 8
SIZE = 32


def training_pool() -> np.ndarray:
    """Indices into ``load_digits()`` of the training pool, in a fixed shuffled order.

    The same split as ``data.py:split_indices`` (repeated: function files are separate modules).
    """
    target = load_digits().target
    pool, _ = train_test_split(
        np.arange(len(target)), test_size=EVAL_SIZE, random_state=SPLIT_SEED, stratify=target
    )
    return pool


def render(images: np.ndarray) -> np.ndarray:
    """Digits of intensities 0..16 (n, 8, 8) as the uint8 32x32 images ``data.py`` writes."""
    pixels = np.rint(np.asarray(images) * (255 / 16)).astype(np.uint8)
    return pixels.repeat(SIZE // GRID, axis=1).repeat(SIZE // GRID, axis=2)


def read_images(paths: list[str]) -> np.ndarray:
    """Gray images (n, 32, 32) uint8 read from PNG files."""
    images = []
    for path in paths:
        with Image.open(path) as image:
            gray = image.convert("L")
        if gray.size != (SIZE, SIZE):
            gray = gray.resize((SIZE, SIZE), Image.Resampling.BOX)
        images.append(np.asarray(gray, dtype=np.uint8))
    return np.stack(images) if images else np.zeros((0, SIZE, SIZE), np.uint8)


def features(pixels: np.ndarray) -> np.ndarray:
    """Model inputs (n, 64) in 0..1: each 4x4 block of the image averaged back to one pixel."""
    n = len(pixels)
    blocks = pixels.reshape(n, GRID, SIZE // GRID, GRID, SIZE // GRID).astype(np.float64)
    return blocks.mean(axis=(2, 4)).reshape(n, GRID * GRID) / 255


def train(model_name: str) -> MLPClassifier:
    """Fit the named version on its slice of the training pool (under a second)."""
    if model_name not in TRAINING_SIZES:
        raise ValueError(
            f"unknown digits model {model_name!r}: config.toml `models` may list "
            f"{', '.join(TRAINING_SIZES)}"
        )
    digits = load_digits()
    rows = training_pool()[: TRAINING_SIZES[model_name]]
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN_UNITS,),
        solver="lbfgs",
        alpha=1e-2,
        max_iter=400,
        random_state=SEED,
    )
    # one BLAS thread: identical weights in every process, whatever its thread settings
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # L-BFGS converges well within max_iter here; should another BLAS stop it early, the
        # model is still usable and a warning per worker would only be noise
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(features(render(digits.images[rows])), digits.target[rows])
    return clf


@model
def mlp(model_name: str):
    """MLP digit classifier; the version number says how much training data it saw."""
    clf = train(model_name)

    def predict(df: pd.DataFrame, ops: ZenoOptions) -> ModelReturn:
        paths = [os.path.join(ops.data_path, str(p)) for p in df[ops.data_column]]
        x = features(read_images(paths))
        if len(x) == 0:
            return ModelReturn(
                model_output=np.zeros(0, np.int64),
                embedding=np.zeros((0, HIDDEN_UNITS)),
                other_returns={"confidence": np.zeros(0)},
            )
        with threadpool_limits(limits=1):
            hidden = np.maximum(x @ clf.coefs_[0] + clf.intercepts_[0], 0.0)
            proba = clf.predict_proba(x)
        return ModelReturn(
            model_output=clf.classes_[proba.argmax(axis=1)].astype(np.int64),
            embedding=hidden,
            other_returns={"confidence": proba.max(axis=1)},
        )

    return predict
