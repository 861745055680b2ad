"""Metadata distilled from the digit images (once per instance) and from each model's output.

Image distills work on gray levels scaled to 0..1 at the PNG's resolution, one batch at a time
as a stacked (n, height, width) array, so they apply unchanged to transformed (noisy, rotated)
instances.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from zenohub.api import DistillReturn, ZenoOptions, distill

#: a pixel is ink when at least a quarter of full scale bright (4 of 16 in the source data)
INK_THRESHOLD = 0.25
#: side of the source digits' pixel grid, the unit ``stroke_thickness`` is measured in
GRID = 8


def intensities(df: pd.DataFrame, ops: ZenoOptions) -> np.ndarray:
    """The batch's images as a float array (n, height, width) of gray levels in 0..1."""
    images = []
    for path in df[ops.data_column]:
        with Image.open(os.path.join(ops.data_path, str(path))) as image:
            images.append(np.asarray(image.convert("L"), dtype=np.float64) / 255)
    return np.stack(images) if images else np.zeros((0, GRID, GRID))


def thin(mask: np.ndarray) -> np.ndarray:
    """Skeletons of a stack of binary images (n, h, w), one pixel wide and 8-connected.

    Guo & Hall's two-subiteration thinning (CACM 32(3), 1989; the algorithm behind
    ``skimage.morphology.thin``), which unlike Zhang & Suen's does not erase diagonal strokes
    two pixels thick. Each subiteration updates the whole stack at once from shifted views.
    """
    img = np.pad(mask.astype(bool), ((0, 0), (1, 1), (1, 1)))
    while True:
        changed = False
        for step in (0, 1):
            # neighbours P2..P9, clockwise from north
            p2, p3, p4, p5, p6, p7, p8, p9 = (
                img[:, :-2, 1:-1],
                img[:, :-2, 2:],
                img[:, 1:-1, 2:],
                img[:, 2:, 2:],
                img[:, 2:, 1:-1],
                img[:, 2:, :-2],
                img[:, 1:-1, :-2],
                img[:, :-2, :-2],
            )
            crossings = (
                (~p2 & (p3 | p4)).astype(np.int8)
                + (~p4 & (p5 | p6))
                + (~p6 & (p7 | p8))
                + (~p8 & (p9 | p2))
            )
            n1 = (p9 | p2).astype(np.int8) + (p3 | p4) + (p5 | p6) + (p7 | p8)
            n2 = (p2 | p3).astype(np.int8) + (p4 | p5) + (p6 | p7) + (p8 | p9)
            n = np.minimum(n1, n2)
            side = (p6 | p7 | ~p9) & p8 if step == 0 else (p2 | p3 | ~p5) & p4
            delete = img[:, 1:-1, 1:-1] & (crossings == 1) & (n >= 2) & (n <= 3) & ~side
            if delete.any():
                img[:, 1:-1, 1:-1][delete] = False
                changed = True
        if not changed:
            return img[:, 1:-1, 1:-1].copy()


@distill(per_model=False)
def brightness(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Mean gray level of the image, 0 (black) to 1 (white)."""
    return DistillReturn(distill_output=intensities(df, ops).mean(axis=(1, 2)))


@distill(per_model=False)
def ink(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Fraction of the image covered by ink (pixels at least a quarter of full scale bright)."""
    return DistillReturn(distill_output=(intensities(df, ops) >= INK_THRESHOLD).mean(axis=(1, 2)))


def stroke_width(mask: np.ndarray) -> np.ndarray:
    """Typical stroke width in pixels of each binary image (n, h, w); 0 for a blank image.

    Twice the distance from the skeleton (the strokes' centre lines) to the nearest background
    pixel, median along the skeleton: robust to the short spurs jagged outlines thin into.
    """
    n = len(mask)
    if n == 0:
        return np.zeros(0)
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    # images lie far apart along the batch axis, so each pixel's nearest background is its own
    far = 4.0 * sum(mask.shape[1:])
    distance = ndimage.distance_transform_edt(padded, sampling=(far, 1.0, 1.0))[:, 1:-1, 1:-1]
    skeleton = thin(mask)
    along = np.where(skeleton, 2 * distance, np.nan).reshape(n, -1)
    along[~skeleton.reshape(n, -1).any(axis=1)] = 0.0
    return np.nanmedian(along, axis=1)


@distill(per_model=False)
def stroke_thickness(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Typical pen-stroke width, in pixels of the 8x8 source grid (median along the skeleton)."""
    mask = intensities(df, ops) >= INK_THRESHOLD
    width = mask.shape[2] if len(mask) else GRID
    return DistillReturn(distill_output=stroke_width(mask) * (GRID / width))


@distill(per_model=False)
def symmetry(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Left-right mirror similarity: 1 when the digit equals its mirror image, 0 when disjoint."""
    x = intensities(df, ops)
    mirrored = x[:, :, ::-1]
    total = (x + mirrored).sum(axis=(1, 2))
    difference = np.abs(x - mirrored).sum(axis=(1, 2))
    safe = np.where(total > 0, total, 1.0)
    return DistillReturn(distill_output=np.where(total > 0, 1.0 - difference / safe, 1.0))


@distill(per_model=True)
def correct(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Whether the model predicted the labelled digit."""
    output = np.asarray(df[ops.output_column], dtype=np.int64)
    label = np.asarray(df[ops.label_column], dtype=np.int64)
    return DistillReturn(distill_output=output == label)
