"""Histograms of the metadata panel, computed by the cross-filter engine (no Panel).

One :class:`MetadataHistograms` per Explore session and model: it picks the filterable columns
(dataset columns, model-independent distills, and the selected model's output, other returns and
distills), keeps a :class:`~zenohub.crossfilter.CrossFilter` over them, and answers for every
column the total and filtered counts per bin (exclude-self) and the selected metric per bin when
the metric is a mean of a per-instance column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import ColumnInfo, ColumnKind, ColumnType
from .crossfilter import CrossFilter
from .metrics import Decomposition
from .project import Project

FILTERABLE = (ColumnType.CONTINUOUS, ColumnType.NOMINAL, ColumnType.BOOLEAN, ColumnType.DATETIME)
BASE = "__zenohub_base__"  #: hidden boolean view: the rows of the selected slices and lasso
MAX_CATEGORIES = 60


@dataclass(frozen=True)
class Histogram:
    """What one metadata widget draws (the last bin of every array is the missing values)."""

    column: str
    label: str
    group: str  #: "metadata", "distilled" or "model outputs"
    ctype: ColumnType
    bins: list[str]  #: a label per bin
    edges: np.ndarray | None  #: continuous / datetime bin edges
    values: list[object] | None  #: nominal / boolean: the raw value of each real bin
    totals: np.ndarray
    counts: np.ndarray
    metric: np.ndarray | None  #: the metric per bin, NaN where empty


def _group(info: ColumnInfo) -> str:
    if info.ref.kind is ColumnKind.METADATA:
        return "metadata"
    if info.ref.model is None:
        return "distilled"
    return "model outputs"


def filterable_columns(project: Project, model: str | None) -> list[ColumnInfo]:
    """Columns of the metadata panel for ``model`` (original instances, no transform)."""
    skip = {project.id_column}
    out = []
    for info in project.columns.values():
        r = info.ref
        if info.key in skip or r.transform is not None or info.ctype not in FILTERABLE:
            continue
        if r.kind is ColumnKind.EMBEDDING or r.kind is ColumnKind.DATA:
            continue
        if r.model is not None and r.model != model:
            continue
        if info.ctype is ColumnType.NOMINAL and project.table[info.key].nunique() > MAX_CATEGORIES:
            continue
        out.append(info)
    return out


class MetadataHistograms:
    """Cross-filtered histograms for one session and model."""

    def __init__(
        self, project: Project, model: str | None, base: np.ndarray | None = None, bins: int = 30
    ) -> None:
        self.project = project
        self.model = model
        self.infos = {i.key: i for i in filterable_columns(project, model)}
        table = project.table[list(self.infos)].copy()
        types = {k: i.ctype for k, i in self.infos.items()}
        if base is not None:
            table[BASE] = base
            types[BASE] = ColumnType.BOOLEAN
        self.engine = CrossFilter(table, columns=list(types), bins=bins, types=types)
        if base is not None:
            self.engine.select(BASE, [True])
        self._values: dict[str, Decomposition] = {}

    def brush(self, column: str, bounds: tuple[float, float] | None) -> None:
        self.engine.brush(column, bounds)

    def select(self, column: str, values: list[object] | None) -> None:
        self.engine.select(column, values)

    def activate(self, column: str) -> None:
        self.engine.activate(column)

    def _metric_values(self, dec: Decomposition | None) -> str | None:
        if dec is None:
            return None
        if dec.column not in self._values:
            values = self.project.table[dec.column].to_numpy(dtype=np.float64, na_value=np.nan)
            self.engine.add_values(dec.column, values)
            self._values[dec.column] = dec
        return dec.column

    def metric(self, decomposition: Decomposition) -> float:
        """The metric over the rows matching every filter, from the engine's sums."""
        column = self._metric_values(decomposition)
        assert column is not None
        return decomposition.offset + decomposition.scale * self.engine.metric(column)

    def summarize(
        self, masks: np.ndarray, decomposition: Decomposition | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Size and metric of each row subset (e.g. saved slices), from the engine's values."""
        column = self._metric_values(decomposition)
        sizes, means = self.engine.summarize(masks, column)
        if decomposition is not None:
            means = decomposition.offset + decomposition.scale * means
        return sizes, means

    def histograms(self, decomposition: Decomposition | None = None) -> list[Histogram]:
        """Every column's histogram under the current filters."""
        counts, totals = self.engine.counts(), self.engine.totals()
        values = self._metric_values(decomposition)
        out = []
        for key, info in self.infos.items():
            categories: list[object] = []
            if info.ctype in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
                edges = self.engine.edges(key)
                labels = [
                    f"{edges[i]:.4g} to {edges[i + 1]:.4g}"
                    if info.ctype is ColumnType.CONTINUOUS
                    else f"{edges[i]} to {edges[i + 1]}"
                    for i in range(len(edges) - 1)
                ]
            else:
                edges = None
                categories = list(self.engine.categories(key))
                labels = [str(c) for c in categories]
            labels.append("missing")
            metric = None
            if values is not None and decomposition is not None:
                raw = self.engine.metric_per_bin(key, values)
                metric = decomposition.offset + decomposition.scale * raw
            out.append(
                Histogram(
                    key,
                    info.label,
                    _group(info),
                    info.ctype,
                    labels,
                    edges,
                    None if edges is not None else categories,
                    totals[key],
                    counts[key],
                    metric,
                )
            )
        return out
