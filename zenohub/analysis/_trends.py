"""The slice x model table: each slice's metric for every model in order, with trend alerts.

Two alerts, each a significance test at level ``alpha`` rather than a fixed change threshold:

* **regression** -- the least-squares slope of the metric over the model history points the
  wrong way (down for a higher-is-better metric): the one-sided t-test of the slope (``k - 2``
  degrees of freedom) *and*, for a metric that is a mean of a per-instance column, an exact sign
  test on each instance's own slope (do most instances whose result changes get worse?) both
  give p < alpha. The second test keeps a tiny slice whose few instances happen to line up from
  being flagged: the models' points are means over the same instances, not independent samples.
* **high variance** -- the metric moves up and down by more than the slice's size explains:
  the residuals from the best monotone fit (an improvement that levels off is monotone, so it is
  not flagged), weighted by each point's sampling variance (p(1-p)/n for a rate, var/n for a
  mean), give a chi-square statistic with p < alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ZenohubError
from ..store import Slice
from ._stats import SlopeTest, instance_sign_test, monotone_excess, slope_test

if TYPE_CHECKING:
    from ..project import Project

#: significance level of the alerts
ALPHA = 0.05
#: label of the whole-dataset row
ALL = "(all instances)"


@dataclass(frozen=True)
class Alert:
    """A trend alert with its explanation (shown on hover)."""

    kind: str  #: "regression" or "high variance"
    p_value: float
    message: str


@dataclass(frozen=True)
class SliceTrend:
    """One row of the table: a slice's size, its metric per model, slope and alerts."""

    slice: str
    folder: str | None
    size: int
    values: tuple[float, ...]
    slope: SlopeTest | None
    alerts: tuple[Alert, ...]

    @property
    def regression(self) -> bool:
        return any(a.kind == "regression" for a in self.alerts)

    @property
    def high_variance(self) -> bool:
        return any(a.kind == "high variance" for a in self.alerts)


@dataclass(frozen=True)
class TrendTable:
    """Slice x model values of one metric (and transform) with alerts per slice."""

    metric: str
    transform: str | None
    models: tuple[str, ...]
    higher_is_better: bool
    rows: tuple[SliceTrend, ...]

    def frame(self) -> pd.DataFrame:
        """slice, folder, size, one column per model, slope, alerts (text)."""
        records = []
        for row in self.rows:
            rec: dict[str, object] = {"slice": row.slice, "folder": row.folder, "size": row.size}
            rec.update(dict(zip(self.models, row.values, strict=True)))
            rec["slope"] = row.slope.slope if row.slope else math.nan
            rec["alerts"] = ", ".join(a.kind for a in row.alerts)
            records.append(rec)
        columns = ["slice", "folder", "size", *self.models, "slope", "alerts"]
        return pd.DataFrame.from_records(records, columns=columns)

    def row(self, name: str) -> SliceTrend:
        for row in self.rows:
            if row.slice == name:
                return row
        raise KeyError(name)


def slice_trends(
    project: Project,
    metric: str,
    transform: str | None = None,
    *,
    slices: Sequence[Slice | str] | None = None,
    folder: str | None = None,
    models: Sequence[str] | None = None,
    include_all: bool = True,
    alpha: float = ALPHA,
) -> TrendTable:
    """The slice x model table of ``metric`` (under ``transform``).

    ``slices`` defaults to every stored slice, or those of ``folder``; ``models`` to the
    project's, in the config's order (the model history). A model without output (a failed run)
    gives NaN and is left out of the trend.
    """
    store = project.store
    if slices is None:
        chosen: list[Slice] = store.slices(folder=folder) if folder else store.slices()
    else:
        chosen = [s if isinstance(s, Slice) else store.get_slice(s) for s in slices]
    folders = {f.id: f.name for f in store.folders()}
    model_list = tuple(models) if models is not None else tuple(project.models)
    higher = project.metric_spec(metric).higher_is_better
    targets: list[tuple[str, str | None, np.ndarray]] = []
    if include_all:
        targets.append((ALL, None, project.mask(None)))
    for s in chosen:
        targets.append((s.name, folders.get(s.folder_id) if s.folder_id else None, project.mask(s)))
    columns = _columns(project, metric, transform, model_list)
    rows = [
        _trend(project, metric, transform, model_list, name, fold, mask, columns, higher, alpha)
        for name, fold, mask in targets
    ]
    return TrendTable(metric, transform, model_list, higher, tuple(rows))


