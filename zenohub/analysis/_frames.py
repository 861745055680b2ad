"""The data behind report charts and exports, as tidy DataFrames (no plotting here)."""

from __future__ import annotations

import math
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ConfigError, ZenohubError
from ._specs import ChartSpec, ReportSpec

if TYPE_CHECKING:
    from ..project import Project

#: how the original (untransformed) instances are labelled in charts
ORIGINAL = "original"


def report_frame(project: Project, report: ReportSpec) -> pd.DataFrame:
    """One row per slice x model x metric x transform: the metric value and the slice size.

    Columns ``slices``, ``models``, ``metrics``, ``transforms`` (the chart dimensions), ``value``
    and ``size``; a value that cannot be computed is NaN.
    """
    store = project.store
    masks = {name: project.mask(store.get_slice(name)) for name in report.slices}
    models = list(report.models or project.models)
    metrics = list(report.metrics or project.metrics[:1])
    records = []
    for (name, mask), model, metric, transform in product(
        masks.items(), models, metrics, report.transforms
    ):
        try:
            value = project.metric(metric, model, filter=mask, transform=transform or None)
        except ZenohubError:
            value = math.nan
        records.append(
            {
                "slices": name,
                "models": model,
                "metrics": metric,
                "transforms": transform or ORIGINAL,
                "value": value,
                "size": int(mask.sum()),
            }
        )
    return pd.DataFrame.from_records(
        records, columns=["slices", "models", "metrics", "transforms", "value", "size"]
    )


def chart_frame(frame: pd.DataFrame, chart: ChartSpec) -> pd.DataFrame:
    """The rows one chart shows: dimensions it does not show are held at one value."""
    fixed = {
        "metrics": chart.metric,
        "models": chart.model,
        "transforms": (chart.transform or ORIGINAL) if chart.transform is not None else None,
    }
    shown = {chart.x, chart.color, chart.facet} if chart.kind != "table" else set()
    out = frame
    for dim in ("slices", "models", "metrics", "transforms"):
        if dim in shown or out.empty:
            continue
        value = fixed.get(dim) or out[dim].iloc[0]
        out = out[out[dim] == value]
    return out.reset_index(drop=True)


def pair_frame(
    project: Project,
    report: ReportSpec,
    metric: str | None = None,
    model: str | None = None,
    transform: str | None = None,
) -> pd.DataFrame:
    """The metric on the intersection of every two slices of the report (slice x slice)."""
    store = project.store
    masks = {name: project.mask(store.get_slice(name)) for name in report.slices}
    metric = metric or (report.metrics or tuple(project.metrics[:1]))[0]
    model = model or (report.models or tuple(project.models))[-1]
    records = []
    for (a, ma), (b, mb) in product(masks.items(), masks.items()):
        both = ma & mb
        try:
            value = (
                project.metric(metric, model, filter=both, transform=transform or None)
                if both.any()
                else math.nan
            )
        except ZenohubError:
            value = math.nan
        records.append({"slice": a, "other": b, "value": value, "size": int(both.sum())})
    return pd.DataFrame.from_records(records, columns=["slice", "other", "value", "size"])


def export_table(project: Project, mask: np.ndarray | None, path: str | Path) -> Path:
    """Write the instances of ``mask`` (every column of the table) to CSV or Parquet.

    The format follows the suffix: ``.csv`` or ``.parquet``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ConfigError(f"Export to a .csv or .parquet file, got {path.name!r}.")
    frame = project.table if mask is None else project.table[np.asarray(mask, dtype=bool)]
    frame = frame.reset_index(drop=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def table_bytes(project: Project, mask: np.ndarray | None, fmt: str) -> bytes:
    """The same export as bytes (for a download button): ``fmt`` is ``csv`` or ``parquet``."""
    import io

    frame = project.table if mask is None else project.table[np.asarray(mask, dtype=bool)]
    frame = frame.reset_index(drop=True)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ConfigError(f"Export format is 'csv' or 'parquet', got {fmt!r}.")
