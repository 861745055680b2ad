"""Image brightness: the mean gray level of each image, 0 (black) to 1 (white).

Part of zenohub's bundled function hub: ``zenohub hub install brightness``.
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
        raise DataError(f"brightness: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str, mode: str) -> np.ndarray:
    """The image at ``path`` converted to Pillow ``mode``, as a float64 array of 0..255."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert(mode), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"brightness: cannot read image file {path}: {exc}") from exc


@distill(per_model=False)
def brightness(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Mean gray level of the image, from 0 (black) to 1 (white).

    Under- and over-exposed inputs are a classic failure mode of vision models; slicing by
    brightness shows whether a model's accuracy drops on dark or washed-out images.

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
        One float per row: the mean gray level in ``[0, 1]``; NaN where the data cell is
        missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            values[i] = _read(path, "L").mean() / 255.0
    return DistillReturn(distill_output=values)
