"""Error regions: places of a 2-D map where a model's errors concentrate.

A local hot-spot scan: each point's k nearest neighbours on the map give its local error rate;
a point is *hot* when that rate is at least ``min_lift`` times the overall rate and too high for
chance (one-sided binomial test at ``alpha``). Hot points that are each other's neighbours form
one region — whatever its shape — holding right and wrong instances alike; a sparse sprinkle of
errors over the whole map makes no region. Each region reports its size, errors, error rate,
lift over the overall rate and a binomial p-value. This is the embedding half of slice discovery,
in the spirit of Domino (Eyuboglu et al., ICLR 2022), which looks for coherent, error-dense
groups in a model's representation space; the hot-spot scan is the classic spatial-statistics
form of the same question (Getis & Ord, 1992).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ErrorRegion:
    """One region: its rows (table positions), ids and error statistics."""

    rows: np.ndarray
    ids: tuple[str, ...]
    size: int
    errors: int
    error_rate: float
    lift: float  #: error_rate / overall error rate
    center: tuple[float, float]
    p_value: float  #: one-sided binomial test of this many errors at the overall rate

    @property
    def excess(self) -> float:
        """Errors beyond what the overall rate predicts for this many instances."""
        return self.errors - self.size * self.error_rate / self.lift if self.lift else 0.0

    def describe(self) -> str:
        return (
            f"{self.size} instances, {self.errors} errors ({self.error_rate:.0%}), "
            f"{self.lift:.1f}x the overall rate"
        )


def find_error_regions(
    xy: np.ndarray,
    errors: np.ndarray,
    ids: np.ndarray | list[str] | None = None,
    *,
    min_size: int | None = None,
    min_lift: float = 1.5,
    max_regions: int = 10,
    neighbors: int = 25,
    alpha: float = 0.001,
    max_points: int = 50_000,
    seed: int = 0,
) -> list[ErrorRegion]:
    """Regions of ``xy`` where ``errors`` concentrate, most excess errors first.

    Parameters
    ----------
    xy
        (n, 2) map coordinates, in table row order.
    errors
        (n,) booleans: the instances the model gets wrong.
    ids
        Instance ids (default: the row positions as strings).
    min_size
        Smallest region reported; default 0.5% of the rows, at least 10.
    min_lift
        Smallest error rate relative to the overall rate (per point and per region).
    neighbors, alpha
        Size of the neighbourhood giving a point's local error rate, and the significance a
        hot point needs.
    max_points
        Rows beyond this are subsampled (seeded) for the scan; every other row then joins the
        region of its nearest sampled row.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree
    from scipy.stats import binom

    xy = np.asarray(xy, dtype=np.float64)
    err = np.asarray(errors, dtype=bool)
    n = len(xy)
    if xy.shape != (n, 2) or err.shape != (n,):
        raise ValueError(f"xy must be (n, 2) and errors (n,), got {xy.shape} and {err.shape}")
    ids_arr = np.asarray(ids if ids is not None else np.arange(n)).astype(str)
    finite = np.isfinite(xy).all(axis=1)
    overall = float(err[finite].mean()) if finite.any() else 0.0
    min_size = min_size or max(10, int(np.ceil(0.005 * n)))
    if int(err[finite].sum()) < min_size or overall in (0.0, 1.0):
        return []
    rows_all = np.flatnonzero(finite)
    sample = rows_all
    if len(sample) > max_points:
        sample = np.sort(np.random.default_rng(seed).choice(rows_all, max_points, replace=False))
    k = int(min(neighbors, len(sample)))
    tree = cKDTree(xy[sample])
    _, nbrs = tree.query(xy[sample], k=k)
    # a point is hot when the errors among its k nearest neighbours are too many for chance
    # (one-sided binomial test) and at least min_lift times the overall rate
    k_err = err[sample][nbrs].sum(axis=1)
    hot = (k_err / k >= min_lift * overall) & (binom.sf(k_err - 1, k, overall) < alpha)
    if not hot.any():
        return []
    # hot points that are each other's neighbours form one region
    src = np.repeat(np.arange(len(sample)), k)
    dst = nbrs.reshape(-1)
    keep = hot[src] & hot[dst]
    graph = coo_matrix(
        (np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(len(sample), len(sample))
    )
    _, component = connected_components(graph, directed=False)
    labels = np.where(hot, component, -1)
    if len(sample) < len(rows_all):  # every other row joins the region of its nearest sample
        _, nearest = tree.query(xy[rows_all], k=1)
        labels = labels[nearest]
    owner = np.full(n, -1)
    owner[rows_all] = labels
    regions = []
    for label in np.unique(owner[owner >= 0]):
        rows = np.flatnonzero(owner == label)
        size = len(rows)
        if size < min_size:
            continue
        n_err = int(err[rows].sum())
        rate = n_err / size
        lift = rate / overall
        if lift < min_lift:
            continue
        center = xy[rows].mean(axis=0)
        regions.append(
            ErrorRegion(
                rows=rows,
                ids=tuple(ids_arr[rows].tolist()),
                size=size,
                errors=n_err,
                error_rate=rate,
                lift=lift,
                center=(float(center[0]), float(center[1])),
                p_value=float(binom.sf(n_err - 1, size, overall)),
            )
        )
    regions.sort(key=lambda r: (-(r.errors - r.size * overall), -r.lift))
    return regions[:max_regions]
