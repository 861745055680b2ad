"""Schedules a processing run: transforms, then models and model-independent distills, then
per-model distills, each stage in waves over (function x transform x model x batch) tasks.

Whether a distill depends on the model is decided by what it does, not by reading its source:
undecided distills first run without a model output, and a run that touches
``ops.output_column`` (directly or through any helper) is deferred to the per-model stage. A
distill reading another distill's column through ``ops.distill_columns`` waits for it the same
way. What was learned is remembered per function fingerprint, so later runs go straight to the
right stage and can find their cached columns before running anything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import FunctionKind
from ..columns import ColumnKind, ColumnRef, column_key
from .cache import ColumnCache
from .executors import Executor
from .fingerprint import frame_fingerprint, hash_strings
from .jobs import FunctionFailure, Job, UserFunction
from .progress import Progress
from .worker import Task, TaskResult

log = logging.getLogger(__name__)

OUTPUT = "__output__"  # marker in deferrals: the job read the model output
Context = tuple[str | None, str | None]  # (transform, model)


@dataclass
class RunResult:
    """Everything a run produced, aligned to the dataset's row order."""

    columns: dict[ColumnRef, Any] = field(default_factory=dict)
    shas: dict[ColumnRef, str] = field(default_factory=dict)
    failures: list[FunctionFailure] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    per_model: dict[str, bool] = field(default_factory=dict)


def _concat(parts: list[Any]) -> Any:
    if all(isinstance(p, np.ndarray) for p in parts):
        return np.concatenate(parts) if parts else np.array([])
    out: list[Any] = []
    for p in parts:
        out.extend(p.tolist() if isinstance(p, np.ndarray | pd.Series) else p)
    return out


