"""The metadata panel: one cross-filtered histogram per column, grouped and searchable.

Figures are built once per set of columns; every update pushes only the bins (counts, totals,
metric colours) into their ``ColumnDataSource``s — never the table. A continuous histogram is
brushed with a horizontal box select; a nominal or boolean one is clicked (shift-click adds).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.events import Event, MouseEnter, Reset, SelectionGeometry
from bokeh.models import BoxSelectTool, ColumnDataSource, FactorRange, TapTool
from bokeh.plotting import figure

from ..columns import ColumnType
from ..filters import Predicate
from ..histograms import Histogram
from ..state import ExploreState

FILTERED = "#1f77b4"
TOTAL = "#d9d9d9"
GROUPS = ("metadata", "distilled", "model outputs")


def _colors(h: Histogram, higher_is_better: bool) -> list[str]:
    """Filtered bars shaded by the metric per bin (red = worse), or plain blue."""
    n = len(h.counts) - 1
    if h.metric is None:
        return [FILTERED] * n
    vals = np.asarray(h.metric[:-1], dtype=float)
    finite = vals[np.isfinite(vals)]
    if not len(finite):
        return [FILTERED] * n
    lo, hi = float(finite.min()), float(finite.max())
    out = []
    for v in vals:
        if not math.isfinite(v):
            out.append("#9e9e9e")
            continue
        t = 0.5 if hi == lo else (v - lo) / (hi - lo)
        good = t if higher_is_better else 1 - t
        r, g = int(215 - 170 * good), int(60 + 120 * good)
        out.append(f"#{r:02x}{g:02x}{180:02x}")
    return out


def _data(h: Histogram, higher_is_better: bool) -> dict[str, list[Any]]:
    n = len(h.counts) - 1
    metric = (
        []
        if h.metric is None
        else ["" if not math.isfinite(v) else f"{v:.4g}" for v in h.metric[:-1]]
    )
    data: dict[str, list[Any]] = {
        "total": h.totals[:-1].tolist(),
        "count": h.counts[:-1].tolist(),
        "color": _colors(h, higher_is_better),
        "label": h.bins[:-1],
        "metric": metric or [""] * n,
    }
    if h.edges is not None:
        data["left"] = h.edges[:-1].tolist()
        data["right"] = h.edges[1:].tolist()
    return data


class ColumnHistogram:
    """One column's figure and the callbacks that turn gestures into state predicates."""

    def __init__(self, state: ExploreState, h: Histogram, higher_is_better: bool) -> None:
        self.state = state
        self.column = h.column
        self.ctype = h.ctype
        self.values = h.values
        self.source = ColumnDataSource(_data(h, higher_is_better))
        tooltips = [
            ("bin", "@label"),
            ("filtered", "@count"),
            ("total", "@total"),
            ("metric", "@metric"),
        ]
        common: dict[str, Any] = dict(
            height=120,
            sizing_mode="stretch_width",
            toolbar_location=None,
            tooltips=tooltips,
            min_border_left=40,
        )
        if h.edges is not None:
            if h.ctype is ColumnType.DATETIME:
                fig = figure(tools="", x_axis_type="datetime", **common)
            else:
                fig = figure(tools="", **common)
            box = BoxSelectTool(dimensions="width", continuous=True)
            fig.add_tools(box)
            fig.toolbar.active_drag = box
            fig.quad(
                left="left",
                right="right",
                bottom=0,
                top="total",
                source=self.source,
                color=TOTAL,
                line_color=None,
            )
            fig.quad(
                left="left",
                right="right",
                bottom=0,
                top="count",
                source=self.source,
                color="color",
                line_color=None,
            )
            fig.on_event(SelectionGeometry, self._on_brush)
            fig.on_event(MouseEnter, self._on_enter)
            fig.on_event(Reset, self._on_reset)
        else:
            fig = figure(x_range=FactorRange(factors=list(h.bins[:-1])), tools="", **common)
            fig.add_tools(TapTool())
            fig.vbar(
                x="label",
                top="total",
                width=0.9,
                source=self.source,
                color=TOTAL,
                line_color=None,
                nonselection_alpha=1.0,
            )
            fig.vbar(
                x="label",
                top="count",
                width=0.9,
                source=self.source,
                color="color",
                line_color=None,
                nonselection_alpha=0.35,
            )
            fig.xaxis.major_label_orientation = 0.8 if len(h.bins) > 8 else 0
            self.source.selected.on_change("indices", self._on_tap)
        fig.yaxis.minor_tick_line_color = None
        fig.y_range.start = 0  # type: ignore[attr-defined]
        missing = int(h.totals[-1])
        title = h.label + (f" · {missing} missing" if missing else "")
        self.pane = pn.Column(
            pn.pane.HTML(f"<b class='zh-hist-title'>{_escape(title)}</b>", margin=(0, 5)),
            pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
            css_classes=["zh-histogram"],
            name=h.column,
        )
        self.figure = fig

    def _on_brush(self, event: Event) -> None:
        geometry: dict[str, Any] = dict(getattr(event, "geometry", None) or {})
        x0, x1 = geometry.get("x0"), geometry.get("x1")
        if x0 is None or x1 is None:
            return
        lo, hi = sorted((float(x0), float(x1)))
        bounds: tuple[Any, Any] = (lo, hi)
        if self.ctype is ColumnType.DATETIME:  # Bokeh reports milliseconds since the epoch
            bounds = tuple(pd.Timestamp(v, unit="ms").isoformat() for v in (lo, hi))
        self.state.set_column_filter(self.column, Predicate(self.column, "between", bounds))

    def _on_enter(self, _event: Event) -> None:
        self.state.activate(self.column)  # build the brush index before the brush starts

    def _on_reset(self, _event: Event) -> None:
        self.state.set_column_filter(self.column, None)

    def _on_tap(self, _attr: str, _old: list[int], new: list[int]) -> None:
        if self.values is None:
            return
        if not new:
            self.state.set_column_filter(self.column, None)
            return
        values = [_plain(self.values[i]) for i in sorted(new)]
        self.state.set_column_filter(self.column, Predicate(self.column, "in", values))

    def update(self, h: Histogram, higher_is_better: bool) -> None:
        """Send only the columns that changed (a brush changes counts and colours, not bins)."""
        data, old = _data(h, higher_is_better), self.source.data
        changed = {k: v for k, v in data.items() if list(old.get(k, ())) != v}
        if changed:
            self.source.data.update(changed)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _escape(text: str) -> str:
    import html

    return html.escape(text)


