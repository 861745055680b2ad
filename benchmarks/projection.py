"""Benchmark of zenohub's embedding map: time to a first picture, to UMAP, and pan / zoom.

1. A 100,000 x 64 embedding (a mixture of 20 Gaussian clusters) in a fresh process: the time to
   the instant PCA preview (hash, PCA, atomic cache write — what the app shows at once) against
   the time to the seeded UMAP (``umap_map``: 64 dimensions > ``pca_dims`` = 50, so PCA to 50
   first), with UMAP's numba compilation timed separately on a 500-row warm-up. A seed makes
   UMAP single-threaded (deterministic maps).
2. Pan / zoom of 1,000,000 points drawn the way the projection view draws them (grey count
   layer + error-rate layer, HoloViews ``rasterize(dynamic=True)`` + ``spread``): the time for a
   new x / y range to produce the new images in the Bokeh plot, against building and
   serializing a plain Bokeh scatter of the same points (what the browser would need without
   datashader), with the bytes each sends.

Run ``python benchmarks/projection.py`` (both) or ``--skip-umap`` / ``--rows 1000000``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

import numpy as np


def mixture(n: int, d: int, k: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    return centers[rng.integers(0, k, n)] + rng.normal(size=(n, d))


def bench_umap(rows: int, dims: int, parallel: bool) -> None:
    from zenohub.projection import ProjectionCache, ProjectionParams, preview, umap_map

    x = mixture(rows, dims)
    params = ProjectionParams()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        first = preview(x, ProjectionCache(tmp), params.seed)
        t_preview = time.perf_counter() - t
    assert first.method == "pca"
    t = time.perf_counter()
    umap_map(mixture(500, dims, seed=1), params)
    t_compile = time.perf_counter() - t
    t = time.perf_counter()
    xy = umap_map(x, params)
    t_umap = time.perf_counter() - t
    assert xy.shape == (rows, 2)
    print(f"UMAP of {rows:,} x {dims} embeddings (seed {params.seed}, single-threaded):")
    print(f"  first preview (hash + PCA + cache write): {t_preview:8.2f} s")
    print(f"  UMAP warm-up on 500 rows (numba compile): {t_compile:8.2f} s")
    print(f"  UMAP of {rows:,} rows after the warm-up:   {t_umap:8.2f} s")
    print(f"  time to first picture vs to UMAP:         {(t_umap + t_compile) / t_preview:8.0f}x")
    if parallel:
        t = time.perf_counter()
        umap_map(x, ProjectionParams(seed=-1))
        t_par = time.perf_counter() - t
        print(f"  UMAP unseeded (seed = -1, every core):    {t_par:8.2f} s ({t_umap / t_par:.1f}x)")


def _images(plot: object) -> list[np.ndarray]:
    return [
        np.asarray(r.data_source.data["image"][0])
        for r in plot.state.renderers  # type: ignore[attr-defined]
        if "image" in r.data_source.data
    ]


def bench_pan_zoom(rows: int, repeats: int) -> None:
    import datashader as ds
    import holoviews as hv
    import holoviews.plotting.bokeh
    import pandas as pd
    from bokeh.embed import json_item
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure
    from holoviews.operation.datashader import rasterize, spread

    from zenohub.ui.projection import DIM_CMAP, ERROR_CMAP, PLOT_OPTS

    rng = np.random.default_rng(0)
    xy = rng.normal(size=(rows, 2)) * rng.uniform(0.5, 2.0, size=(rows, 1))
    frame = pd.DataFrame(
        {"x": xy[:, 0], "y": xy[:, 1], "value": (rng.random(rows) < 0.2).astype(float)}
    )
    points = hv.Points(frame, ["x", "y"], ["value"])
    base = spread(
        rasterize(hv.Points(frame, ["x", "y"]), aggregator=ds.count(), dynamic=True), px=2
    )
    layer = spread(rasterize(points, aggregator=ds.mean("value"), dynamic=True), px=2, how="max")
    overlay = base.opts(cmap=DIM_CMAP, cnorm="eq_hist", **PLOT_OPTS) * layer.opts(
        cmap=ERROR_CMAP, clim=(0, 1), **PLOT_OPTS
    )
    overlay = overlay.opts(width=800, height=420, responsive=False)
    t = time.perf_counter()
    plot = hv.renderer("bokeh").get_plot(overlay)
    t_first = time.perf_counter() - t
    ranges = [s for s in plot.streams if isinstance(s, hv.streams.RangeXY)]
    assert ranges, "the rasterize operations listen to the plot's ranges"
    times = []
    for i in range(repeats):
        zoom = 0.5 ** (i % 6)
        cx, cy = rng.normal(scale=0.5, size=2)
        xr, yr = (cx - 3 * zoom, cx + 3 * zoom), (cy - 3 * zoom, cy + 3 * zoom)
        before = [np.asarray(im).copy() for im in _images(plot)]
        t = time.perf_counter()
        for stream in ranges:
            stream.update(x_range=xr, y_range=yr)
        hv.streams.Stream.trigger(ranges)
        times.append(time.perf_counter() - t)
        after = _images(plot)
        assert all(
            not np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after, strict=True)
        ), "the images follow the range"
    image_bytes = sum(np.asarray(im).nbytes for im in _images(plot))
    print(f"Pan / zoom of {rows:,} points (two rasterized layers, 800 x 420 px):")
    print(f"  first plot:                            {t_first * 1000:8.0f} ms")
    print(
        f"  new range -> new images (median / max of {repeats}): "
        f"{statistics.median(times) * 1000:6.0f} / {max(times) * 1000:.0f} ms  (target <= 300 ms)"
    )
    print(f"  image data sent per update:            {image_bytes / 1e6:8.1f} MB")

    t = time.perf_counter()
    fig = figure(width=800, height=420, tools="lasso_select,box_select,pan,wheel_zoom")
    colors = np.where(frame["value"].to_numpy() > 0, ERROR_CMAP[-1], ERROR_CMAP[0])
    source = ColumnDataSource({"x": frame["x"].to_numpy(), "y": frame["y"].to_numpy(), "c": colors})
    fig.scatter("x", "y", color="c", source=source, size=3)
    payload = json.dumps(json_item(fig))  # what the page receives (arrays base64-encoded)
    t_scatter = time.perf_counter() - t
    print("Plain Bokeh scatter of the same points (no datashader):")
    print(f"  build + serialize for the browser:     {t_scatter * 1000:8.0f} ms")
    print(f"  data sent once (then drawn by the browser): {len(payload) / 1e6:6.1f} MB")
    print(
        f"  ratio scatter build / datashaded update: {t_scatter / statistics.median(times):8.1f}x; "
        f"bytes {len(payload) / image_bytes:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--umap-rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--rows", type=int, default=1_000_000, help="points for pan / zoom")
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--skip-umap", action="store_true")
    parser.add_argument(
        "--parallel", action="store_true", help="also time UMAP without a seed (all cores)"
    )
    args = parser.parse_args()
    if not args.skip_umap:
        bench_umap(args.umap_rows, args.dims, args.parallel)
    bench_pan_zoom(args.rows, args.repeats)


if __name__ == "__main__":
    main()
