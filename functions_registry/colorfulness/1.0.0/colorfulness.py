"""Image colorfulness: the Hasler-Süsstrunk colourfulness metric of each image.

Part of zenohub's bundled function hub: ``zenohub hub install colorfulness``.
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
        raise DataError(f"colorfulness: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str, mode: str) -> np.ndarray:
    """The image at ``path`` converted to Pillow ``mode``, as a float64 array of 0..255."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert(mode), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"colorfulness: cannot read image file {path}: {exc}") from exc


def _colorfulness(rgb: np.ndarray) -> float:
    """Hasler-Süsstrunk M of an (h, w, 3) array of 0..255 channels."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    spread = np.sqrt(rg.std() ** 2 + yb.std() ** 2)
    centre = np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    return float(spread + 0.3 * centre)


@distill(per_model=False)
def colorfulness(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Hasler and Süsstrunk's colourfulness metric (SPIE 5007, 2003).

    With ``rg = R - G`` and ``yb = (R + G) / 2 - B`` over the pixels (channels 0..255),
    ``M = sqrt(std(rg)**2 + std(yb)**2) + 0.3 * sqrt(mean(rg)**2 + mean(yb)**2)``. 0 for
    gray-scale images; the authors' scale reads about 15 as slightly, 33 as moderately, 45 as
    averagely, 59 as quite, 82 as highly and 109 as extremely colourful. Useful to find
    failures on gray-scale, sepia or washed-out inputs versus vivid ones.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds image file paths, relative to
        ``ops.data_path`` (or absolute); any format Pillow reads. Gray and palette images
        are converted to RGB (a gray image scores 0).
    ops
        zenohub's options; reads ``data_column`` and ``data_path``.

    Returns
    -------
    DistillReturn
        One float per row: the colourfulness, ``>= 0`` (about 0..200 for natural images);
        NaN where the data cell is missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            values[i] = _colorfulness(_read(path, "RGB"))
    return DistillReturn(distill_output=values)
