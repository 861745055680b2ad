"""Gaussian noise: images with additive white Gaussian noise, to test robustness.

Part of zenohub's bundled function hub: ``zenohub hub install gaussian_noise``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from zenohub import DataError, ZenoOptions, transform

#: standard deviation of the noise as a fraction of full scale (0.1 = 25.5 gray levels)
SIGMA = 0.1


def _rng(instance_id: object) -> np.random.Generator:
    """A random generator that depends only on this transform and the instance id."""
    digest = hashlib.sha256(f"gaussian_noise:{instance_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _columns(df: pd.DataFrame, ops: ZenoOptions) -> Path:
    """Check the batch has the id and data columns; the folder new images go to."""
    for key, column in (("id_column", ops.id_column), ("data_column", ops.data_column)):
        if column not in df:
            raise DataError(f"gaussian_noise: {key} '{column}' is not a column of the table.")
    if not ops.output_path:
        raise DataError(
            "gaussian_noise writes new image files and needs ops.output_path "
            "(zenohub sets it when it processes a project; set it when calling the function)."
        )
    folder = Path(ops.output_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read(path: str) -> Image.Image:
    """The image at ``path``, as 8-bit gray ("L") if it is gray, else RGB."""
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("L" if image.mode in ("1", "L", "LA", "I", "I;16") else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"gaussian_noise: cannot read image file {path}: {exc}") from exc


def _write(folder: Path, instance_id: object, image: Image.Image) -> str:
    """Save ``image`` as PNG named after the instance id; its absolute path.

    The write is atomic and skipped when the file already holds these bytes, so reruns and
    parallel workers are safe.
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(instance_id))[:80]
    digest = hashlib.sha256(str(instance_id).encode()).hexdigest()[:12]
    path = folder / f"{safe}-{digest}.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    content = buffer.getvalue()
    if not (path.is_file() and path.read_bytes() == content):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return str(path.resolve())


def _noisy(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """``image`` plus independent N(0, SIGMA * 255) noise per pixel and channel, clipped."""
    pixels = np.asarray(image, dtype=np.float64)
    noisy = pixels + rng.normal(0.0, SIGMA * 255.0, size=pixels.shape)
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8), mode=image.mode)


@transform
def gaussian_noise(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """The image with additive white Gaussian noise (standard deviation 10% of full scale).

    Sensor noise, low light and compression all add noise; a robust model's predictions should not
    change. Compare a metric on the original and the transformed instances, or write an invariance
    test. Independent noise of standard deviation ``SIGMA`` = 0.1 of full scale (25.5 gray levels)
    is added to every pixel and channel, then values are rounded and clipped to 0..255. The noise
    depends only on the instance id, so every run and every worker writes identical files. Edit
    ``SIGMA`` for a stronger or weaker perturbation.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds image file paths, relative to
        ``ops.data_path`` (or absolute); ``df[ops.id_column]`` the instance ids.
    ops
        zenohub's options; reads ``id_column``, ``data_column``, ``data_path`` and
        ``output_path`` (the folder the new PNG files are written to).

    Returns
    -------
    pandas.DataFrame
        A copy of the batch whose data column holds the absolute paths of the transformed
        images (8-bit gray or RGB PNGs, one per instance, named after its id); missing data
        cells stay missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    folder = _columns(df, ops)
    paths: list[object] = []
    for instance_id, source in zip(df[ops.id_column], df[ops.data_column], strict=True):
        if pd.isna(source):
            paths.append(source)
            continue
        image = _read(os.path.join(ops.data_path, str(source)))
        paths.append(_write(folder, instance_id, _noisy(image, _rng(instance_id))))
    out = df.copy()
    out[ops.data_column] = pd.Series(paths, index=df.index, dtype=object)
    return out