def _columns(
    project: Project, metric: str, transform: str | None, models: Sequence[str]
) -> tuple[np.ndarray, float] | None:
    """(n, k) per-instance values and scale when the metric is a column mean for every model."""
    cols, scales = [], set()
    for model in models:
        try:
            dec = project.decomposition(metric, model, transform)
        except ZenohubError:
            return None
        if dec is None:
            return None
        cols.append(project.table[dec.column].to_numpy(dtype=np.float64, na_value=np.nan))
        scales.add(dec.scale)
    if len(scales) != 1:
        return None
    return np.column_stack(cols), scales.pop()


def _trend(
    project: Project,
    metric: str,
    transform: str | None,
    models: Sequence[str],
    name: str,
    folder: str | None,
    mask: np.ndarray,
    columns: tuple[np.ndarray, float] | None,
    higher: bool,
    alpha: float,
) -> SliceTrend:
    values = []
    for model in models:
        try:
            values.append(project.metric(metric, model, filter=mask, transform=transform))
        except ZenohubError:
            values.append(math.nan)
    y = np.asarray(values, dtype=np.float64)
    size = int(mask.sum())
    test = slope_test(y)
    alerts: list[Alert] = []
    sub = None
    if columns is not None and size > 0:
        sub = (columns[0][mask], columns[1])
    if test is not None:
        p_worse = test.p_decrease if higher else test.p_increase
        worse = test.slope < 0 if higher else test.slope > 0
        sign = None
        if sub is not None and worse:
            sign = instance_sign_test(sub[0], higher if sub[1] > 0 else not higher)
        if worse and p_worse < alpha and (sign is None or sign.p < alpha):
            direction = "falls" if test.slope < 0 else "rises"
            instances = (
                f"; {sign.worse} of the {sign.worse + sign.better} instances whose result "
                f"changes get worse (sign test p = {sign.p:.3g})"
                if sign is not None
                else ""
            )
            alerts.append(
                Alert(
                    "regression",
                    max(p_worse, sign.p if sign else 0.0),
                    f"Regression: {metric} {direction} by {abs(test.slope):.3g} per model over "
                    f"{test.df + 2} models ({'higher' if higher else 'lower'} is better; "
                    f"least-squares slope {test.slope:+.3g}, t-test p = {p_worse:.3f}, "
                    f"df = {test.df}{instances}; level {alpha:g}).",
                )
            )
    if sub is not None:
        variances = _variances(sub[0], sub[1])
        excess = monotone_excess(y, variances)
        if excess is not None and excess.p < alpha:
            ratio = excess.residual_sd / excess.noise_sd if excess.noise_sd > 0 else math.inf
            alerts.append(
                Alert(
                    "high variance",
                    excess.p,
                    f"High variance: {metric} moves up and down by {excess.residual_sd:.3g} "
                    f"(RMS distance from the best monotone fit), {ratio:.1f}x the sampling "
                    f"noise of {size} instances (chi-square {excess.chi2:.3g}, "
                    f"df = {excess.df}, p = {excess.p:.3g}; level {alpha:g}).",
                )
            )
    return SliceTrend(name, folder, size, tuple(float(v) for v in y), test, tuple(alerts))


def _variances(values: np.ndarray, scale: float) -> np.ndarray:
    """Sampling variance of each model's metric on the slice (column mean times ``scale``)."""
    present = ~np.isnan(values)
    n = present.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, values, 0.0).sum(axis=0) / n
        sq = (np.where(present, values - mean, 0.0) ** 2).sum(axis=0) / np.maximum(n - 1, 1)
        binary = np.isin(np.where(present, values, 0.0), (0.0, 1.0)).all(axis=0)
        # a rate of exactly 0 or 1 still has sampling uncertainty: add-one (Laplace) smoothing
        rate = (mean * n + 1) / (n + 2)
        var = np.where(binary, rate * (1 - rate), sq) / n
    out: np.ndarray = scale**2 * var
    return out
