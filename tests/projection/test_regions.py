"""Error regions on maps with planted dense clusters of errors."""

from __future__ import annotations

import numpy as np
import pytest

from zenohub.projection import find_error_regions

CENTERS = [(2.0, 2.0), (7.0, 6.0)]


def planted(seed: int, blob_error: float = 0.85) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """2000 background points with 5% errors plus two dense blobs of 120 mostly wrong points."""
    rng = np.random.default_rng(seed)
    xy = [rng.uniform(0, 10, size=(2000, 2))]
    err = [rng.random(2000) < 0.05]
    blobs = []
    start = 2000
    for c in CENTERS:
        xy.append(rng.normal(c, 0.25, size=(120, 2)))
        err.append(rng.random(120) < blob_error)
        blobs.append(np.arange(start, start + 120))
        start += 120
    return np.vstack(xy), np.concatenate(err), blobs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_error_clusters_are_found(seed: int) -> None:
    xy, err, blobs = planted(seed)
    ids = np.array([f"i{i}" for i in range(len(xy))])
    regions = find_error_regions(xy, err, ids)
    assert len(regions) >= 2
    top = regions[:2]
    overall = err.mean()
    for blob in blobs:
        # one of the two top regions holds most of the planted blob
        cover = max(np.isin(blob, r.rows).mean() for r in top)
        assert cover >= 0.8
    for r in top:
        center = np.array(r.center)
        assert min(np.linalg.norm(center - c) for c in CENTERS) < 0.5
        assert r.lift >= 3 and r.error_rate == pytest.approx(err[r.rows].mean())
        assert r.p_value < 1e-10
        assert r.size == len(r.rows) == len(r.ids) and r.errors == int(err[r.rows].sum())
        assert r.lift == pytest.approx(r.error_rate / overall)
        assert set(r.ids) == set(ids[r.rows])
        assert f"{r.size} instances" in r.describe()


@pytest.mark.parametrize("seed", range(5))
def test_errors_spread_evenly_give_no_region(seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, size=(3000, 2))
    err = rng.random(3000) < 0.1
    assert find_error_regions(xy, err) == []


def test_no_errors_or_bad_shapes() -> None:
    xy = np.random.default_rng(0).normal(size=(100, 2))
    assert find_error_regions(xy, np.zeros(100, dtype=bool)) == []
    with pytest.raises(ValueError, match=r"xy must be \(n, 2\)"):
        find_error_regions(xy[:, :1], np.zeros(100, dtype=bool))


def test_subsampled_clustering_still_assigns_every_row() -> None:
    xy, err, blobs = planted(0)
    regions = find_error_regions(xy, err, max_points=800)
    assert len(regions) >= 2
    for blob in blobs:
        assert max(np.isin(blob, r.rows).mean() for r in regions) >= 0.8
