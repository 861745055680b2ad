"""Image entropy: Shannon entropy of each image's gray-level histogram, in bits.

Part of zenohub's bundled function hub: ``zenohub hub install entropy``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from PIL import Image

from zenohub import DataError, DistillReturn, ZenoOptions, distill


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's image file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"entropy: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str, mode: str) -> np.ndarray:
    """The image at ``path`` converted to Pillow ``mode``, as a float64 array of 0..255."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert(mode), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"entropy: cannot read image file {path}: {exc}") from exc


def _entropy(gray: np.ndarray) -> float:
    """Entropy in bits of the 256-bin histogram of a gray image of levels 0..255."""
    counts = np.bincount(gray.astype(np.uint8).ravel(), minlength=256)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum() + 0.0)


@distill(per_model=False)
def entropy(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Shannon entropy of the gray-level histogram (256 bins), in bits.

    A measure of how much detail or texture an image carries: 0 for a uniform image, 8 when
    all 256 gray levels are equally frequent. Very low entropy flags blank, saturated or
    heavily compressed inputs; very high entropy flags noise or dense clutter.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds image file paths, relative to
        ``ops.data_path`` (or absolute); any format Pillow reads. Colour images are
        converted to gray with Pillow's ITU-R 601-2 luma transform (``L = 0.299 R + 0.587 G
        + 0.114 B``).
    ops
        zenohub's options; reads ``data_column`` and ``data_path``.

    Returns
    -------
    DistillReturn
        One float per row: the entropy in bits, in ``[0, 8]``; NaN where the data cell is
        missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            values[i] = _entropy(_read(path, "L"))
    return DistillReturn(distill_output=values)
