"""Metric evaluation, and recognising metrics that are a mean of a per-instance column.

Accuracy is the mean of a ``correct`` column; error rate is one minus it. Such *decomposable*
metrics can be computed for every histogram bin at once with numpy (sums and counts per bin)
instead of calling the user's function once per bin. A metric is decomposable when declared
(``@metric(mean_of="correct")``) or when zenohub recognises it: its value on the whole table and
on several random subsets equals ``offset + scale * mean(column)`` for one candidate column.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .api import MetricReturn, ZenoOptions
from .errors import MetricError


@dataclass(frozen=True)
class Decomposition:
    """``metric = offset + scale * nanmean(table[column])`` on any subset."""

    column: str  #: table column key
    scale: float = 1.0
    offset: float = 0.0
    declared: bool = False

    def evaluate(self, values: np.ndarray) -> float:
        """The metric over ``values`` (the column restricted to a subset)."""
        v = np.asarray(values, dtype=np.float64)
        n = np.count_nonzero(~np.isnan(v))
        return float("nan") if n == 0 else self.offset + self.scale * float(np.nansum(v) / n)


def metric_value(ret: Any, name: str) -> float:
    """A metric function's return as a float (NaN for None)."""
    if isinstance(ret, MetricReturn):
        ret = ret.metric
    if ret is None:
        return float("nan")
    try:
        return float(ret)
    except (TypeError, ValueError):
        raise MetricError(
            f"Metric '{name}' must return a number or MetricReturn, got {type(ret).__name__}."
        ) from None


def call_metric(fn: Callable[..., Any], name: str, df: pd.DataFrame, ops: ZenoOptions) -> float:
    try:
        ret = fn(df, ops)
    except Exception as exc:
        raise MetricError(
            f"Metric '{name}' raised {type(exc).__name__}: {exc} "
            f"(on {len(df)} rows, output column '{ops.output_column}')."
        ) from exc
    return metric_value(ret, name)


def _numeric(values: Any) -> np.ndarray | None:
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        try:
            return s.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            return None
    return None


def recognise(
    fn: Callable[..., Any],
    name: str,
    frame: pd.DataFrame,
    ops: ZenoOptions,
    candidates: Mapping[str, str],
    seed: int = 0,
) -> Decomposition | None:
    """Find a candidate column (name -> key) whose affine mean reproduces the metric exactly."""
    n = len(frame)
    if n < 4:
        return None
    rng = np.random.default_rng(seed)
    subsets = [np.arange(n)] + [
        np.sort(rng.choice(n, size=max(2, int(n * f)), replace=False)) for f in (0.5, 0.2, 0.05)
    ]
    try:
        values = np.array([call_metric(fn, name, frame.iloc[s], ops) for s in subsets])
    except MetricError:
        return None
    if not np.all(np.isfinite(values)):
        return None
    for key in candidates.values():
        if key not in frame:
            continue
        col = _numeric(frame[key])
        if col is None:
            continue
        means = np.array(
            [np.nanmean(col[s]) if np.any(~np.isnan(col[s])) else np.nan for s in subsets]
        )
        if not np.all(np.isfinite(means)):
            continue
        if np.ptp(means) < 1e-12:
            if np.allclose(values, means, rtol=1e-9, atol=1e-12):
                return Decomposition(key)
            continue
        scale, offset = np.polyfit(means, values, 1)
        for s_, o_ in ((1.0, 0.0), (-1.0, 1.0), (100.0, 0.0), (-100.0, 100.0)):
            if math.isclose(scale, s_, abs_tol=1e-9) and math.isclose(offset, o_, abs_tol=1e-9):
                scale, offset = s_, o_
        if np.allclose(offset + scale * means, values, rtol=1e-9, atol=1e-12):
            return Decomposition(key, float(scale), float(offset))
    return None
