"""Slice discovery: planted-slice recall, null false positives, and speed / memory vs sliceline.

Usage::

    .venv/bin/python benchmarks/discovery.py          # zenohub alone
    .venv/bin/python benchmarks/discovery.py \
        --sliceline-python /work/scratch/sliceline-venv/bin/python

(a) Recall: 20 seeds; each table has 50,000 rows and 10 features (6 continuous, 4 nominal with
3-4 values), a base error rate of 10 % and three planted failing slices on disjoint columns -- of
1, 2 and 3 predicates, each with a lift of 2-3 and a support of at least 1 %. A planted slice
counts as recovered when the top 10 results hold one on the same columns whose rows overlap it
with a Jaccard index >= 0.7. Null: the same tables with errors at 10 % everywhere; a seed is a false
positive when any slice passes the FDR threshold (5 %). Targets: recall >= 0.95, <= 5 % of
seeds with a false positive.

(b) Speed and peak memory against the ``sliceline`` package (PyPI) on the same data: N rows x
10 features, each binned into 10 quantile bins (integer codes, what sliceline needs), 0/1
errors with a planted 3-predicate slice, ``max_l = 3`` / ``max_predicates = 3``, ``k = 10``,
minimum support 1 %. Each run is a fresh subprocess (so its peak RSS is its own; the figure
includes the interpreter and imports). sliceline must never be installed into the project's
environment; give the benchmark another interpreter that has it::

    /work/main/.venv/bin/python -m venv /work/scratch/sliceline-venv
    /work/scratch/sliceline-venv/bin/pip install sliceline

sliceline runs at 1M rows under an address-space limit (``--memory-limit-gib``, RLIMIT_AS) so
that its memory blow-up fails fast instead of taking the machine down; the failure is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
N_FEATURES = 10


# --- (b) speed: one run per subprocess ------------------------------------------------------------


def speed_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n x 10 integer-coded features (10 quantile bins each) and 0/1 errors (numpy only)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(n, N_FEATURES), dtype=np.int64) + 1  # sliceline: codes >= 1
    p = np.full(n, 0.1)
    planted = (x[:, 0] >= 9) & (x[:, 1] <= 5) & (x[:, 2] == 3)
    p[planted] = 0.4
    errors = (rng.random(n) < p).astype(np.float64)
    return x, errors


def worker(tool: str, n: int) -> dict[str, object]:
    x, errors = speed_data(n)
    started = time.perf_counter()
    if tool == "sliceline":
        from sliceline.slicefinder import Slicefinder

        sf = Slicefinder(alpha=0.95, k=10, max_l=3, min_sup=int(0.01 * n), verbose=False)
        sf.fit(x, errors)
        found = len(sf.top_slices_)
    else:
        import pandas as pd

        from zenohub.discovery import find_slices

        df = pd.DataFrame(x, columns=[f"f{i}" for i in range(N_FEATURES)])
        found = len(find_slices(df, errors, max_predicates=3, k=10, min_support=0.01))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"tool": tool, "rows": n, "seconds": seconds, "peak_bytes": peak, "found": found}


def run_worker(python: str, tool: str, n: int, limit_gib: float | None) -> dict[str, object]:
    def limit() -> None:
        if limit_gib:
            size = int(limit_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    cmd = [python, str(HERE), "--worker", tool, "--rows", str(n)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parents[1])}
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=limit, env=env)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"tool": tool, "rows": n, "failed": tail, "wall": wall}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- (a) planted-slice recall ---------------------------------------------------------------------


def planted_table(seed: int, n: int = 50_000):  # type: ignore[no-untyped-def]
    import pandas as pd

    rng = np.random.default_rng(seed)
    data: dict[str, object] = {f"x{i}": rng.random(n) for i in range(6)}
    for i in range(4):
        cats = [f"{chr(97 + j)}" for j in range(int(rng.integers(3, 5)))]
        data[f"c{i}"] = rng.choice(cats, n)
    df = pd.DataFrame(data)
    columns = [str(c) for c in rng.permutation(list(df.columns))]
    slices = []
    start = 0
    for n_pred in (1, 2, 3):
        for _attempt in range(100):
            cols = columns[start : start + n_pred]
            mask = np.ones(n, dtype=bool)
            for col in cols:
                if col.startswith("x"):
                    share = 0.1 if n_pred == 1 else rng.uniform(0.3, 0.5)
                    if rng.random() < 0.5:
                        mask &= df[col].to_numpy() > 1 - share
                    else:
                        mask &= df[col].to_numpy() < share
                else:
                    mask &= df[col].to_numpy() == df[col].iloc[int(rng.integers(n))]
            if mask.mean() >= 0.01:
                break
        else:
            raise RuntimeError(f"seed {seed}: no planted slice of support >= 1 % on {cols}")
        start += n_pred
        slices.append((set(cols), mask))
    base = 0.1
    p = np.full(n, base)
    for _cols, mask in slices:
        p[mask] = base * rng.uniform(2.0, 3.0)
    errors = rng.random(n) < p
    null_errors = rng.random(n) < base
    return df, slices, errors, null_errors


def recall_run(seeds: int) -> dict[str, float]:
    from zenohub.discovery import find_slices

    found = total = null_positive = 0
    seconds = []
    for seed in range(seeds):
        df, slices, errors, null_errors = planted_table(seed)
        started = time.perf_counter()
        results = find_slices(df, errors, k=10)
        seconds.append(time.perf_counter() - started)
        masks = [(set(c for c, _op, _v in r.predicates), r.mask(df)) for r in results]
        for cols, mask in slices:
            total += 1
            hit = any(
                rcols == cols and (rmask & mask).sum() / (rmask | mask).sum() >= 0.7
                for rcols, rmask in masks
            )
            found += hit
            if not hit:
                print(f"  seed {seed}: missed a planted slice on {sorted(cols)}")
        if find_slices(df, null_errors, k=10):
            null_positive += 1
            print(f"  seed {seed}: a slice passed the FDR threshold under the null")
    return {
        "recall": found / total,
        "null_fp_rate": null_positive / seeds,
        "median_seconds": float(np.median(seconds)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=["zenohub", "sliceline"], help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sizes", default="100000,1000000", help="rows of the speed runs")
    parser.add_argument("--sliceline-python", help="an interpreter with sliceline installed")
    parser.add_argument("--memory-limit-gib", type=float, default=8.0,
                        help="address-space limit of the sliceline run at 1M rows")  # fmt: skip
    parser.add_argument("--skip-recall", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.rows)))
        return

    if not args.skip_recall:
        print(f"(a) planted-slice recall over {args.seeds} seeds (50,000 rows x 10 features)")
        r = recall_run(args.seeds)
        print(
            f"    recall {r['recall']:.3f} (target >= 0.95), null false-positive seeds "
            f"{100 * r['null_fp_rate']:.1f} % (target <= 5 %), median "
            f"{r['median_seconds']:.2f} s per search"
        )

    print("(b) speed and peak memory, 10 features, 3 predicates, k = 10, support 1 %")
    for n in (int(s) for s in args.sizes.split(",")):
        ours = run_worker(sys.executable, "zenohub", n, None)
        line = f"    {n:>9,} rows  zenohub: " + _fmt(ours)
        if args.sliceline_python:
            limit = args.memory_limit_gib if n >= 1_000_000 else None
            theirs = run_worker(args.sliceline_python, "sliceline", n, limit)
            line += "   sliceline: " + _fmt(theirs)
            if "seconds" in ours and "seconds" in theirs:
                ratio = float(theirs["seconds"]) / float(ours["seconds"])  # type: ignore[arg-type]
                mem = float(theirs["peak_bytes"]) / float(ours["peak_bytes"])  # type: ignore[arg-type]
                line += f"   -> {ratio:.1f}x faster, {mem:.1f}x less memory"
            elif "failed" in theirs:
                line += f" (limit {limit} GiB)"
        print(line)


def _fmt(r: dict[str, object]) -> str:
    if "failed" in r:
        return f"FAILED after {float(r['wall']):.1f} s: {r['failed']}"  # type: ignore[arg-type]
    gib = float(r["peak_bytes"]) / 2**30  # type: ignore[arg-type]
    return f"{float(r['seconds']):.2f} s, peak {gib:.2f} GiB, {r['found']} slices"  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
