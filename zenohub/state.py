"""Per-session state of the Explore app: what is selected and filtered, and what follows.

A ``param.Parameterized`` with no Panel import: views bind to its parameters, tests set them and
assert the derived values. The whole filter is the AND of the metadata widgets' predicates
(``column_filters``), the selected slices and a lasso selection of ids; ``mask``, ``count`` and
the metric values are recomputed by watchers whenever one of those (or the model / metric /
transform) changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import param

from .columns import ColumnKind, ColumnRef, ColumnType
from .errors import ZenohubError
from .filters import (
    Filter,
    FilterGroup,
    Predicate,
    compile_filter,
    describe_filter,
    filter_from_dict,
)
from .histograms import BASE, MetadataHistograms, filterable_columns
from .metrics import Decomposition
from .project import Project
from .store import Slice

#: ``sort_by`` pseudo-column: the compared models' outputs, changed (or most different) first
DIFFERENCE = "difference"
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
        self._filterable: dict[str | None, frozenset[str]] = {}
        self._base_cache: tuple[tuple[Any, ...], np.ndarray] | None = None
        self._slice_masks: dict[tuple[Any, ...], np.ndarray] = {}
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
        key = (
            id(p.table),
            repr(others),
            tuple(self.slice_names),
            p.store.revision() if self.slice_names else None,
            self.lasso_ids,  # the list itself: compared by identity first, not rehashed
        )
        if self._base_cache is not None and self._base_cache[0] == key:
            return self._base_cache[1]
        mask = self._compute_base(others)
        self._base_cache = (key, mask)
        return mask

    def _compute_base(self, others: list[Filter | None]) -> np.ndarray:
        p = self.proj
        mask = compile_filter(
            FilterGroup("and", tuple(f for f in others if f is not None)), p.table, self._types
        )
        for name in self.slice_names:
            mask &= p.mask(p.store.get_slice(name))
        if self.lasso_ids is not None:
            mask &= p.table[p.id_column].astype(str).isin(self.lasso_ids).to_numpy()
        return mask

    def _widget_filters(self, engine_columns: frozenset[str]) -> dict[str, tuple[str, object]]:
        """Column filters the cross-filter applies: (op, value) of ``between`` and ``in`` on
        columns it bins; every other predicate goes into the base mask."""
        out = {}
        for key, d in self.column_filters.items():
            if (
                key in engine_columns
                and d.get("op") in ("between", "in")
                and not d.get("negate")
                and "items" not in d
            ):
                out[key] = (d["op"], d["value"])
        return out

    def _sync_engine(self) -> MetadataHistograms:
        """Bring the session's cross-filter up to date with the filter; it answers the mask,
        count, metric and every histogram."""
        columns = self._filterable.get(self.model)
        if columns is None:
            keys = (i.key for i in filterable_columns(self.proj, self.model))
            columns = self._filterable[self.model] = frozenset(keys)
        widget = self._widget_filters(columns)
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
            engine.engine.clear(key)
        for key, (op, value) in widget.items():
            if op == "between":
                bounds: tuple[Any, ...] = tuple(value)  # type: ignore[arg-type]
                if current.get(key) != bounds:
                    engine.brush(key, bounds)  # type: ignore[arg-type]
            elif current.get(key) != tuple(value):  # type: ignore[arg-type]
                engine.select(key, list(value))  # type: ignore[call-overload]
        return engine

    def slice_stats(self, slices: Sequence[Slice]) -> list[tuple[int, float]]:
        """(size, metric for the current model and transform) of each saved slice.

        Slice masks are compiled once per slice content and kept; sizes and decomposable
        metrics come from the cross-filter's stored values, other metrics (or a
        transform) from :meth:`Project.metric`. A slice that cannot be evaluated (e.g. its
        column is gone) gives ``(0, nan)``.
        """
        p = self.proj
        dec = self._decomposition(self.model) if self.transform is None else None
        engine = self._histograms
        from_engine = engine is not None and dec is not None and dec.column in p.table
        out = []
        for sl in slices:
            key = (id(p.table), repr(sl.filter), repr(sl.ids))
            mask = self._slice_masks.get(key)
            if mask is None:
                try:
                    mask = self._slice_masks[key] = p.mask(sl)
                except ZenohubError:
                    out.append((0, math.nan))
                    continue
            value = math.nan
            if from_engine:
                assert engine is not None
                _, values = engine.summarize(mask, dec)
                value = float(values[0])
            elif dec is None and self.model and self.metric:
                try:
                    value = p.metric(self.metric, self.model, filter=mask, transform=self.transform)
                except ZenohubError:
                    value = math.nan
            out.append((int(np.count_nonzero(mask)), value))
        return out

    def activate(self, column: str) -> None:
        """Prepare ``column`` for brushing: build its cross-filter index now (Falcon's view
        activation, when the pointer enters its histogram) so the first brush move is fast."""
        engine = self._histograms
        if engine is not None and column in engine.infos and engine.engine.active != column:
            engine.activate(column)

    def _decomposition(self, model: str | None) -> Decomposition | None:
        if not (self.metric and model):
            return None
        try:
            return self.proj.decomposition(self.metric, model)
        except ZenohubError:
            return None

    # --- derived values -----------------------------------------------------------------
    @param.depends(*_METRIC_INPUTS, watch=True)
    def _recompute(self) -> None:
        engine = None
        try:
            engine = self._sync_engine()
            mask = engine.engine.mask()
        except ZenohubError as exc:  # e.g. a selected slice was deleted by another session
            self.message = str(exc)
            mask = np.ones(len(self.proj.table), dtype=bool)
        with param.edit_constant(self):
            if engine is not None:  # first: the histograms are what a brush is watching
                self.histograms = engine.histograms(self._decomposition(self.model))
            self.mask = mask
            self.count = engine.engine.count() if engine is not None else int(mask.sum())
            self.metric_value = self._metric(self.model, mask, engine)
            self.compare_metric_value = self._metric(self.compare_model, mask, engine)
        if self.page > self.page_count - 1:
            self.page = max(0, self.page_count - 1)

    def _metric(
        self, model: str | None, mask: np.ndarray, engine: MetadataHistograms | None = None
    ) -> float | None:
        """The metric on the filtered rows: from the cross-filter's sums when it is a mean of a
        per-instance column (and no transform), else through :meth:`Project.metric`."""
        if model is None or self.metric is None:
            return None
        dec = self._decomposition(model) if self.transform is None else None
        if engine is not None and dec is not None and dec.column in self.proj.table:
            return engine.metric(dec)
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
        if self.sort_by == DIFFERENCE and self.sort_by not in p.table:
            pair = self._compared_outputs()
            if pair is not None:
                a, b = (p.table[c].iloc[rows] for c in pair)
                order = np.argsort(difference_sort_key(a, b, self._numeric(pair[0])), kind="stable")
                rows = rows[order if self.ascending else order[::-1]]
        elif self.sort_by and self.sort_by in p.table:
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

    # --- compare mode, text search and the table view ---------------------------------------
    def _compared_outputs(self) -> tuple[str, str] | None:
        """Keys of the selected and the compared model's outputs, when both exist."""
        if not self.model or not self.compare_model:
            return None
        a = self.column(ColumnKind.OUTPUT, "output", self.model)
        b = self.column(ColumnKind.OUTPUT, "output", self.compare_model)
        return (a, b) if a in self.proj.table and b in self.proj.table else None

    def _numeric(self, key: str) -> bool:
        return self._types.get(key) is ColumnType.CONTINUOUS

    def text_columns(self) -> list[str]:
        """Keys of the columns a text search applies to: text and nominal text of the original
        instances (not the id, transformed copies, or the file paths of image / audio data)."""
        p = self.proj
        table = p.table
        skip = {p.id_column}
        if (p.config.view or "").lower().startswith(("image", "audio")):  # image-classification
            skip.add(p.config.data_column)
        return [
            key
            for key, ctype in self._types.items()
            if key in table
            and key not in skip
            and (key not in p.columns or p.columns[key].ref.transform is None)
            and (
                ctype is ColumnType.TEXT
                or (
                    ctype is ColumnType.NOMINAL
                    and not pd.api.types.is_numeric_dtype(table[key].dtype)
                    and not pd.api.types.is_bool_dtype(table[key].dtype)
                )
            )
        ]

    def text_matches(self, predicate: Predicate, limit: int = 5) -> tuple[int, list[str]]:
        """(number of instances matching a text predicate, the first ``limit`` matching values).

        Raises :class:`~zenohub.errors.FilterError` for a predicate the column cannot take.
        """
        table = self.proj.table
        mask = compile_filter(predicate, table, self._types)
        values = table[predicate.column].to_numpy()[np.flatnonzero(mask)[:limit]]
        return int(mask.sum()), [str(v) for v in values]

    def highlight(self) -> dict[str, Any]:
        """The data column's text search as ``RenderContext`` keywords (empty when none)."""
        flt = self.column_filters.get(self.proj.config.data_column or "")
        if not flt or flt.get("negate") or flt.get("op") not in ("contains", "regex"):
            return {}
        return {
            "highlight": str(flt.get("value", "")),
            "highlight_regex": flt["op"] == "regex",
            "case_sensitive": bool(flt.get("case_sensitive")),
            "whole_word": bool(flt.get("whole_word")),
        }

    def page_table(self) -> pd.DataFrame:
        """The current page as table rows: id, label, data column, output(s) and difference.

        The data column is left out when its values are long (more than 80 characters).
        """
        p = self.proj
        cfg = p.config
        page = self.page_frame()
        out = pd.DataFrame(index=page.index)
        out[p.id_column] = page[p.id_column].astype(str)
        if cfg.label_column and cfg.label_column in page:
            out[cfg.label_column] = page[cfg.label_column]
        data = cfg.data_column
        if data and data in page and data != p.id_column:
            values = page[data]
            if (
                pd.api.types.is_numeric_dtype(values.dtype)
                or (values.astype(str).str.len().max() or 0) <= 80
            ):
                out[data] = values
        if self.output_column and self.output_column in page:
            out[f"output ({self.model})"] = page[self.output_column]
        pair = self._compared_outputs()
        if pair is not None:
            out[f"output ({self.compare_model})"] = page[pair[1]]
            out[DIFFERENCE] = output_difference(
                page[pair[0]], page[pair[1]], self._numeric(pair[0])
            )
        return out.reset_index(drop=True)

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


def _changed(a: pd.Series, b: pd.Series) -> np.ndarray:
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    differs = a.astype(str).to_numpy() != b.astype(str).to_numpy()
    return np.where(a_na | b_na, a_na != b_na, differs)


def output_difference(a: pd.Series, b: pd.Series, numeric: bool) -> np.ndarray:
    """Per row, how model B's output differs from model A's.

    ``b - a`` for numeric outputs (NaN where either is missing), else ``"changed"`` /
    ``"unchanged"`` (a missing output equals only a missing one).
    """
    if numeric:
        return b.to_numpy(dtype=np.float64, na_value=np.nan) - a.to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    return np.where(_changed(a, b), "changed", "unchanged")


def difference_sort_key(a: pd.Series, b: pd.Series, numeric: bool) -> np.ndarray:
    """A key sorting rows ascending from most to least different (changed before unchanged).

    Numeric outputs sort by ``-|b - a|`` (missing last); others put changed rows (0) before
    unchanged ones (1).
    """
    if numeric:
        diff = np.abs(output_difference(a, b, numeric=True))
        return np.where(np.isnan(diff), np.inf, -diff)
    return np.where(_changed(a, b), 0.0, 1.0)
