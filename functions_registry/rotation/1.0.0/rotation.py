"""Rotation: images rotated about their centre, to test orientation robustness.

Part of zenohub's bundled function hub: ``zenohub hub install rotation``.
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

#: counter-clockwise rotation in degrees
DEGREES = 15.0


def _rng(instance_id: object) -> np.random.Generator:
    """A random generator that depends only on this transform and the instance id."""
    digest = hashlib.sha256(f"rotation:{instance_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _columns(df: pd.DataFrame, ops: ZenoOptions) -> Path:
    """Check the batch has the id and data columns; the folder new images go to."""
    for key, column in (("id_column", ops.id_column), ("data_column", ops.data_column)):
        if column not in df:
            raise DataError(f"rotation: {key} '{column}' is not a column of the table.")
    if not ops.output_path:
        raise DataError(
            "rotation writes new image files and needs ops.output_path "
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
        raise DataError(f"rotation: cannot read image file {path}: {exc}") from exc


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


def _rotated(image: Image.Image) -> Image.Image:
    """``image`` rotated ``DEGREES`` counter-clockwise: exact for right angles, else bilinear."""
    angle = DEGREES % 360.0
    if angle in (90.0, 180.0, 270.0):
        turn = {
            90.0: Image.Transpose.ROTATE_90,
            180.0: Image.Transpose.ROTATE_180,
            270.0: Image.Transpose.ROTATE_270,
        }
        return image.transpose(turn[angle])
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)


@transform
def rotation(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """The image rotated 15 degrees counter-clockwise about its centre.

    Real photos are rarely perfectly upright; a model whose predictions change under a small
    rotation has learnt orientation cues it should not rely on. For angles other than multiples of
    90 the image keeps its size, uses bilinear interpolation and fills uncovered corners with black;
    multiples of 90 are exact pixel rearrangements (as ``numpy.rot90``) and swap width and height.
    Edit ``DEGREES`` (counter-clockwise) to change the angle. Deterministic.

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
        paths.append(_write(folder, instance_id, _rotated(image)))
    out = df.copy()
    out[ops.data_column] = pd.Series(paths, index=df.index, dtype=object)
    return out
