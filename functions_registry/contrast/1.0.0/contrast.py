"""Image contrast: the RMS contrast (standard deviation of gray levels) of each image.

Part of zenohub's bundled function hub: ``zenohub hub install contrast``.
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
        raise DataError(f"contrast: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str, mode: str) -> np.ndarray:
    """The image at ``path`` converted to Pillow ``mode``, as a float64 array of 0..255."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert(mode), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"contrast: cannot read image file {path}: {exc}") from exc


@distill(per_model=False)
def contrast(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """RMS contrast: the standard deviation of the image's gray levels scaled to 0..1.

    Low-contrast images (fog, glare, faded scans) hide the edges models rely on; slicing by
    contrast shows whether failures concentrate on flat-looking inputs. 0 means a uniform
    image; the maximum, 0.5, is an image half black and half white.

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
        One float per row: the standard deviation in ``[0, 0.5]``; NaN where the data cell
        is missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            values[i] = _read(path, "L").std() / 255.0
    return DistillReturn(distill_output=values)
