"""Robustness transforms of the digits demo: the same digits with noise, or rotated.

Each writes 32x32 PNGs under ``ops.output_path/<transform>/`` and returns their absolute paths.
Outputs depend only on the source image and the instance id, so every run and every worker
writes byte-identical files (and skips files already written).
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from zenohub.api import ZenoOptions, transform

#: standard deviation of the noise, as a fraction of full scale
NOISE_SIGMA = 0.3
#: noise is drawn per cell of the source digits' 8x8 grid, so the model sees all of it
GRID = 8
#: counter-clockwise rotation, in degrees
ROTATION_DEGREES = 20.0


def seed_of(salt: str, instance_id: object) -> int:
    """A 64-bit seed that depends only on the transform and the instance id."""
    digest = hashlib.sha256(f"{salt}:{instance_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def read_gray(path: str) -> np.ndarray:
    """A PNG as a 2-D uint8 gray array."""
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def write_png(path: Path, pixels: np.ndarray) -> str:
    """Write an 8-bit gray PNG atomically unless identical bytes are there; its absolute path."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    content = buffer.getvalue()
    if not (path.is_file() and path.read_bytes() == content):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return os.path.abspath(path)


def output_folder(ops: ZenoOptions, name: str) -> Path:
    folder = Path(ops.output_path, name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@transform
def noise(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """Gaussian noise (sigma 30% of full scale) on every cell of the 8x8 digit grid."""
    folder = output_folder(ops, "noise")
    paths = []
    for instance_id, source in zip(df[ops.id_column], df[ops.data_column], strict=True):
        pixels = read_gray(os.path.join(ops.data_path, str(source))).astype(np.float64)
        rng = np.random.default_rng(seed_of("noise", instance_id))
        cells = rng.normal(0.0, NOISE_SIGMA * 255, size=(GRID, GRID))
        height, width = pixels.shape
        noisy = pixels + cells.repeat(height // GRID, axis=0).repeat(width // GRID, axis=1)
        noisy_pixels = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
        paths.append(write_png(folder / f"{instance_id}.png", noisy_pixels))
    out = df.copy()
    out[ops.data_column] = paths
    return out


@transform
def rotate(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """The digit rotated 20 degrees counter-clockwise about its centre (bilinear)."""
    folder = output_folder(ops, "rotate")
    paths = []
    for instance_id, source in zip(df[ops.id_column], df[ops.data_column], strict=True):
        with Image.open(os.path.join(ops.data_path, str(source))) as image:
            rotated = image.convert("L").rotate(
                ROTATION_DEGREES, resample=Image.Resampling.BILINEAR, fillcolor=0
            )
        paths.append(write_png(folder / f"{instance_id}.png", np.asarray(rotated)))
    out = df.copy()
    out[ops.data_column] = paths
    return out