class Runner:
    """One processing run over ``base`` (the dataset, ids as strings in ``ops['id_column']``)."""

    def __init__(
        self,
        base: pd.DataFrame,
        ops: dict[str, Any],
        functions: list[UserFunction],
        models: list[str],
        cache: ColumnCache,
        executor: Executor,
        batch_size: int,
        progress: Progress | None = None,
    ) -> None:
        self.base = base.reset_index(drop=True)
        self.ops = ops
        self.ids = self.base[ops["id_column"]].astype(str).tolist()
        self.fns = functions
        self.models = models
        self.cache = cache
        self.executor = executor
        self.batch_size = max(1, int(batch_size))
        self.progress = progress or Progress()
        self.result = RunResult()
        self.detections: dict[str, Any] = cache.read_record("detections")
        self.frames: dict[str | None, pd.DataFrame] = {None: self.base}
        self.data_fps: dict[str | None, str] = {None: frame_fingerprint(self.base)}
        #: per context, distill / other-return name -> its table column key
        self.available: dict[Context, dict[str, str]] = {}
        self.failed_names: dict[Context, set[str]] = {}

    # --- the stages ---------------------------------------------------------------------
    def run(self) -> RunResult:
        by_kind = {k: [f for f in self.fns if f.kind is k] for k in FunctionKind}
        transforms = by_kind[FunctionKind.TRANSFORM]
        distills = by_kind[FunctionKind.DISTILL]
        model_fns = by_kind[FunctionKind.MODEL]
        self._wave([Job(t, None, None, self.data_fps[None]) for t in transforms])
        variants: list[str | None] = [None]
        for t in transforms:
            if self._add_variant(t.name):
                variants.append(t.name)
        self.result.per_model = {}
        first: list[Job] = []
        pre: list[Job] = []
        post_fns: list[UserFunction] = []
        for d in distills:
            known = self.detections.get(d.fingerprint, {}).get("per_model")
            per_model = d.spec.per_model if d.spec.per_model is not None else known
            if per_model:
                post_fns.append(d)
            else:
                pre += [Job(d, v, None, self.data_fps[v]) for v in variants]
        if model_fns:
            loader = model_fns[0]
            first += [Job(loader, v, m, self.data_fps[v]) for v in variants for m in self.models]
        moved = self._distill_waves(pre, extra=first, per_model=[d.name for d in post_fns])
        post_fns += [d for d in distills if d.name in moved and d not in post_fns]
        post = [
            Job(
                d,
                v,
                m,
                self.data_fps[v],
                output_sha=self._sha(ColumnRef(ColumnKind.OUTPUT, "output", m, v)),
            )
            for d in post_fns
            for v in variants
            for m in self.models
            if ColumnRef(ColumnKind.OUTPUT, "output", m, v) in self.result.columns
        ]
        for d in post_fns:
            if not self.models:
                self.result.skipped.append(
                    f"distill {d.name}: skipped because it reads the model output and the "
                    "project has no models"
                )
            for v in variants:
                for m in self.models:
                    if ColumnRef(ColumnKind.OUTPUT, "output", m, v) not in self.result.columns:
                        label = f"distill {d.name} @{m}" + (f" ~{v}" if v else "")
                        self.result.skipped.append(
                            f"{label}: skipped because model '{m}' has no output"
                        )
        for d in distills:
            self.result.per_model[d.name] = d in post_fns
        self._distill_waves(post, extra=[])
        self.cache.write_record("detections", self.detections)
        self.result.problems = list(self.cache.problems)
        return self.result

    def _add_variant(self, transform: str) -> bool:
        cols = {
            r.name: v
            for r, v in self.result.columns.items()
            if r.kind is ColumnKind.DATA and r.transform == transform
        }
        if not cols:
            return False
        frame = self.base.copy()
        for name, values in cols.items():
            frame[name] = pd.Series(values, index=frame.index)
        self.frames[transform] = frame
        shas = sorted(
            f"{r}={s}"
            for r, s in self.result.shas.items()
            if r.kind is ColumnKind.DATA and r.transform == transform
        )
        self.data_fps[transform] = hash_strings([self.data_fps[None], *shas])
        return True

    def _distill_waves(
        self, pending: list[Job], extra: list[Job], per_model: Iterable[str] = ()
    ) -> set[str]:
        """Run distill jobs in dependency waves; returns names moved to the per-model stage.

        ``per_model`` names the distills already known to run per model: a model-independent
        job reading one of them moves to the per-model stage too.
        """
        moved: set[str] = set()
        known = set(per_model)
        while pending or extra:
            pending = self._move_per_model(pending, known | moved, moved)
            ready, waiting = [], []
            for job in pending:
                ctx = (job.transform, job.model)
                needs = self._known_deps(job) | job.deferred_on
                if needs & self.failed_names.get(ctx, set()):
                    self._skip(
                        job,
                        f"it reads {sorted(needs & self.failed_names[ctx])}, "
                        "which could not be computed",
                    )
                elif needs <= set(self.available.get(ctx, {})):
                    ready.append(job)
                else:
                    waiting.append(job)
            if not ready and not extra:
                for job in waiting:
                    missing = sorted(self._known_deps(job) | job.deferred_on)
                    self._skip(
                        job,
                        f"it reads {missing}, which never became available "
                        "(a cycle between distills?)",
                    )
                break
            outcome = self._wave(extra + ready)
            extra = []
            pending = waiting + [job for job in ready if outcome.get(id(job)) == "deferred"]
        return moved

    def _move_per_model(
        self, pending: list[Job], per_model: set[str], moved: set[str]
    ) -> list[Job]:
        """Take out of ``pending`` the model-independent jobs that must run once per model.

        A distill runs per model when it reads the model output, a column only models produce
        (``other_returns``) or, transitively, a per-model distill. Names go into ``moved``; a
        distill declared ``per_model=False`` that does so fails instead. Returns what stays.
        """
        distills = self._distill_names()
        others = {r.name for r in self.result.columns if r.kind is ColumnKind.OTHER}
        names: set[str] = set()
        unknown: dict[str, set[str]] = {}
        changed = True
        while changed:
            changed = False
            for job in pending:
                if job.model is not None or job.fn.name in names or job.fn.name in unknown:
                    continue
                reads = self._known_deps(job) | job.deferred_on
                missing = {n for n in reads - {OUTPUT} if n not in distills and n not in others}
                if missing:
                    unknown[job.fn.name] = missing
                elif OUTPUT in reads or any(
                    n in others or n in per_model or n in names for n in reads
                ):
                    names.add(job.fn.name)
                    changed = True
        keep = []
        for job in pending:
            name = job.fn.name
            if job.model is not None or (name not in names and name not in unknown):
                keep.append(job)
            elif name in unknown:
                available = sorted(distills | others)
                self._fail(
                    job,
                    None,
                    f"distill '{name}' reads ops.distill_columns{sorted(unknown[name])}, which no "
                    f"distill or model produces; columns: {', '.join(available) or 'none'}",
                )
            elif job.fn.spec.per_model is False:
                what = "the model output" if OUTPUT in job.deferred_on else "per-model columns"
                self._fail(
                    job, None, f"distill '{name}' is declared per_model=False but reads {what}"
                )
            else:
                moved.add(name)
                self.detections[job.fn.fingerprint] = {"per_model": True, "deps": []}
        return keep

    def _distill_names(self) -> set[str]:
        return {f.name for f in self.fns if f.kind is FunctionKind.DISTILL}

    def _known_deps(self, job: Job) -> set[str]:
        return set(self.detections.get(job.fn.fingerprint, {}).get("deps", []))

    # --- running a wave of jobs ---------------------------------------------------------
    def _wave(self, jobs: list[Job]) -> dict[int, str]:
        """Run ``jobs`` to completion (cached, done, deferred or failed) in one executor pass."""
        outcome: dict[int, str] = {}
        tasks: list[Task] = []
        by_label: dict[str, Job] = {}
        frames: dict[Context, pd.DataFrame] = {}
        for job in jobs:
            by_label[job.label] = job
            job.deferred = False
            job.parts.clear()
            self.progress.start(job.label, len(self.ids))
            if self._from_cache(job):
                outcome[id(job)] = "cached"
                continue
            ctx = (job.transform, job.model)
            if job.fn.kind is FunctionKind.TRANSFORM:
                frame = self.base
            elif job.fn.kind is FunctionKind.MODEL:
                frame = self.frames[job.transform]
            else:
                if ctx not in frames:
                    frames[ctx] = self._frame(ctx)
                frame = frames[ctx]
            tasks += list(self._tasks(job, frame))
        for res in self.executor.run(tasks):
            self._collect(by_label[res.job], res)
        for job in jobs:
            if id(job) in outcome:
                continue
            if job.failed:
                outcome[id(job)] = "failed"
                self.progress.finish(job.label, failed=True)
                self.cache.drop_parts(job.run_key)
                self.failed_names.setdefault((job.transform, job.model), set()).add(job.fn.name)
            elif job.deferred:
                outcome[id(job)] = "deferred"
                self.progress.discard(job.label)
                self.cache.drop_parts(job.run_key)
            else:
                self._finish(job)
                outcome[id(job)] = "done"
        return outcome

    def _frame(self, ctx: Context) -> pd.DataFrame:
        transform, model = ctx
        extra = {}
        for key in self.available.get(ctx, {}).values():
            ref = self._ref_of(key)
            if ref in self.result.columns:
                extra[key] = self.result.columns[ref]
        if model is not None:
            out = ColumnRef(ColumnKind.OUTPUT, "output", model, transform)
            extra[out.key] = self.result.columns[out]
        frame = self.frames[transform]
        if not extra:
            return frame
        added = pd.DataFrame(
            {
                k: pd.Series(v) if not isinstance(v, pd.Series) else v.reset_index(drop=True)
                for k, v in extra.items()
            }
        )
        return pd.concat([frame, added], axis=1)

    def _ref_of(self, key: str) -> ColumnRef:
        from ..columns import parse_column_key

        return parse_column_key(key)

    def _ops(self, job: Job) -> dict[str, Any]:
        ctx = (job.transform, job.model)
        ops = dict(self.ops)
        root = Path(self.cache.root)
        ops["distill_columns"] = dict(self.available.get(ctx, {}))
        ops["output_column"] = ""
        ops["output_path"] = ""
        if job.fn.kind is FunctionKind.TRANSFORM:
            ops["output_path"] = str(root / "transforms" / f"{job.fn.name}")
        elif job.model is not None:
            suffix = f"~{job.transform}" if job.transform else ""
            ops["output_column"] = ColumnRef(
                ColumnKind.OUTPUT, "output", job.model, job.transform
            ).key
            ops["output_path"] = str(root / "outputs" / f"{job.model}{suffix}")
        if ops["output_path"]:
            Path(ops["output_path"]).mkdir(parents=True, exist_ok=True)
        return ops

    def _tasks(self, job: Job, frame: pd.DataFrame) -> Iterable[Task]:
        ops = self._ops(job)
        ctx = (job.transform, job.model)
        pending = frozenset(self._distill_names() - set(self.available.get(ctx, {})))
        for start in range(0, len(self.ids), self.batch_size):
            stop = min(start + self.batch_size, len(self.ids))
            part = self.cache.get_part(job.run_key, start, stop, self.ids[start:stop])
            if part is not None and self._deps_current(ctx, part.manifest.get("deps", {})):
                job.parts[start] = (part.columns, set(part.manifest.get("deps", {})))
                self.progress.advance(job.label, stop - start, cached=True)
                continue
            yield Task(
                job=job.label,
                kind=job.fn.kind,
                fn_id=job.fn.fingerprint,
                fn_blob=job.fn.blob,
                df=frame.iloc[start:stop],
                ops=ops,
                start=start,
                stop=stop,
                model_name=job.model if job.fn.kind is FunctionKind.MODEL else None,
                output_available=job.model is not None or job.fn.kind is not FunctionKind.DISTILL,
                pending=pending,
            )

    def _deps_current(self, ctx: Context, deps: dict[str, str]) -> bool:
        return all(self._dep_sha(ctx, n) == sha for n, sha in deps.items())

    def _dep_sha(self, ctx: Context, name: str) -> str | None:
        key = self.available.get(ctx, {}).get(name)
        return self.result.shas.get(self._ref_of(key)) if key else None

    def _collect(self, job: Job, res: TaskResult) -> None:
        if job.failed or job.deferred:
            return
        ctx = (job.transform, job.model)
        if res.error is not None:
            self._fail(job, res.ids[0] if res.ids else None, res.error)
            return
        if res.deferred is not None:
            job.deferred = True
            job.deferred_on.add(OUTPUT if res.deferred.needs_output else str(res.deferred.distill))
            return
        deps = {n: self._dep_sha(ctx, n) or "" for n in res.read_distills}
        self.cache.put_part(
            job.run_key,
            res.start,
            res.stop,
            self.ids[res.start : res.stop],
            res.columns,
            {"deps": deps},
        )
        job.parts[res.start] = (res.columns, set(res.read_distills))
        self.progress.advance(job.label, res.stop - res.start)

    def _fail(self, job: Job, first_id: Any, tb: str) -> None:
        job.failed = True
        self.result.failures.append(
            FunctionFailure(job.fn.name, job.fn.kind.value, job.model, job.transform, first_id, tb)
        )
        self.failed_names.setdefault((job.transform, job.model), set()).add(job.fn.name)

    def _skip(self, job: Job, why: str) -> None:
        self.result.skipped.append(f"{job.label}: skipped because {why}")
        self.failed_names.setdefault((job.transform, job.model), set()).add(job.fn.name)

    # --- results ------------------------------------------------------------------------
    def _from_cache(self, job: Job) -> bool:
        ctx = (job.transform, job.model)
        if job.fn.kind is FunctionKind.DISTILL and job.fn.fingerprint not in self.detections:
            return False
        deps = {n: self._dep_sha(ctx, n) for n in self._known_deps(job)}
        if any(v is None for v in deps.values()):
            return False
        got = self.cache.get(job.entry_key({k: str(v) for k, v in deps.items()}), self.ids)
        if got is None:
            return False
        self._store(job, got.columns, got.shas)
        self.progress.advance(job.label, len(self.ids), cached=True)
        self.progress.finish(job.label)
        self.result.cached.append(job.label)
        return True

    def _finish(self, job: Job) -> None:
        ctx = (job.transform, job.model)
        starts = sorted(job.parts)
        names = list(job.parts[starts[0]][0]) if starts else []
        columns = {n: _concat([job.parts[s][0][n] for s in starts]) for n in names}
        if job.fn.kind is FunctionKind.TRANSFORM:
            columns = {n: v for n, v in columns.items() if self._changed(n.removeprefix("col:"), v)}
        read: set[str] = set().union(*(job.parts[s][1] for s in starts)) if starts else set()
        deps = {n: self._dep_sha(ctx, n) or "" for n in read}
        key = job.entry_key(deps)
        shas = self.cache.put(key, self.ids, columns, {"job": job.label})
        if job.fn.kind is FunctionKind.DISTILL:
            self.detections[job.fn.fingerprint] = {
                "per_model": job.model is not None,
                "deps": sorted(read),
            }
        got = self.cache.get(key, self.ids)  # read back: identical to what a cached run sees
        if got is None:
            self._fail(job, None, "its cache entry could not be read back after writing")
            return
        self._store(job, got.columns, shas)
        self.cache.drop_parts(job.run_key)
        self.progress.finish(job.label)
        self.result.computed.append(job.label)

    def _changed(self, column: str, values: Any) -> bool:
        """Whether a transform changed ``column`` (the data column always counts as changed)."""
        if column == self.ops.get("data_column") or column not in self.base:
            return True
        try:
            return not self.base[column].reset_index(drop=True).equals(pd.Series(values))
        except (TypeError, ValueError):
            return True

    def _store(self, job: Job, columns: dict[str, Any], shas: dict[str, str]) -> None:
        ctx = (job.transform, job.model)
        for name, values in columns.items():
            ref = job.ref(name)
            self.result.columns[ref] = values
            self.result.shas[ref] = shas.get(name, "")
            if ref.kind is ColumnKind.DISTILL:
                self.available.setdefault(ctx, {})[ref.name] = column_key(ref)
                if job.model is None:  # model-independent columns are visible in every model
                    for m in self.models:
                        self.available.setdefault((job.transform, m), {})[ref.name] = ref.key
            elif ref.kind is ColumnKind.OTHER:
                self.available.setdefault(ctx, {})[ref.name] = ref.key

    def _sha(self, ref: ColumnRef) -> str | None:
        return self.result.shas.get(ref)
