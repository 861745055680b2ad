"""Projections: PCA preview, seeded UMAP, and the on-disk cache keyed by content and parameters."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from zenohub.errors import ConfigError
from zenohub.pipeline import Progress, SequentialExecutor
from zenohub.projection import (
    NOTE_FEW_ROWS,
    NOTE_NO_UMAP,
    ProjectionCache,
    ProjectionParams,
    ProjectionSettings,
    best_map,
    compute_projections,
    in_box,
    in_polygon,
    pca_map,
    preview,
    projection_settings,
)


def two_blobs(n: int = 240, d: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two well separated Gaussian clusters in ``d`` dimensions (above pca_dims=50)."""
    rng = np.random.default_rng(seed)
    group = np.arange(n) % 2
    x = rng.normal(size=(n, d))
    x[:, :5] += group[:, None] * 12.0
    return x, group.astype(bool)


def umap_files(cache: ProjectionCache) -> list[Path]:
    return sorted(cache.root.glob("umap-*.npz"))


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectionCache, np.ndarray]:
    """The blobs' UMAP computed once for the module (UMAP compiles on first use)."""
    x, _ = two_blobs()
    cache = ProjectionCache(tmp_path_factory.mktemp("proj"))
    run = compute_projections({"blobs": x}, ProjectionSettings(), cache, SequentialExecutor())
    assert run.status == {"blobs": "computed"}
    return cache, x


def test_umap_separates_planted_clusters_and_is_cached(computed) -> None:
    cache, x = computed
    _, group = two_blobs()
    m = best_map(x, cache, ProjectionParams())
    assert m.method == "umap" and m.cached and m.xy.shape == (240, 2) and not m.note
    a, b = m.xy[group], m.xy[~group]
    gap = np.linalg.norm(a.mean(0) - b.mean(0))
    assert gap > 3 * max(a.std(0).max(), b.std(0).max())


def test_cache_hit_does_not_recompute(computed) -> None:
    cache, x = computed
    (path,) = umap_files(cache)
    before = path.stat().st_mtime_ns
    progress = Progress()
    run = compute_projections({"blobs": x}, ProjectionSettings(), cache, None, progress)
    assert run.status == {"blobs": "cached"} and run.computed == []
    assert path.stat().st_mtime_ns == before
    (job,) = progress.snapshot()
    assert job.job == "projection blobs (umap)" and job.finished and job.cached == 240


def test_same_seed_same_map_and_parameters_change_the_key(computed, tmp_path: Path) -> None:
    cache, x = computed
    again = ProjectionCache(tmp_path)
    compute_projections({"blobs": x}, ProjectionSettings(), again)
    np.testing.assert_array_equal(
        best_map(x, again, ProjectionParams()).xy, best_map(x, cache, ProjectionParams()).xy
    )
    other = ProjectionSettings(params=ProjectionParams(n_neighbors=5, min_dist=0.3))
    run = compute_projections({"blobs": x}, other, again)
    assert run.status == {"blobs": "computed"}
    assert len(umap_files(again)) == 2
    # new data is a new key too
    run = compute_projections({"blobs": x + 1.0}, ProjectionSettings(), again)
    assert run.status == {"blobs": "computed"} and len(umap_files(again)) == 3


