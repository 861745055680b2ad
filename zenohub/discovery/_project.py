"""Per-instance errors and searchable metadata of a processed project (what the app searches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..columns import ColumnKind, ColumnRef, ColumnType
from ..errors import ZenohubError
from ..project import Project
from ._errors import DiscoveryError


@dataclass(frozen=True)
class InstanceErrors:
    """A model's per-instance errors for a metric, and how they were derived."""

    values: np.ndarray  #: float64, larger is worse; NaN where unknown
    how: str  #: one line for the user
    source: str | None  #: the table column they come from (left out of the search), if any


def instance_errors(
    project: Project, metric: str | None, model: str, transform: str | None = None
) -> InstanceErrors:
    """How wrong ``model`` is on each instance, for ``metric``.

    A metric that is a mean of a per-instance column (accuracy = mean of ``correct``; any
    ``@metric(mean_of=...)``) gives each instance's own contribution ``offset + scale * value``,
    turned into a loss that is 0 on the best instance: ``best - value`` when higher is better,
    ``value - best`` when lower is better (so accuracy gives ``1 - correct``, an error rate its
    own 0/1 value, a squared error itself). Other metrics (a median, an F1) have no per-instance
    share; then an instance is wrong when its output differs from its label.
    """
    dec = None
    if metric is not None:
        try:
            dec = project.decomposition(metric, model, transform)
        except ZenohubError:
            dec = None
    table = project.table
    if dec is not None and dec.column in table:
        raw = table[dec.column].to_numpy(dtype=np.float64, na_value=np.nan)
        value = dec.offset + dec.scale * raw
        higher = project.metric_spec(metric or "").higher_is_better
        if np.all(np.isnan(value)):
            raise DiscoveryError(f"Metric '{metric}' has no per-instance value for {model!r}.")
        loss = (np.nanmax(value) - value) if higher else (value - np.nanmin(value))
        label = dec.column
        return InstanceErrors(
            loss,
            f"errors: each instance's share of {metric} ({'higher' if higher else 'lower'} is "
            f"better), from column '{label}'",
            dec.column,
        )
    label = project.config.label_column
    out = ColumnRef(ColumnKind.OUTPUT, "output", model, transform).key
    if not label or label not in table or out not in table:
        raise DiscoveryError(
            f"Cannot tell which instances {model!r} gets wrong: metric {metric!r} is not a mean "
            f"of a per-instance column and the project has no label and output to compare. "
            f"Declare the metric with @metric(mean_of=...) or set label_column."
        )
    wrong = (table[out].astype(str) != table[label].astype(str)).to_numpy()
    wrong = wrong & table[out].notna().to_numpy()
    known = table[out].notna().to_numpy() & table[label].notna().to_numpy()
    values = np.where(known, wrong.astype(np.float64), np.nan)
    why = f"{metric} is not a mean of a per-instance value; " if metric else ""
    return InstanceErrors(values, f"errors: {why}output differs from label", None)


def searchable_columns(
    project: Project,
    models: tuple[str, ...],
    transform: str | None = None,
    exclude: tuple[str | None, ...] = (),
) -> list[str]:
    """Table columns slices may be described with: metadata, and the distills / other returns
    of ``models`` (under ``transform``); never the id, model outputs, embeddings or the
    columns the errors come from."""
    out = []
    for key, info in project.columns.items():
        ref = info.ref
        if key == project.id_column or key in exclude or info.ctype is ColumnType.EMBEDDING:
            continue
        if ref.kind is ColumnKind.METADATA or (
            ref.kind in (ColumnKind.DISTILL, ColumnKind.OTHER)
            and ref.transform == transform
            and (ref.model is None or ref.model in models)
        ):
            out.append(key)
    return [k for k in out if k in project.table and not _is_list_column(project.table[k])]


def _is_list_column(series: pd.Series) -> bool:
    if series.dtype != object or series.empty:
        return False
    first = series.dropna()
    return not first.empty and isinstance(first.iloc[0], list | tuple | dict | np.ndarray)
