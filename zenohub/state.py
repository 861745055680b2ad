"""Per-session state of the Explore app: what is selected and filtered, and what follows.

A ``param.Parameterized`` with no Panel import: views bind to its parameters, tests set them and
assert the derived values. The whole filter is the AND of the metadata widgets' predicates
(``column_filters``), the selected slices and a lasso selection of ids; ``mask``, ``count`` and
the metric values are recomputed by watchers whenever one of those (or the model / metric /
transform) changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import param

from .columns import ColumnKind, ColumnRef
from .errors import ZenohubError
from .filters import Filter, FilterGroup, compile_filter, describe_filter, filter_from_dict
from .histograms import BASE, MetadataHistograms
from .project import Project

_FILTER_INPUTS = ("column_filters", "slice_names", "lasso_ids", "transform")
_METRIC_INPUTS = (*_FILTER_INPUTS, "model", "compare_model", "metric")


class ExploreState(param.Parameterized):
    """Selections of one browser session over a processed :class:`Project`."""

    project = param.ClassSelector(
        class_=Project,
        constant=True,
        doc="""
        The processed project this session explores.""",
    )
    model: param.Selector = param.Selector(
        default=None,
        objects=[],
        allow_None=True,
        doc="""
        The model whose outputs and metric are shown.""",
    )
    compare_model: param.Selector = param.Selector(
        default=None,
        objects=[None],
        allow_None=True,
        doc="""
        A second model shown side by side (compare mode), or None.""",
    )
    metric: param.Selector = param.Selector(
        default=None,
        objects=[],
        allow_None=True,
        doc="""
        The metric shown for the filtered instances and per slice.""",
    )
    transform: param.Selector = param.Selector(
        default=None,
        objects=[None],
        allow_None=True,
        doc="""
        Show transformed instances (their outputs and metric) instead of the originals.""",
    )
    column_filters = param.Dict(
        default={},
        doc="""
        Column key -> predicate dict, one per metadata widget with an active selection.""",
    )
    slice_names = param.List(
        default=[],
        item_type=str,
        doc="""
        Selected slices; several are combined with AND.""",
    )
    lasso_ids = param.List(
        default=None,
        allow_None=True,
        doc="""
        Ids selected in the embedding view, or None for no lasso selection.""",
    )
    sort_by = param.String(default="", doc="""Column key the instances are sorted by.""")
    ascending = param.Boolean(default=True, doc="""Sort direction.""")
    only_errors = param.Boolean(
        default=False,
        doc="""
        Show only instances where the model output differs from the label.""",
    )
    page = param.Integer(default=0, bounds=(0, None), doc="""Current page (from 0).""")
    page_size = param.Integer(default=24, bounds=(1, 1000), doc="""Instances per page.""")
    message = param.String(
        default="",
        doc="""
        The last problem with a user action (bad predicate, unknown slice), shown in the app.""",
    )

    mask = param.Array(default=None, constant=True, doc="""Row mask of the whole filter.""")
    count = param.Integer(default=0, constant=True, doc="""Rows matching the filter.""")
    metric_value = param.Number(
        default=None,
        allow_None=True,
        constant=True,
        doc="""
        The selected metric for ``model`` on the filtered rows (NaN when empty).""",
    )
    histograms = param.List(
        default=[],
        constant=True,
        doc="""
        One :class:`~zenohub.histograms.Histogram` per metadata column, cross-filtered.""",
    )
    compare_metric_value = param.Number(
        default=None,
        allow_None=True,
        constant=True,
        doc="""
        The selected metric for ``compare_model`` on the filtered rows.""",
    )

    def __init__(self, project: Project, **params: object) -> None:
        self._types = {k: c.ctype for k, c in project.columns.items()}
        self._histograms: MetadataHistograms | None = None
        self._histogram_base = np.ones(0, dtype=bool)
        super().__init__(project=project, **params)
        p = self.proj
        with param.discard_events(self):
            self.param.model.objects = p.models
            self.param.compare_model.objects = [None, *p.models]
            self.param.metric.objects = p.metrics
            self.param.transform.objects = [None, *p.transforms]
            if self.model is None and p.models:
                self.model = p.models[0]
            if self.metric is None and p.metrics:
                self.metric = p.metrics[0]
        self._recompute()

    @property
    def proj(self) -> Project:
        assert self.project is not None
        return self.project

    # --- the filter ---------------------------------------------------------------------
    def filter(self) -> FilterGroup:
        """The metadata widgets' predicates as one AND group (slices and lasso not included)."""
        items = tuple(filter_from_dict(d) for d in self.column_filters.values())
        return FilterGroup("and", tuple(i for i in items if i is not None))

    def set_column_filter(self, column: str, flt: Filter | dict | None) -> bool:
        """Set (or with None clear) one column's predicate; a malformed one changes nothing.

        Returns whether it was applied; otherwise ``message`` says why.
        """
        filters = dict(self.column_filters)
        if flt is None:
            filters.pop(column, None)
        else:
            try:
                parsed = filter_from_dict(flt) if isinstance(flt, dict) else flt
                compile_filter(parsed, self.proj.table.iloc[:0], self._types)
            except ZenohubError as exc:
                self.message = str(exc)
                return False
            assert parsed is not None
            filters[column] = parsed.to_dict()
        self.message = ""
        self.column_filters = filters
        return True

    def clear(self) -> None:
        """Remove every predicate, slice selection and lasso selection."""
        self.param.update(column_filters={}, slice_names=[], lasso_ids=None, page=0)

    def chips(self) -> list[tuple[str, str]]:
        """(key, text) of each active part of the filter, for removable header chips."""
        chips = [(f"column:{k}", self._chip_text(k, v)) for k, v in self.column_filters.items()]
        chips += [(f"slice:{n}", f"slice {n}") for n in self.slice_names]
        if self.lasso_ids is not None:
            chips.append(("lasso", f"{len(self.lasso_ids)} selected points"))
        return chips

    def _chip_text(self, key: str, flt: dict[str, Any]) -> str:
        """A predicate as a person reads it: the column's label, numbers to 4 digits."""
        info = self.proj.columns.get(key)
        label = info.label if info is not None else key
        op, value = flt.get("op"), flt.get("value")
        if op == "between" and isinstance(value, list | tuple) and len(value) == 2:
            lo, hi = (f"{v:.4g}" if isinstance(v, float) else str(v) for v in value)
            return f"{label} between {lo} and {hi}"
        if op in ("in", "not in") and isinstance(value, list | tuple):
            return f"{label} {op} {{{', '.join(map(str, value))}}}"
        text = describe_filter(filter_from_dict(flt))
        return text.replace(key, label, 1) if text.startswith(key) else text

    def remove_chip(self, key: str) -> None:
        kind, _, name = key.partition(":")
        if kind == "column":
            self.set_column_filter(name, None)
        elif kind == "slice":
            self.slice_names = [n for n in self.slice_names if n != name]
        elif kind == "lasso":
            self.lasso_ids = None

    def _base_mask(self, widget_columns: set[str]) -> np.ndarray:
        """Rows of the selected slices and lasso, and of predicates the histograms cannot draw
        (``widget_columns``' range / value selections are applied by the cross-filter)."""
        p = self.proj
        others = [
            filter_from_dict(d) for k, d in self.column_filters.items() if k not in widget_columns
        ]
        mask = compile_filter(
            FilterGroup("and", tuple(f for f in others if f is not None)), p.table, self._types
        )
        for name in self.slice_names:
            mask &= p.mask(p.store.get_slice(name))
        if self.lasso_ids is not None:
            mask &= p.table[p.id_column].astype(str).isin(self.lasso_ids).to_numpy()
        return mask

    def _compute_mask(self) -> np.ndarray:
        return self._base_mask(set()) & compile_filter(self.filter(), self.proj.table, self._types)

    def _widget_filters(self) -> dict[str, tuple[str, object]]:
        """Column filters the histograms draw: (op, value) of ``between`` and ``in``."""
        out = {}
        for key, d in self.column_filters.items():
            if d.get("op") in ("between", "in") and not d.get("negate") and "items" not in d:
                out[key] = (d["op"], d["value"])
        return out

    def _sync_histograms(self) -> None:
        widget = self._widget_filters()
        base = self._base_mask(set(widget))
        engine = self._histograms
        if (
            engine is None
            or engine.model != self.model
            or not np.array_equal(self._histogram_base, base)
        ):
            engine = self._histograms = MetadataHistograms(
                self.proj, self.model, None if base.all() else base
            )
            self._histogram_base = base
        current = {k: v for k, v in engine.engine.filters.items() if k != BASE}
        for key in set(current) - set(widget):
            if key in engine.infos:
                engine.engine.clear(key)
        for key, (op, value) in widget.items():
            if key not in engine.infos:
                continue
            if op == "between":
                bounds: tuple[Any, ...] = tuple(value)  # type: ignore[arg-type]
                if current.get(key) != bounds:
                    engine.brush(key, bounds)  # type: ignore[arg-type]
            elif current.get(key) != tuple(value):  # type: ignore[arg-type]
                engine.select(key, list(value))  # type: ignore[call-overload]
        dec = None
        if self.metric and self.model:
            try:
                dec = self.proj.decomposition(self.metric, self.model)
            except ZenohubError:
                dec = None
        with param.edit_constant(self):
            self.histograms = engine.histograms(dec)

    # --- derived values -----------------------------------------------------------------
    @param.depends(*_METRIC_INPUTS, watch=True)
    def _recompute(self) -> None:
        try:
            mask = self._compute_mask()
        except ZenohubError as exc:  # e.g. a selected slice was deleted by another session
            self.message = str(exc)
            mask = np.ones(len(self.proj.table), dtype=bool)
        with param.edit_constant(self):
            self.mask = mask
            self.count = int(mask.sum())
            self.metric_value = self._metric(self.model, mask)
            self.compare_metric_value = self._metric(self.compare_model, mask)
        try:
            self._sync_histograms()
        except ZenohubError as exc:
            self.message = str(exc)
        if self.page > self.page_count - 1:
            self.page = max(0, self.page_count - 1)

    def _metric(self, model: str | None, mask: np.ndarray) -> float | None:
        if model is None or self.metric is None:
            return None
        try:
            return self.proj.metric(self.metric, model, filter=mask, transform=self.transform)
        except ZenohubError as exc:
            self.message = str(exc)
            return None

    def column(self, kind: ColumnKind | str, name: str, model: str | None = None) -> str:
        """Key of a column under the current transform (e.g. this model's output)."""
        return ColumnRef(ColumnKind(kind), name, model, self.transform).key

    @property
    def output_column(self) -> str | None:
        return self.column(ColumnKind.OUTPUT, "output", self.model) if self.model else None

    def errors(self, model: str | None = None) -> np.ndarray:
        """Rows whose output (of ``model``, default the selected one) differs from the label."""
        p = self.proj
        label = p.config.label_column
        out = self.column(ColumnKind.OUTPUT, "output", model or self.model)
        if not label or out not in p.table:
            return np.zeros(len(p.table), dtype=bool)
        return (p.table[out].astype(str) != p.table[label].astype(str)).to_numpy()

    # --- instances ----------------------------------------------------------------------
    def visible(self) -> np.ndarray:
        """Row positions shown, in display order (filter, only-errors, sort)."""
        p = self.proj
        assert self.mask is not None
        mask = self.mask.copy()
        if self.only_errors:
            mask &= self.errors()
        rows = np.flatnonzero(mask)
        if self.sort_by and self.sort_by in p.table:
            values = p.table[self.sort_by].iloc[rows]
            order = np.argsort(_sort_key(values), kind="stable")
            rows = rows[order if self.ascending else order[::-1]]
        return rows

    @property
    def page_count(self) -> int:
        n = int(self.mask.sum()) if self.mask is not None else 0
        return max(1, -(-n // self.page_size))

    def page_frame(self) -> pd.DataFrame:
        """The rows of the current page."""
        rows = self.visible()
        start = self.page * self.page_size
        return self.proj.table.iloc[rows[start : start + self.page_size]]

    # --- slices -------------------------------------------------------------------------
    def save_slice(self, name: str, folder: str | None = None, description: str = "") -> bool:
        """Save the current predicates (and lasso ids) as a slice; ``message`` says why not."""
        flt = self.filter()
        try:
            self.proj.store.create_slice(
                name,
                filter=flt.to_dict(),
                ids=self.lasso_ids,
                folder=folder,
                description=description,
            )
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        self.message = ""
        return True


def _sort_key(values: pd.Series) -> np.ndarray:
    """A numpy array sorting like ``values`` (categories by label, missing values last)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(str)
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        arr = values.to_numpy(dtype=np.float64, na_value=np.inf)
        return arr
    return values.astype(str).fillna("\uffff").to_numpy()
