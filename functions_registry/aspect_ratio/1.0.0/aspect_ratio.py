"""Image aspect ratio: width over height of each image, read from the file header.

Part of zenohub's bundled function hub: ``zenohub hub install aspect_ratio``.
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
        raise DataError(f"aspect_ratio: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _size(path: str) -> tuple[int, int]:
    """(width, height) of the image at ``path``; only the header is decoded."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"aspect_ratio: cannot read image file {path}: {exc}") from exc


@distill(per_model=False)
def aspect_ratio(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Width divided by height of the image: 1 square, above 1 landscape, below 1 portrait.

    Models trained on square crops often fail on panoramas or tall portraits that get squashed
    or cropped by preprocessing; slicing by aspect ratio shows it. Only the file header is
    read, so this is fast even on large images. EXIF orientation is not applied: the ratio is
    that of the stored pixel grid, which is what most preprocessing pipelines see.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds image file paths, relative to
        ``ops.data_path`` (or absolute); any format Pillow reads.
    ops
        zenohub's options; reads ``data_column`` and ``data_path``.

    Returns
    -------
    DistillReturn
        One float per row, ``> 0`` (unitless); NaN where the data cell is missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            width, height = _size(path)
            values[i] = width / height
    return DistillReturn(distill_output=values)