def test_corrupt_cache_file_is_reported_and_recomputed(
    computed, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, x = computed
    cache = ProjectionCache(tmp_path)
    settings = ProjectionSettings(params=ProjectionParams(n_neighbors=8))
    compute_projections({"blobs": x}, settings, cache)
    (path,) = umap_files(cache)
    good = best_map(x, cache, settings.params).xy
    path.write_bytes(path.read_bytes()[:100])  # truncated, as by a full disk
    with caplog.at_level(logging.WARNING, logger="zenohub.projection"):
        run = compute_projections({"blobs": x}, settings, ProjectionCache(tmp_path))
    assert run.status == {"blobs": "computed"}
    assert len(run.problems) == 1 and "corrupt projection cache file" in run.problems[0]
    assert "corrupt projection cache file" in caplog.text
    np.testing.assert_array_equal(best_map(x, ProjectionCache(tmp_path), settings.params).xy, good)


def test_app_path_shows_the_pca_preview_until_umap_is_computed(tmp_path: Path) -> None:
    x, group = two_blobs(seed=1)
    cache = ProjectionCache(tmp_path)
    m = best_map(x, cache, ProjectionParams())
    assert m.method == "pca" and m.note == NOTE_NO_UMAP
    assert umap_files(cache) == []  # the app never runs UMAP
    # the preview is cached: a second read loads the same file
    (path,) = sorted(cache.root.glob("pca-*.npz"))
    mtime = path.stat().st_mtime_ns
    again = best_map(x, cache, ProjectionParams())
    assert again.cached and path.stat().st_mtime_ns == mtime
    np.testing.assert_array_equal(again.xy, m.xy)
    # the first principal component separates the planted clusters
    assert (m.xy[group, 0].mean() > 0) != (m.xy[~group, 0].mean() > 0)


def test_umap_off_computes_only_previews(tmp_path: Path) -> None:
    x, _ = two_blobs()
    cache = ProjectionCache(tmp_path)
    run = compute_projections({"a": x}, ProjectionSettings(umap=False), cache)
    assert run.status == {"a": "preview"} and run.maps["a"].method == "pca"
    assert umap_files(cache) == []


def test_two_dimensional_input_is_shown_as_it_is_and_tiny_inputs_get_pca(tmp_path: Path) -> None:
    cache = ProjectionCache(tmp_path)
    flat = np.c_[np.arange(30.0), -np.arange(30.0)]
    m = best_map(flat, cache, ProjectionParams())
    assert m.method == "identity" and not m.note
    np.testing.assert_array_equal(m.xy, flat.astype(np.float32))
    tiny = np.random.default_rng(0).normal(size=(10, 5))
    m = best_map(tiny, cache, ProjectionParams())
    assert m.method == "pca" and m.note == NOTE_FEW_ROWS
    run = compute_projections({"tiny": tiny, "flat": flat}, ProjectionSettings(), cache)
    assert run.status == {"tiny": "preview", "flat": "preview"} and umap_files(cache) == []


def test_pca_map_is_deterministic_with_missing_values() -> None:
    x, _ = two_blobs()
    x[3, 4] = np.nan
    a, b = pca_map(x, seed=0), pca_map(x.copy(), seed=0)
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert preview  # exported


def test_settings_are_validated() -> None:
    s = projection_settings({"n_neighbors": 30, "metric": "cosine"}, default_seed=7)
    assert s.params == ProjectionParams(n_neighbors=30, metric="cosine", seed=7)
    with pytest.raises(ConfigError, match=r"projection.metric.*did you mean 'cosine'"):
        projection_settings({"metric": "cosin"})
    with pytest.raises(ConfigError, match=r"unknown key 'projection.n_neighbour'.*n_neighbors"):
        projection_settings({"n_neighbour": 5})
    with pytest.raises(ConfigError, match=r"'projection.min_dist' must be in \[0, 1\]"):
        projection_settings({"min_dist": 3})
    with pytest.raises(ConfigError, match=r"'projection.umap' must be bool"):
        projection_settings({"umap": "yes"})


def test_lasso_polygon_and_box_select_the_points_inside() -> None:
    grid = np.array([(x, y) for x in range(10) for y in range(10)], dtype=float)
    triangle = np.array([[-0.5, -0.5], [10.0, -0.5], [-0.5, 10.0]])  # x + y < 9.5
    inside = in_polygon(grid, triangle)
    assert inside.sum() == 55  # x + y <= 9
    assert (grid[inside].sum(axis=1) <= 9).all()
    assert in_box(grid, (7.5, 7.5, 2.5, 2.5)).sum() == 25
    assert not in_polygon(grid, np.array([[0, 0], [1, 1]])).any()
