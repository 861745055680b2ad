"""Computing projections on the project's executor, with progress, through the cache.

:func:`compute_projections` is what ``Project.process`` (and so ``zenohub process``) calls: it
stores a PCA preview of every source at once, then runs the UMAPs not in the cache as one task
each on the executor (in this process, the local pool or a Dask cluster). :func:`best_map` is
what the app calls: the cached UMAP if there is one, else the PCA preview — it never runs UMAP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import cloudpickle
import numpy as np
import pandas as pd

from ..api import FunctionKind, ZenoOptions
from ..pipeline import Executor, Progress, SequentialExecutor
from ..pipeline.worker import Task
from ._cache import Map2D, ProjectionCache, content_hash, projection_key
from ._compute import MIN_UMAP_ROWS, as_matrix, pca_map, umap_map
from ._settings import ProjectionParams, ProjectionSettings

log = logging.getLogger(__name__)

NOTE_NO_UMAP = "UMAP is not computed yet: run `zenohub process` — showing the PCA preview."
NOTE_FEW_ROWS = f"Fewer than {MIN_UMAP_ROWS} rows: showing the PCA map."


def _preview_params(seed: int) -> dict[str, object]:
    return {"seed": seed}


def preview(x: np.ndarray, cache: ProjectionCache, seed: int = 0) -> Map2D:
    """The PCA preview of ``x`` (read from the cache, or computed and stored)."""
    x = as_matrix(x)
    method = "identity" if x.shape[1] <= 2 else "pca"
    key = projection_key(content_hash(x), method, _preview_params(seed))
    hit = cache.load(method, key)
    if hit is not None:
        return hit
    started = time.perf_counter()
    xy = pca_map(x, seed)
    result = Map2D(xy, method, key, _preview_params(seed), time.perf_counter() - started)
    cache.save(result)
    return result


def umap_key(x: np.ndarray, params: ProjectionParams) -> str:
    return projection_key(content_hash(as_matrix(x)), "umap", params.to_dict())


def _needs_umap(x: np.ndarray) -> bool:
    return x.shape[1] > 2 and len(x) >= MIN_UMAP_ROWS


def best_map(x: np.ndarray, cache: ProjectionCache, params: ProjectionParams) -> Map2D:
    """The cached UMAP of ``x``, else its PCA preview with a ``note`` saying why. Never runs
    UMAP (that is ``zenohub process``'s job)."""
    x = as_matrix(x)
    if _needs_umap(x):
        hit = cache.load("umap", umap_key(x, params))
        if hit is not None:
            return hit
    result = preview(x, cache, params.seed)
    if result.method == "pca":
        result.note = NOTE_NO_UMAP if _needs_umap(x) else NOTE_FEW_ROWS
    return result


@dataclass(frozen=True)
class _UmapJob:
    """A UMAP as a one-batch task: the pipeline's workers call it like a function."""

    params: ProjectionParams

    def __call__(self, df: pd.DataFrame, _ops: object) -> np.ndarray:
        return umap_map(df.to_numpy(), self.params)


_OPS = asdict(ZenoOptions(id_column=""))


@dataclass
class ProjectionRun:
    """What :func:`compute_projections` did."""

    maps: dict[str, Map2D] = field(default_factory=dict)  #: source -> best map now available
    computed: list[str] = field(default_factory=list)  #: UMAPs computed in this run
    cached: list[str] = field(default_factory=list)  #: UMAPs read from the cache
    failures: dict[str, str] = field(default_factory=dict)  #: source -> traceback
    problems: list[str] = field(default_factory=list)  #: corrupt cache files, failed UMAPs
    #: source -> "computed", "cached", "preview" (UMAP off or not needed) or "failed"
    status: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def compute_projections(
    sources: Mapping[str, np.ndarray],
    settings: ProjectionSettings,
    cache: ProjectionCache,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ProjectionRun:
    """PCA previews of every source now, then (with ``settings.umap``) the missing UMAPs on
    ``executor``. A failing UMAP is reported in ``failures``; the others are kept."""
    started = time.perf_counter()
    run = ProjectionRun()
    params = settings.params
    tasks: list[Task] = []
    keys: dict[str, tuple[str, str]] = {}  # job label -> (source, key)
    for name, raw in sources.items():
        x = as_matrix(raw)
        run.maps[name] = preview(x, cache, params.seed)
        if not settings.umap or not _needs_umap(x):
            continue
        key = umap_key(x, params)
        label = f"projection {name} (umap)"
        hit = cache.load("umap", key)
        if progress is not None:
            progress.start(label, len(x))
        if hit is not None:
            run.maps[name] = hit
            run.cached.append(name)
            if progress is not None:
                progress.advance(label, len(x), cached=True)
                progress.finish(label)
            continue
        keys[label] = (name, key)
        tasks.append(
            Task(
                job=label,
                kind=FunctionKind.DISTILL,
                fn_id=f"projection:{key}",
                fn_blob=cloudpickle.dumps((_UmapJob(params), {})),  # (function, code files)
                df=pd.DataFrame(x),
                ops=_OPS,
                start=0,
                stop=len(x),
            )
        )
    if tasks:
        ex = executor or SequentialExecutor()
        task_started = time.perf_counter()
        for result in ex.run(tasks):
            name, key = keys[result.job]
            failed = result.error is not None or "value" not in result.columns
            if failed:
                run.failures[name] = result.error or "no coordinates returned"
                log.warning("UMAP of %s failed:\n%s", name, run.failures[name])
            else:
                xy = np.asarray(result.columns["value"], dtype=np.float32)
                done = Map2D(xy, "umap", key, params.to_dict(), time.perf_counter() - task_started)
                cache.save(done)
                run.maps[name] = done
                run.computed.append(name)
            if progress is not None:
                progress.advance(result.job, result.stop - result.start)
                progress.finish(result.job, failed=failed)
    run.problems = list(cache.problems) + [
        f"UMAP of {name} failed: {tb.strip().splitlines()[-1]}" for name, tb in run.failures.items()
    ]
    run.status = {name: "preview" for name in sources}
    run.status.update({name: "cached" for name in run.cached})
    run.status.update({name: "computed" for name in run.computed})
    run.status.update({name: "failed" for name in run.failures})
    run.seconds = time.perf_counter() - started
    return run
