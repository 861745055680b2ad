"""Which points a lasso polygon or a selection box holds: vectorised over the points."""

from __future__ import annotations

import numpy as np


def in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of the points of ``xy`` inside ``polygon`` (even-odd rule).

    The loop runs over the polygon's edges (a lasso has tens to hundreds), each step a numpy
    operation over all points, so a million points take a fraction of a second.
    """
    xy = np.asarray(xy, dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64)
    inside = np.zeros(len(xy), dtype=bool)
    if poly.ndim != 2 or poly.shape[0] < 3 or poly.shape[1] != 2:
        return inside
    x, y = xy[:, 0], xy[:, 1]
    xs, ys = poly[:, 0], poly[:, 1]
    x0, y0 = xs[-1], ys[-1]
    for x1, y1 in zip(xs, ys, strict=True):
        if y0 != y1:
            crosses = (y1 > y) != (y0 > y)
            at = (x0 - x1) * (y - y1) / (y0 - y1) + x1
            inside ^= crosses & (x < at)
        x0, y0 = x1, y1
    return inside


def in_box(xy: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Boolean mask of the points inside ``(left, bottom, right, top)``."""
    left, bottom, right, top = bounds
    x0, x1 = sorted((left, right))
    y0, y1 = sorted((bottom, top))
    xy = np.asarray(xy, dtype=np.float64)
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
