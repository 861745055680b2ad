"""What runs in a worker process: one user function on one batch of rows.

Tasks carry the function pickled by value (cloudpickle), so the same task runs unchanged in this
process, a local process pool or a Dask worker. Model loaders are called once per worker process
and model name; their predictors are cached here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd

from ..api import DistillReturn, FunctionKind, ModelReturn, ZenoOptions
from .sources import CodeKey, format_exception

#: per worker process: unpickled functions and loaded predictors
_FUNCTIONS: dict[str, Any] = {}
_PREDICTORS: dict[tuple[str, str], Any] = {}
_FILES: dict[str, dict[CodeKey, str]] = {}  #: per function: the files of its module's code


class Deferred(BaseException):
    """Raised inside a user function that asked for a column that is not computed yet.

    A BaseException so that a user's ``except Exception`` does not swallow it.
    """

    def __init__(self, needs_output: bool = False, distill: str | None = None) -> None:
        self.needs_output = needs_output
        self.distill = distill
        super().__init__(distill or "output")


class TrackingColumns(dict[str, str]):
    """``ops.distill_columns`` that records which names a function reads.

    ``pending`` names are known columns not computed yet: reading one defers the task so the
    scheduler can run it after them. With ``defer_unknown`` (a distill probed without a model),
    any unknown name defers too: it may be a model's ``other_returns`` column, which only exists
    per model.
    """

    def __init__(
        self, available: dict[str, str], pending: frozenset[str], defer_unknown: bool = False
    ) -> None:
        super().__init__(available)
        self.pending = pending
        self.defer_unknown = defer_unknown
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        if not dict.__contains__(self, name) and (name in self.pending or self.defer_unknown):
            raise Deferred(distill=name)
        if not dict.__contains__(self, name):
            raise KeyError(
                f"ops.distill_columns has no column {name!r}; available: "
                f"{sorted(set(self) | self.pending)}"
            )
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default  # noqa: SIM401 - must record reads

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.pending


class TrackingOptions(ZenoOptions):
    """ZenoOptions that notices reads of the model output (directly or through helpers)."""

    def __init__(self, *args: Any, output_available: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_output_available", output_available)
        object.__setattr__(self, "_read_output", False)

    def __getattribute__(self, name: str) -> Any:
        if name in ("output_column", "output_path"):
            object.__setattr__(self, "_read_output", True)
            if not object.__getattribute__(self, "_output_available"):
                raise Deferred(needs_output=True)
        return object.__getattribute__(self, name)


@dataclass
class Task:
    """One function on one batch. ``ops`` fields are plain; tracking is set up in the worker."""

    job: str
    kind: FunctionKind
    fn_id: str
    fn_blob: bytes
    df: pd.DataFrame
    ops: dict[str, Any]
    start: int
    stop: int
    model_name: str | None = None
    output_available: bool = True
    pending: frozenset[str] = frozenset()


@dataclass
class TaskResult:
    job: str
    start: int
    stop: int
    ids: list[Any] = field(default_factory=list)
    columns: dict[str, Any] = field(default_factory=dict)
    read_output: bool = False
    read_distills: set[str] = field(default_factory=set)
    deferred: Deferred | None = None
    error: str | None = None  #: the original traceback, formatted


def _function(task: Task) -> Any:
    fn = _FUNCTIONS.get(task.fn_id)
    if fn is None:
        fn, _FILES[task.fn_id] = cloudpickle.loads(task.fn_blob)
        _FUNCTIONS[task.fn_id] = fn
    return fn


def _predictor(task: Task) -> Any:
    assert task.model_name is not None
    key = (task.fn_id, task.model_name)
    if key not in _PREDICTORS:
        _PREDICTORS[key] = _function(task)(task.model_name)
    return _PREDICTORS[key]


def _values(values: Any, n: int, what: str) -> Any:
    """Check one returned column has ``n`` values; return it as an array or Series."""
    if isinstance(values, pd.Series | pd.Index):
        values = (
            values.to_numpy()
            if not isinstance(values.dtype, pd.CategoricalDtype)
            else (values.astype(object).to_numpy())
        )
    elif isinstance(values, np.ndarray):
        pass
    elif isinstance(values, list | tuple):
        values = list(values)
    else:
        raise TypeError(
            f"{what} must be a list, numpy array or pandas Series, got {type(values).__name__}"
        )
    if len(values) != n:
        raise ValueError(f"{what} has {len(values)} values for a batch of {n} rows")
    return values


def _embedding(values: Any, n: int) -> np.ndarray:
    arr = np.asarray(
        list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64
    )
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"embedding must have shape ({n}, d), got {arr.shape}")
    return arr


def normalize(kind: FunctionKind, ret: Any, batch: pd.DataFrame, id_column: str) -> dict[str, Any]:
    """Turn a user function's return value into named result columns."""
    n = len(batch)
    if kind is FunctionKind.MODEL:
        if isinstance(ret, ModelReturn):
            out: dict[str, Any] = {"output": _values(ret.model_output, n, "model_output")}
            if ret.embedding is not None:
                out["embedding"] = _embedding(ret.embedding, n)
            for name, vals in (ret.other_returns or {}).items():
                out[f"other:{name}"] = _values(vals, n, f"other_returns[{name!r}]")
            return out
        if isinstance(ret, tuple) and len(ret) == 2:
            return {
                "output": _values(ret[0], n, "model output"),
                "embedding": _embedding(ret[1], n),
            }
        return {"output": _values(ret, n, "model output")}
    if kind is FunctionKind.DISTILL:
        if isinstance(ret, DistillReturn):
            ret = ret.distill_output
        return {"value": _values(ret, n, "distill output")}
    if kind is FunctionKind.TRANSFORM:
        if not isinstance(ret, pd.DataFrame):
            raise TypeError(f"a transform must return a DataFrame, got {type(ret).__name__}")
        if id_column in ret.columns:
            got = ret[id_column].astype(str).tolist()
            want = batch[id_column].astype(str).tolist()
            if sorted(got) != sorted(want):
                raise ValueError("the returned frame's ids differ from the batch's ids")
            ret = ret.set_index(ret[id_column].astype(str)).loc[want]
        elif len(ret) != n:
            raise ValueError(f"returned {len(ret)} rows for a batch of {n} (and no id column)")
        return {
            f"col:{c}": _values(ret[c], n, f"column {c!r}") for c in ret.columns if c != id_column
        }
    raise ValueError(f"cannot run a {kind} function on a batch")


def execute(task: Task) -> TaskResult:
    """Run ``task``; never raises for user errors (they come back as ``error``)."""
    res = TaskResult(task.job, task.start, task.stop)
    ops_fields = dict(task.ops)
    columns = TrackingColumns(
        ops_fields.pop("distill_columns", {}),
        task.pending,
        defer_unknown=task.kind is FunctionKind.DISTILL and not task.output_available,
    )
    ops = TrackingOptions(
        **ops_fields, distill_columns=columns, output_available=task.output_available
    )
    batch = task.df
    res.ids = (
        batch[ops_fields["id_column"]].tolist()
        if ops_fields.get("id_column") in batch
        else list(batch.index)
    )
    try:
        if task.kind is FunctionKind.MODEL:
            ret = _predictor(task)(batch, ops)
        else:
            ret = _function(task)(batch, ops)
        res.columns = normalize(task.kind, ret, batch, ops_fields.get("id_column", ""))
    except Deferred as d:
        res.deferred = d
    except Exception:
        res.error = format_exception(_FILES.get(task.fn_id, {}))
    res.read_output = object.__getattribute__(ops, "_read_output")
    res.read_distills = set(columns.read)
    return res