class MetadataPanel(pn.viewable.Viewer):
    """Every filterable column's histogram, grouped, searchable and collapsible."""

    state = param.ClassSelector(class_=ExploreState)
    search = param.String(default="", doc="""Show only columns whose name contains this.""")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._views: dict[str, ColumnHistogram] = {}
        self._layout = pn.Column(sizing_mode="stretch_width")
        self._rebuild()
        assert isinstance(self.state, ExploreState)
        self.state.param.watch(self._on_histograms, "histograms")

    def _higher(self) -> bool:
        s = self.state
        assert isinstance(s, ExploreState)
        return s.proj.metric_spec(s.metric).higher_is_better if s.metric else True

    def _rebuild(self) -> None:
        s = self.state
        assert isinstance(s, ExploreState)
        higher = self._higher()
        self._views = {
            h.column: ColumnHistogram(s, h, higher)
            for h in s.histograms
            if h.ctype is not ColumnType.TEXT
        }
        cards = []
        for group in GROUPS:
            items = [
                v.pane
                for h in s.histograms
                if h.group == group
                for v in [self._views.get(h.column)]
                if v is not None
            ]
            if items:
                cards.append(
                    pn.Card(
                        *items,
                        title=f"{group} ({len(items)})",
                        collapsible=True,
                        sizing_mode="stretch_width",
                    )
                )
        self._layout[:] = cards
        self._apply_search()

    def _on_histograms(self, event: param.parameterized.Event) -> None:
        new = event.new
        if {h.column for h in new} != set(self._views):
            self._rebuild()
            return
        higher = self._higher()
        with pn.io.hold():  # one message for all histograms
            for h in new:
                self._views[h.column].update(h, higher)

    @param.depends("search", watch=True)
    def _apply_search(self) -> None:
        text = (self.search or "").lower().strip()
        for view in self._views.values():
            view.pane.visible = not text or text in (view.pane.name or "").lower()

    def __panel__(self) -> pn.viewable.Viewable:
        search = pn.widgets.TextInput.from_param(
            self.param.search, placeholder="find a column", name=""
        )
        return pn.Column(search, self._layout, sizing_mode="stretch_width")
