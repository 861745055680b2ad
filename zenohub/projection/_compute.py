"""The projections themselves: an instant PCA preview and a seeded UMAP, both (n, 2) float32.

umap is imported only inside :func:`umap_map`: its import and numba compilation cost seconds
(tens of seconds on a busy machine) in every new process, so nothing on the app's path calls it.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from ._settings import ProjectionParams

log = logging.getLogger(__name__)

#: fewer rows than this and UMAP's spectral layout is meaningless: the PCA map is used
MIN_UMAP_ROWS = 16
#: below this many rows umap-learn uses exact pairwise distances (above: nearest-neighbour descent)
SMALL_ROWS = 4096
#: umap-learn metric names scipy's pdist computes identically
SCIPY_METRICS = {
    "euclidean": "euclidean",
    "manhattan": "cityblock",
    "chebyshev": "chebyshev",
    "canberra": "canberra",
    "braycurtis": "braycurtis",
    "cosine": "cosine",
    "correlation": "correlation",
}


def as_matrix(x: object) -> np.ndarray:
    """``x`` as a finite 2-D float64 array (missing values become the column mean)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"expected an (n, d) array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        arr = arr.copy()
        bad = ~np.isfinite(arr)
        means = np.nanmean(np.where(bad, np.nan, arr), axis=0)
        arr[bad] = np.take(np.nan_to_num(means), np.nonzero(bad)[1])
    return arr


def standardize(x: np.ndarray) -> np.ndarray:
    """Columns scaled to zero mean and unit variance (constant columns stay 0)."""
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _pad(xy: np.ndarray) -> np.ndarray:
    if xy.shape[1] >= 2:
        return xy[:, :2]
    return np.c_[xy, np.zeros(len(xy))]


def pca_map(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The first two principal components (a fraction of a second for 100k x 64)."""
    x = as_matrix(x)
    if x.shape[1] <= 2 or len(x) < 3:
        return _pad(x).astype(np.float32)
    from sklearn.decomposition import PCA

    solver = "randomized" if min(x.shape) > 20 else "full"
    xy = PCA(n_components=2, svd_solver=solver, random_state=max(seed, 0)).fit_transform(x)
    # the sign of a component is arbitrary: fix it so equal inputs give equal pictures
    flip = np.sign(xy[np.argmax(np.abs(xy), axis=0), range(2)])
    return (xy * np.where(flip == 0, 1, flip)).astype(np.float32)


def umap_map(x: np.ndarray, params: ProjectionParams) -> np.ndarray:
    """UMAP of ``x`` to 2-D, deterministic for a seed (``seed = -1``: parallel, not
    reproducible); PCA first above ``params.pca_dims``.

    Inputs of 2 dimensions or fewer are returned as they are; fewer than
    :data:`MIN_UMAP_ROWS` rows get the PCA map.
    """
    x = as_matrix(x)
    n, d = x.shape
    if d <= 2:
        return _pad(x).astype(np.float32)
    if n < MIN_UMAP_ROWS:
        return pca_map(x, params.seed)
    if d > params.pca_dims:
        from sklearn.decomposition import PCA

        x = PCA(
            n_components=params.pca_dims,
            svd_solver="randomized",
            random_state=max(params.seed, 0),
        ).fit_transform(x)
    data, metric = x.astype(np.float32), params.metric
    if n < SMALL_ROWS and metric in SCIPY_METRICS:
        # below 4096 rows umap-learn computes all pairwise distances through scikit-learn with
        # a Python call per pair (seconds for 3000 rows); scipy's pdist gives the same matrix
        # at once
        from scipy.spatial.distance import pdist, squareform

        data = squareform(pdist(x, SCIPY_METRICS[metric])).astype(np.float32)
        metric = "precomputed"
    with warnings.catch_warnings():
        # umap warns that a seed forces one thread (we want the seed), numba about its internals
        warnings.simplefilter("ignore")
        import umap

        reducer = umap.UMAP(
            n_components=2,
            n_neighbors=min(params.n_neighbors, n - 1),
            min_dist=params.min_dist,
            metric=metric,
            # a seed makes UMAP reproducible and single-threaded; seed = -1 uses every core
            random_state=params.seed if params.seed >= 0 else None,
            n_jobs=1 if params.seed >= 0 else -1,
        )
        xy = reducer.fit_transform(data)
    return np.asarray(xy, dtype=np.float32)
