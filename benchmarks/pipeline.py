"""Pipeline benchmark: cache speed-up and process-pool speed-up on a 100k-row project.

    python benchmarks/pipeline.py [--rows 100000] [--batch-size 5000]

Builds a synthetic project (a model and four CPU-bound distills, written as a user functions
file) and measures, in one run:
  (a) a second run served from the cache vs the first run (target: >= 50x faster);
  (b) the local process pool (all cores) vs sequential, both from an empty cache (target: >= 1.6x).
Each timing covers what a user waits for: Project.from_config(...).process().
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

from zenohub import Project

FUNCTIONS = textwrap.dedent("""
    import numpy as np
    from zenohub import ModelReturn, distill, metric, model

    def _work(x, rounds):
        # CPU-bound numeric work per row, vectorised over the batch
        acc = np.zeros_like(x)
        for i in range(rounds):
            acc += np.sin(x * (i + 1)) * np.cos(acc + i)
        return acc

    @model
    def threshold(name):
        cut = float(name.split("-")[1])
        def predict(df, ops):
            score = _work(df["a"].to_numpy(), 200)
            return ModelReturn(model_output=(score + df["b"].to_numpy() > cut).astype(int))
        return predict

    @distill
    def wobble_a(df, ops):
        return _work(df["a"].to_numpy(), 500)

    @distill
    def wobble_b(df, ops):
        return _work(df["b"].to_numpy(), 500)

    @distill
    def wobble_c(df, ops):
        return _work(df["c"].to_numpy(), 500)

    @distill(per_model=True)
    def correct(df, ops):
        return (df[ops.output_column] == df[ops.label_column]).to_numpy()

    @metric(mean_of="correct")
    def accuracy(df, ops):
        return df[ops.distill_columns["correct"]].mean()
""")


def make_project(root: Path, rows: int, batch_size: int, executor: str) -> Path:
    (root / "functions").mkdir(parents=True, exist_ok=True)
    (root / "functions" / "bench.py").write_text(FUNCTIONS)
    if not (root / "data.parquet").exists():
        rng = np.random.default_rng(0)
        pd.DataFrame(
            {
                "id": [f"row-{i}" for i in range(rows)],
                "a": rng.normal(size=rows),
                "b": rng.normal(size=rows),
                "c": rng.uniform(size=rows),
                "label": rng.integers(0, 2, rows),
            }
        ).to_parquet(root / "data.parquet")
    (root / "config.toml").write_text(
        textwrap.dedent(f'''
        metadata = "data.parquet"
        functions = "functions/"
        models = ["cut-0.0", "cut-0.5"]
        id_column = "id"
        label_column = "label"
        batch_size = {batch_size}
        executor = "{executor}"
    ''')
    )
    return root / "config.toml"


def timed_run(config: Path) -> tuple[float, Project]:
    start = time.perf_counter()
    project = Project.from_config(config)
    report = project.process()
    elapsed = time.perf_counter() - start
    assert report.ok, report
    return elapsed, project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="zenohub-bench-"))
    try:
        seq_cfg = make_project(workdir / "sequential", args.rows, args.batch_size, "sequential")
        pool_cfg = make_project(workdir / "local", args.rows, args.batch_size, "local")
        t_seq, p_seq = timed_run(seq_cfg)
        t_pool, p_pool = timed_run(pool_cfg)
        cached_runs = [timed_run(pool_cfg) for _ in range(5)]
        t_cached = statistics.median(t for t, _ in cached_runs)
        p_cached = cached_runs[-1][1]
        pd.testing.assert_frame_equal(p_seq.table, p_pool.table)
        pd.testing.assert_frame_equal(p_pool.table, p_cached.table)
        assert p_cached.report is not None and not p_cached.report.computed
        cores = len(os.sched_getaffinity(0))
        print(f"rows={args.rows} batch_size={args.batch_size} cores={cores}")
        print(f"sequential first run   {t_seq:8.2f} s")
        print(f"local pool first run   {t_pool:8.2f} s")
        print(f"second run from cache  {t_cached:8.3f} s (median of 5)")
        print(
            f"(a) cache speed-up (pool first run / cached run): {t_pool / t_cached:7.1f}x "
            "(target >= 50x)"
        )
        print(
            f"(b) pool speed-up (sequential / pool):            {t_seq / t_pool:7.2f}x "
            "(target >= 1.6x)"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
