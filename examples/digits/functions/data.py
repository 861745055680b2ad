"""Loader of the digits demo: 600 held-out handwritten digits, written as PNG files.

The 1797 8x8 digits of ``sklearn.datasets.load_digits`` are split once, stratified by label with a
fixed seed, into a training pool (used by ``model.py``) and the evaluation set loaded here. Pixel
intensities 0..16 become gray levels 0..255 (white ink on black, as in the source data) and each
pixel a 4x4 block, so the 32x32 PNGs stay crisp in a browser and decode back to the exact digits.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

EVAL_SIZE = 600
SPLIT_SEED = 0
#: each 8x8 digit pixel becomes a SCALE x SCALE block of the PNG
SCALE = 4


def split_indices() -> tuple[np.ndarray, np.ndarray]:
    """(training pool, sorted evaluation set) as indices into ``load_digits()``.

    ``model.py`` repeats this split (function files are loaded as separate modules); the tests
    check that both agree.
    """
    target = load_digits().target
    pool, evaluation = train_test_split(
        np.arange(len(target)), test_size=EVAL_SIZE, random_state=SPLIT_SEED, stratify=target
    )
    return pool, np.sort(evaluation)


def render(images: np.ndarray) -> np.ndarray:
    """Digits of intensities 0..16, shape (n, 8, 8), as uint8 gray images (n, 32, 32)."""
    pixels = np.rint(np.asarray(images) * (255 / 16)).astype(np.uint8)
    return pixels.repeat(SCALE, axis=1).repeat(SCALE, axis=2)


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit grayscale PNG of a 2-D uint8 array."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def write_if_changed(path: Path, content: bytes) -> None:
    """Write ``content`` atomically unless the file already holds exactly these bytes."""
    if path.is_file() and path.read_bytes() == content:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def load(output_path: str) -> pd.DataFrame:
    """Write the evaluation digits under ``output_path/images/`` and return the instance table."""
    digits = load_digits()
    _, evaluation = split_indices()
    folder = Path(output_path, "images")
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"digit-{i:04d}" for i in evaluation]
    paths = [os.path.abspath(folder / f"{instance_id}.png") for instance_id in ids]
    for path, pixels in zip(paths, render(digits.images[evaluation]), strict=True):
        write_if_changed(Path(path), png_bytes(pixels))
    return pd.DataFrame(
        {
            "id": ids,
            "image": paths,
            "label": digits.target[evaluation].astype(np.int64),
            # position in scikit-learn's copy of the UCI optical digits test set
            "source_index": evaluation.astype(np.int64),
        }
    )
