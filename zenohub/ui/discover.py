"""The Discover panel: failing slices found by zenohub, and a description of the lasso selection.

A thin view over :class:`zenohub.state.ExploreState` and :mod:`zenohub.discovery`. Nothing is
computed when the page is built: "Find failing slices" runs the search on the current model's
per-instance errors for the current metric (see :func:`zenohub.discovery.instance_errors`),
restricted to the rows of the current filter; with a compare model chosen it can instead find
where the model is worse than the compare model. Each result saves as a slice in one click: its
rule AND the current filter (so it names the rows it was found on). A lasso selection is
described in metadata terms and saves either as its ids or as the describing rule.
"""

from __future__ import annotations

import html
import logging
import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import panel as pn
import param

from ..discovery import (
    PredicateTuple,
    SelectionDescription,
    SliceFinder,
    SliceResult,
    describe_predicates,
    describe_selection,
    instance_errors,
    searchable_columns,
)
from ..errors import ZenohubError
from ..filters import Filter, FilterGroup, filter_from_dict
from ..state import ExploreState

logger = logging.getLogger(__name__)

FAILING = "failing slices"
WORSE = "where the model is worse than the compare model"

CSS = """
.zh-discover-message { color: #b00020; white-space: pre-wrap; }
.zh-discover-note { color: #555; font-size: 12px; }
.zh-discover-rule { font-family: monospace; font-size: 12px; }
.zh-discover-row { font-size: 13px; }
.zh-discover-row b { font-weight: 600; }
"""


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return f"{value:.{digits}g}"


def _handler(action: Callable[[], object]) -> Callable[[object], None]:
    """A click handler running ``action`` (whose result is for tests and scripts)."""

    def handle(_event: object) -> None:
        action()

    return handle


def unique_name(wanted: str, taken: set[str], limit: int = 80) -> str:
    """``wanted`` cut to ``limit`` characters, with `` (2)``, `` (3)``... if already taken."""
    base = wanted if len(wanted) <= limit else wanted[: limit - 1].rstrip() + "…"
    name, i = base, 2
    while name in taken:
        name, i = f"{base} ({i})", i + 1
    return name


