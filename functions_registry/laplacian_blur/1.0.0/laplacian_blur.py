"""Image sharpness: the variance of the Laplacian of each image (low means blurry).

Part of zenohub's bundled function hub: ``zenohub hub install laplacian_blur``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from zenohub import DataError, DistillReturn, ZenoOptions, distill


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's image file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"laplacian_blur: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str, mode: str) -> np.ndarray:
    """The image at ``path`` converted to Pillow ``mode``, as a float64 array of 0..255."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert(mode), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"laplacian_blur: cannot read image file {path}: {exc}") from exc


@distill(per_model=False)
def laplacian_blur(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Variance of the Laplacian of the gray image: a focus measure, low for blurry images.

    The standard quick blur detector (Pech-Pacheco et al., ICPR 2000): sharp edges give large
    second derivatives, so blurred, out-of-focus or motion-smeared images score low. Use it to
    find whether a model fails on blurry inputs. The Laplacian is the 4-neighbour kernel
    ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` on gray levels 0..255 with mirrored borders, the
    same values as OpenCV's ``cv2.Laplacian(gray, cv2.CV_64F).var()``. There is no universal
    threshold: compare images of similar size and content (around 100 is a common cut-off
    for photographs).

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
        One float per row: the variance, ``>= 0`` (gray-level units squared, unbounded); NaN
        where the data cell is missing.

    Raises
    ------
    DataError
        Naming the file, when an image cannot be read.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            values[i] = ndimage.laplace(_read(path, "L"), mode="mirror").var()
    return DistillReturn(distill_output=values)
