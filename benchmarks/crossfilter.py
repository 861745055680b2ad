"""Benchmark of the Falcon-style cross-filter (zenohub.crossfilter) against a naive recompute.

Synthetic table: 12 continuous columns (normal, uniform, lognormal, some with NaN), 4 nominal
ones (5 to 50 categories) and a per-instance ``correct`` boolean; 50 display bins. Two other
views are filtered (a brush and a selection) so that exclude-self matters, then one continuous
view is brushed repeatedly. Measured:

1. a brush move answered for all 15 other views (counts and accuracy per bin) once the index is
   built -- median over random moves, with arbitrary float bounds and with bounds snapped to the
   fine ("pixel") edges -- against the naive way: pandas boolean masks, then ``np.histogram`` /
   ``np.bincount`` of every view under its exclude-self mask;
2. the index build on activation;
3. the memory the engine holds against ``df.memory_usage(deep=True).sum()``.

Run ``python benchmarks/crossfilter.py`` (1M and 10M rows) or ``--rows 1000000``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import cast

import numpy as np
import pandas as pd

from zenohub.crossfilter import CrossFilter

BINS = 50
FINE_BINS = 400
CONTINUOUS = [f"c{i}" for i in range(12)]
NOMINAL = {"n0": 5, "n1": 10, "n2": 20, "n3": 50}
ACTIVE, OTHER_BRUSH, OTHER_SELECT = "c0", ("c5", (-1.0, 1.5)), ("n1", ["k1", "k3", "k4"])


def make_table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i, name in enumerate(CONTINUOUS):
        kind = i % 3
        if kind == 0:
            x = rng.standard_normal(n)
        elif kind == 1:
            x = rng.uniform(0.0, 100.0, n)
        else:
            x = rng.lognormal(0.0, 1.0, n)
        if i % 4 == 3:
            x[rng.random(n) < 0.02] = np.nan
        cols[name] = x
    for name, k in NOMINAL.items():
        codes = rng.integers(0, k, n, dtype=np.int8)
        cols[name] = pd.Categorical.from_codes(codes, [f"k{j}" for j in range(k)])
    cols["correct"] = rng.random(n) < 0.7
    return pd.DataFrame(cols)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Naive:
    """Recompute every view from pandas masks, the way one would without an index."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self.correct = df["correct"].to_numpy(dtype=np.float64)
        self.ranges = {c: (float(df[c].min()), float(df[c].max())) for c in CONTINUOUS}
        self.codes = {c: df[c].cat.codes.to_numpy() for c in NOMINAL}

    def update(self, filters: dict[str, object]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        df = self.df
        masks = {}
        for col, f in filters.items():
            if col in NOMINAL:
                masks[col] = df[col].isin(f).to_numpy()
            else:
                lo, hi = cast(tuple[float, float], f)
                masks[col] = ((df[col] >= lo) & (df[col] <= hi)).to_numpy()
        out = {}
        for col in [*CONTINUOUS, *NOMINAL]:
            if col == ACTIVE:
                continue
            m = np.ones(len(df), bool)
            for other, mask in masks.items():
                if other != col:
                    m &= mask
            if col in NOMINAL:
                codes = self.codes[col][m]
                k = NOMINAL[col]
                counts = np.bincount(codes, minlength=k + 1)
                sums = np.bincount(codes, weights=self.correct[m], minlength=k + 1)
            else:
                x = df[col].to_numpy()[m]
                nan = np.isnan(x)
                w = self.correct[m]
                counts = np.histogram(x[~nan], bins=BINS, range=self.ranges[col])[0]
                sums = np.histogram(x[~nan], bins=BINS, range=self.ranges[col], weights=w[~nan])[0]
                counts = np.append(counts, nan.sum())
                sums = np.append(sums, w[nan].sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                out[col] = (counts, sums / counts)
        return out


def run(n: int, moves: int, naive_moves: int, seed: int) -> None:
    print(
        f"\n=== {n:,} rows: {len(CONTINUOUS)} continuous + {len(NOMINAL)} nominal views, "
        f"{BINS} bins, value column 'correct' ==="
    )
    t = time.perf_counter()
    df = make_table(n, seed)
    raw_bytes = int(df.memory_usage(deep=True).sum())
    print(
        f"table generated in {time.perf_counter() - t:.1f} s; "
        f"raw table {raw_bytes / 2**20:,.0f} MiB"
    )

    t = time.perf_counter()
    cf = CrossFilter(
        df,
        columns=[*CONTINUOUS, *NOMINAL],
        bins=BINS,
        fine_bins=FINE_BINS,
        value_columns=["correct"],
    )
    print(f"pre-binning (construction): {time.perf_counter() - t:.2f} s")
    cf.select(OTHER_SELECT[0], OTHER_SELECT[1])
    cf.brush(*OTHER_BRUSH)
    build = []
    for _ in range(3):  # each activation of ACTIVE follows one of another view: a full rebuild
        cf.activate(OTHER_BRUSH[0])
        build.append(timed(lambda: cf.activate(ACTIVE)))
    print(
        f"(2) index build on activate({ACTIVE!r}): median {statistics.median(build):.3f} s "
        f"(runs: {', '.join(f'{b:.3f}' for b in build)}; target <= 1.5 s)"
    )

    rng = np.random.default_rng(seed + 1)
    lo_x, hi_x = cf.edges(ACTIVE)[[0, -1]]
    pixels = np.linspace(lo_x, hi_x, FINE_BINS + 1)  # where a UI brush snaps

    def engine_move(bounds: tuple[float, float]) -> None:
        cf.brush(ACTIVE, bounds)
        cf.counts()
        cf.metric_per_bin_all("correct")

    def moves_of(snapped: bool) -> list[tuple[float, float]]:
        out = []
        for _ in range(moves):
            if snapped:
                i, j = sorted(rng.choice(len(pixels), 2, replace=False))
                out.append((float(pixels[i]), float(pixels[j])))
            else:
                a, b = sorted(rng.uniform(lo_x, hi_x, 2))
                out.append((float(a), float(b)))
        return out

    results = {}
    for label, snapped in (("arbitrary bounds", False), ("snapped to pixels", True)):
        times = [timed(partial(engine_move, b)) for b in moves_of(snapped)]
        results[label] = times
    naive = Naive(df)
    filters: dict[str, object] = {OTHER_SELECT[0]: OTHER_SELECT[1], OTHER_BRUSH[0]: OTHER_BRUSH[1]}
    naive_times, last = [], None
    for bounds in moves_of(False)[:naive_moves]:
        filters[ACTIVE] = bounds
        start = time.perf_counter()
        last = naive.update(filters)
        naive_times.append(time.perf_counter() - start)
        engine_move(bounds)
    assert last is not None
    counts, accuracy = cf.counts(), cf.metric_per_bin_all("correct")
    for col, (c, acc) in last.items():  # same answers as the naive recompute
        np.testing.assert_array_equal(counts[col], c)
        np.testing.assert_allclose(accuracy[col], acc, rtol=1e-9, equal_nan=True)
    naive_med = statistics.median(naive_times)
    print(f"(1) brush move, all 15 other views (counts + accuracy per bin), {moves} moves:")
    for label, times in results.items():
        med = statistics.median(times)
        p90 = float(np.percentile(times, 90))
        print(
            f"    engine, {label:<22}: median {med * 1e3:7.3f} ms, p90 {p90 * 1e3:7.3f} ms, "
            f"max {max(times) * 1e3:7.3f} ms -> {naive_med / med:,.0f}x faster than naive"
        )
    print(
        f"    naive pandas mask + np.histogram/bincount ({naive_moves} moves): "
        f"median {naive_med * 1e3:,.1f} ms   (targets: <= 1 ms at 10M rows, >= 200x)"
    )

    mem = cf.nbytes()
    owned, shared = mem["owned"], mem["shared"]
    print(
        f"(3) engine memory: {owned / 2**20:,.0f} MiB owned + {shared / 2**20:,.0f} MiB shared "
        f"(zero-copy views of the frame's float64 / bool columns)"
    )
    print(
        f"    owned / raw = {owned / raw_bytes:.2f}x; (owned + shared) / raw = "
        f"{(owned + shared) / raw_bytes:.2f}x   (target <= 1.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="table size (repeatable); default 1M and 10M"
    )
    parser.add_argument("--moves", type=int, default=50, help="engine brush moves")
    parser.add_argument("--naive-moves", type=int, default=5, help="naive recomputes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t = time.perf_counter()
    warm = make_table(300_000, args.seed)  # compile / load the kernels (serial and parallel)
    cf = CrossFilter(warm, columns=[*CONTINUOUS, *NOMINAL], value_columns=["correct"])
    cf.select("n1", ["k1"])
    cf.brush("c0", (0.0, 1.0))
    cf.counts(), cf.metric_per_bin_all("correct")
    small = CrossFilter(warm.head(1000), value_columns=["correct"])
    small.brush("c0", (0.0, 1.0))
    small.counts(), small.metric_per_bin_all("correct")
    print(f"numba kernels compiled or loaded from cache in {time.perf_counter() - t:.1f} s")
    for n in args.rows or [1_000_000, 10_000_000]:
        run(n, args.moves, args.naive_moves, args.seed)


if __name__ == "__main__":
    main()