class Discover(pn.viewable.Viewer):
    """Find failing slices of the current model and metric; describe the lasso selection."""

    state = param.ClassSelector(class_=ExploreState, doc="""The session's state.""")
    mode: param.Selector = param.Selector(
        default=FAILING,
        objects=[FAILING, WORSE],
        doc="""
        Find where the model fails, or where it is worse than the compare model.""",
    )
    max_predicates = param.Integer(
        default=3, bounds=(1, 3), doc="""Largest number of predicates of a slice."""
    )
    min_support = param.Number(
        default=0.01, bounds=(0.001, 0.5), doc="""Smallest slice, as a share of the rows."""
    )
    fdr = param.Number(default=0.05, bounds=(0.001, 0.5), doc="""Target false-discovery rate.""")
    k = param.Integer(default=10, bounds=(1, 50), doc="""How many slices to list.""")
    results = param.List(default=[], doc="""The slices found (SliceResult), best first.""")
    metric_values = param.List(default=[], doc="""The metric of the model on each result.""")
    note = param.String(default="", doc="""What the last search ran on.""")
    message = param.String(default="", doc="""Why the last action failed.""")
    description = param.Parameter(
        default=None, doc="""The lasso selection described (SelectionDescription) or None."""
    )
    selection_name = param.String(default="", doc="""Name to save the lasso selection as.""")
    revision = param.Integer(default=0, doc="""Bumped whenever this panel saves a slice.""")
    on_saved = param.Callable(
        default=None,
        doc="""
        Called with the new slice's name after a save (e.g. the slices panel's ``poll``).""",
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._filters: list[Filter] = []
        self._ids: list[str] | None = None
        self._on_lasso()

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    # --- the search ------------------------------------------------------------------------
    def run(self) -> bool:
        """Search the current filter's rows; ``message`` says why nothing could run."""
        s = self._s
        p = s.proj
        if not s.model:
            return self._fail("Choose a model first.")
        versus = self.mode == WORSE
        if versus and not s.compare_model:
            return self._fail("Choose a model to compare with first.")
        started = time.perf_counter()
        try:
            errors = instance_errors(p, s.metric, s.model, s.transform)
            baseline = (
                instance_errors(p, s.metric, s.compare_model, s.transform) if versus else None
            )
            models = (s.model, s.compare_model) if versus else (s.model,)
            exclude = (errors.source, baseline.source if baseline else None)
            columns = searchable_columns(p, tuple(m for m in models if m), s.transform, exclude)
            assert s.mask is not None
            rows = np.flatnonzero(s.mask)
            frame = p.table.iloc[rows]
            finder = SliceFinder(
                columns=columns,
                max_predicates=self.max_predicates,
                min_support=self.min_support,
                k=self.k,
                fdr=self.fdr,
            ).fit(
                frame,
                errors.values[rows],
                None if baseline is None else baseline.values[rows],
            )
            self._filters, self._ids = self._current_filter()
            values = [self._metric(r, frame, rows) for r in finder.slices_]
        except ZenohubError as exc:
            return self._fail(str(exc))
        skipped = (
            f"; skipped {', '.join(finder.skipped_columns_)}" if finder.skipped_columns_ else ""
        )
        self.note = (
            f"{errors.how}. Searched {finder.n_rows_:,} instances of the current filter over "
            f"{len(finder.columns_)} columns ({finder.n_tested_:,} slices tested, "
            f"{time.perf_counter() - started:.1f} s){skipped}."
        )
        self.message = ""
        self.param.update(results=list(finder.slices_), metric_values=values)
        return True

    @param.depends(
        "state.model", "state.compare_model", "state.metric", "state.transform", "state.mask",
        watch=True,
    )  # fmt: skip
    def _on_inputs(self) -> None:
        """Results of another model, metric or filter would mislead: drop them."""
        if self.results or self.note:
            self.param.update(results=[], metric_values=[], note="")

    def label(self, predicates: tuple[PredicateTuple, ...]) -> str:
        """A rule as the app shows it: columns by their labels (``confidence (m-1)``)."""
        infos = self._s.proj.columns
        return describe_predicates(
            tuple((infos[c].label if c in infos else c, op, v) for c, op, v in predicates)
        )

    def _fail(self, message: str) -> bool:
        self.message = message
        return False

    def _metric(self, result: SliceResult, frame: Any, rows: np.ndarray) -> float | None:
        s = self._s
        if not s.metric or not s.model:
            return None
        mask = np.zeros(len(s.proj.table), dtype=bool)
        mask[rows[result.mask(frame)]] = True
        try:
            return s.proj.metric(s.metric, s.model, filter=mask, transform=s.transform)
        except ZenohubError:
            return None

    def _current_filter(self) -> tuple[list[Filter], list[str] | None]:
        """The current filter as predicates and ids: the metadata predicates, the selected
        slices' filters and ids, and the lasso ids (what a saved result is restricted to)."""
        s = self._s
        filters: list[Filter] = list(s.filter().items)
        ids: set[str] | None = set(s.lasso_ids) if s.lasso_ids is not None else None
        for name in s.slice_names:
            sl = s.proj.store.get_slice(name)
            flt = filter_from_dict(sl.filter) if sl.filter else None
            if flt is not None:
                filters.append(flt)
            if sl.ids is not None:
                ids = set(sl.ids) if ids is None else ids & set(sl.ids)
        return filters, None if ids is None else sorted(ids)

    # --- saving ----------------------------------------------------------------------------
    def _create(self, name: str, **content: Any) -> bool:
        store = self._s.proj.store
        try:
            store.create_slice(name, **content)
        except ZenohubError as exc:
            return self._fail(str(exc))
        self.message = ""
        self.revision += 1
        if self.on_saved is not None:
            self.on_saved(name)
        return True

    def save(self, index: int, name: str | None = None) -> bool:
        """Save result ``index`` as a slice: its rule AND the filter it was found under."""
        if not 0 <= index < len(self.results):
            return self._fail(f"There is no result {index + 1} to save.")
        result: SliceResult = self.results[index]
        taken = {sl.name for sl in self._s.proj.store.slices()}
        rule = FilterGroup.all_of(*self._filters, *result.to_filter().items)
        return self._create(
            name or unique_name(self.label(result.predicates), taken),
            filter=rule.to_dict(),
            ids=self._ids,
            description=f"Found by zenohub: {result.describe()}",
        )

    @param.depends("state.lasso_ids", watch=True)
    def _on_lasso(self) -> None:
        """Describe a new lasso selection (fast: a few bincounts per column)."""
        s = self._s
        if s.lasso_ids is None:
            self.description = None
            return
        p = s.proj
        selected = p.table[p.id_column].astype(str).isin(s.lasso_ids).to_numpy()
        columns = searchable_columns(p, (s.model,) if s.model else (), s.transform)
        try:
            self.description = describe_selection(p.table, selected, columns=columns)
        except ZenohubError as exc:
            self.description = None
            self.message = str(exc)

    def _selection_name(self, fallback: str) -> str:
        taken = {sl.name for sl in self._s.proj.store.slices()}
        return self.selection_name.strip() or unique_name(fallback, taken)

    def save_ids(self) -> bool:
        """Save the lasso selection as its instance ids."""
        ids = self._s.lasso_ids
        if ids is None:
            return self._fail("Select instances with the lasso first.")
        ok = self._create(self._selection_name(f"{len(ids)} selected instances"), ids=list(ids))
        if ok:
            self.selection_name = ""
        return ok

    def save_rule(self) -> bool:
        """Save the predicates describing the lasso selection."""
        d: SelectionDescription | None = self.description
        if d is None or not d.predicates:
            return self._fail("There is no describing rule to save.")
        ok = self._create(
            self._selection_name(self.label(d.predicates)),
            filter=d.to_filter().to_dict(),
            description=f"Describes a lasso selection: {d.describe()}",
        )
        if ok:
            self.selection_name = ""
        return ok

    # --- layout ----------------------------------------------------------------------------
    def _button(
        self, label: str, action: Callable[[], object], enabled: bool = True, **kw: Any
    ) -> pn.widgets.Button:
        """A button that saves to the store: off when the project is not editable."""
        disabled = not enabled or not self._s.proj.config.editable
        button = pn.widgets.Button(name=label, disabled=disabled, **kw)
        button.on_click(_handler(action))
        return button

    def _results_view(
        self, results: list[SliceResult], values: list[Any], note: str
    ) -> pn.viewable.Viewable:
        if not results:
            text = (
                "No slice passed the false-discovery threshold."
                if note
                else "Press “Find failing slices” to search the current filter."
            )
            return pn.pane.HTML(f"<p class='zh-discover-note'>{html.escape(text)}</p>")
        s = self._s
        metric = html.escape(s.metric or "metric")
        rows: list[Any] = []
        for i, (r, value) in enumerate(zip(results, values, strict=True)):
            rate = _fmt(r.error_rate)
            if r.baseline_error_rate is not None:
                rate += f" vs {_fmt(r.baseline_error_rate)}"
            cells = (
                f"<div class='zh-discover-row'><span class='zh-discover-rule'>"
                f"{html.escape(self.label(r.predicates))}</span><br>"
                f"<b>{r.size:,}</b> instances · {metric} <b>{_fmt(value)}</b> · "
                f"error {html.escape(rate)} · lift <b>{_fmt(r.lift)}x</b> · "
                f"q = {r.q_value:.2g}</div>"
            )
            rows.append(
                pn.Row(
                    pn.pane.HTML(cells, stylesheets=[CSS], sizing_mode="stretch_width"),
                    self._button(
                        "Save",
                        partial(self.save, i),
                        width=70,
                        css_classes=["zh-discover-save"],
                    ),
                    sizing_mode="stretch_width",
                )
            )
        return pn.Column(*rows, sizing_mode="stretch_width")

    def _text(self, text: str, css: str) -> pn.pane.HTML:
        body = f"<div class='{css}'>{html.escape(text)}</div>" if text else ""
        return pn.pane.HTML(body, stylesheets=[CSS], sizing_mode="stretch_width")

    def selection_view(self, description: SelectionDescription | None) -> pn.viewable.Viewable:
        s = self._s
        if s.lasso_ids is None or description is None:
            return pn.pane.HTML(
                "<p class='zh-discover-note'>Lasso instances in the embedding view to "
                "describe them in metadata terms.</p>"
            )
        d = description
        if d.predicates:
            body = (
                f"<span class='zh-discover-rule'>{html.escape(self.label(d.predicates))}</span><br>"
                f"precision <b>{d.precision:.2f}</b> ({d.matched:,} of {d.size:,} matching "
                f"instances are selected) · recall <b>{d.recall:.2f}</b> (of {d.selected:,} "
                f"selected)"
            )
        else:
            body = html.escape(d.describe())
        return pn.Column(
            pn.pane.HTML(
                f"<div class='zh-discover-row zh-discover-selection'>{body}</div>",
                stylesheets=[CSS],
                sizing_mode="stretch_width",
            ),
            pn.widgets.TextInput.from_param(
                self.param.selection_name, name="Save as", placeholder="slice name (optional)"
            ),
            pn.Row(
                self._button("Save ids as slice", self.save_ids),
                self._button("Save rule as slice", self.save_rule, enabled=bool(d.predicates)),
            ),
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        s = self._s

        def mode_widget(compare: str | None) -> pn.viewable.Viewable:
            if not compare:
                return pn.pane.HTML("")
            return pn.widgets.RadioButtonGroup.from_param(
                self.param.mode, options=[FAILING, WORSE], css_classes=["zh-discover-mode"]
            )

        find = pn.widgets.Button(
            name="Find failing slices", button_type="primary", css_classes=["zh-discover-find"]
        )
        find.on_click(_handler(self.run))
        return pn.Column(
            "### Discover",
            pn.bind(mode_widget, s.param.compare_model),
            pn.Row(
                pn.widgets.IntInput.from_param(self.param.max_predicates, name="predicates"),
                pn.widgets.FloatInput.from_param(self.param.min_support, name="min support"),
                pn.widgets.FloatInput.from_param(self.param.fdr, name="FDR"),
                pn.widgets.IntInput.from_param(self.param.k, name="slices"),
            ),
            find,
            pn.bind(self._text, self.param.message, "zh-discover-message"),
            pn.bind(self._text, self.param.note, "zh-discover-note"),
            pn.bind(
                self._results_view, self.param.results, self.param.metric_values, self.param.note
            ),
            "### Describe the selection",
            pn.bind(self.selection_view, self.param.description),
            sizing_mode="stretch_width",
        )
