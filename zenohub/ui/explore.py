"""The Explore page: selectors, filter chips, the instance grid and the slices panel.

Thin views over :class:`zenohub.state.ExploreState`: every widget is built from a state
parameter, every derived value is read from the state.
"""

from __future__ import annotations

import html
import math
from functools import partial

import panel as pn
import param

from ..columns import ColumnKind, ColumnRef
from ..state import ExploreState
from .paging import Pager, watch_page
from .renderers import CARD_CSS, RenderContext, render_card, renderer_for
from .slices import SlicesPanel

HEADER_CSS = """
.zh-summary { font-size: 15px; margin: 4px 0; }
.zh-summary b { font-size: 18px; }
.zh-message { color: #b00020; white-space: pre-wrap; }
"""


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.4g}"


def _remove_chip(state: ExploreState, key: str, _event: object = None) -> None:
    state.remove_chip(key)


class Summary(pn.viewable.Viewer):
    """Filtered count, metric value(s) and removable chips of the active filter."""

    state = param.ClassSelector(class_=ExploreState)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        s = self._s
        self._pane = pn.pane.HTML("", stylesheets=[HEADER_CSS], sizing_mode="stretch_width")
        self._chips: dict[str, pn.widgets.Button] = {}
        self._clear = pn.widgets.Button(name="clear all", button_type="default")
        self._clear.on_click(lambda _e: s.clear())
        self._row = pn.Row(sizing_mode="stretch_width")
        self._update_summary()
        self._update_chips()
        s.param.watch(
            lambda *_: self._update_summary(),
            [
                "count",
                "metric_value",
                "compare_metric_value",
                "metric",
                "model",
                "compare_model",
                "message",
            ],
        )
        s.param.watch(
            lambda *_: self._update_chips(), ["column_filters", "slice_names", "lasso_ids"]
        )

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _summary(self) -> str:
        s = self._s
        total = len(s.proj.table) if s.project is not None else 0
        metric, model, compare_model = s.metric, s.model, s.compare_model
        parts = [f"<span class='zh-count'><b>{s.count}</b></span> of {total} instances"]
        if metric and model:
            parts.append(
                f"{html.escape(metric)} ({html.escape(model)}): "
                f"<b class='zh-metric'>{_fmt(s.metric_value)}</b>"
            )
        if metric and compare_model:
            parts.append(
                f"{html.escape(metric)} ({html.escape(compare_model)}): "
                f"<b class='zh-compare-metric'>{_fmt(s.compare_metric_value)}</b>"
            )
        text = " · ".join(parts)
        if s.message:
            text += f"<div class='zh-message'>{html.escape(s.message)}</div>"
        return f"<div class='zh-summary'>{text}</div>"

    def _update_summary(self) -> None:
        self._pane.object = self._summary()

    def _update_chips(self) -> None:
        """Rename chips in place; add or remove buttons only when the set of chips changes."""
        s = self._s
        chips = dict(s.chips())
        for key in set(self._chips) - set(chips):
            del self._chips[key]
        for key, text in chips.items():
            label = f"{text}  ✕"
            button = self._chips.get(key)
            if button is None:
                button = self._chips[key] = pn.widgets.Button(
                    name=label, button_type="light", css_classes=["zh-chip"]
                )
                button.on_click(partial(_remove_chip, s, key))
            elif button.name != label:
                button.name = label
        objects = [*self._chips.values(), self._clear] if self._chips else []
        if [id(o) for o in objects] != [id(o) for o in self._row.objects]:
            self._row.objects = objects

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._pane, self._row, sizing_mode="stretch_width")


class InstanceGrid(pn.viewable.Viewer):
    """The current page of instances as cards, with paging controls."""

    state = param.ClassSelector(class_=ExploreState)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._pane = pn.pane.HTML(
            "", stylesheets=[CARD_CSS], sizing_mode="stretch_width", css_classes=["zh-grid-pane"]
        )
        self._pager = Pager(state=self._s, changed_first=True)
        self._update()
        watch_page(self._s, self._update)

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _cards(self) -> str:
        s = self._s
        p = s.proj
        cfg = p.config
        page = s.page_frame()
        data_column = cfg.data_column
        if s.transform:
            transformed = ColumnRef(ColumnKind.DATA, data_column, None, s.transform).key
            if transformed in page:
                page = page.assign(**{data_column: page[transformed]})
        compare = (
            s.column(ColumnKind.OUTPUT, "output", s.compare_model) if s.compare_model else None
        )
        ctx = RenderContext(data_path=cfg.data_path, **s.highlight())
        renderer = renderer_for(cfg.view)
        cards = "".join(
            render_card(
                row,
                renderer=renderer,
                ctx=ctx,
                id_column=p.id_column,
                data_column=data_column,
                label_column=cfg.label_column,
                output_column=s.output_column,
                compare_output_column=compare,
            )
            for row in page.to_dict("records")
        )
        if not cards:
            cards = "<p class='zh-empty'>No instance matches the filter.</p>"
        return f"<div class='zh-grid'>{cards}</div>"

    def _update(self) -> None:
        markup = self._cards()
        if markup != self._pane.object:  # a brush that keeps the page's rows sends nothing
            self._pane.object = markup

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._pager, self._pane, sizing_mode="stretch_width")


class Explore(pn.viewable.Viewer):
    """The Explore page of one session: metadata panel, summary, and the instances as a grid,
    a table or an embedding map (with the lasso selection described beside it)."""

    state = param.ClassSelector(class_=ExploreState)

    def __init__(self, **params: object) -> None:
        from .discover import Discover

        super().__init__(**params)
        self.slices = SlicesPanel(state=self._s)
        #: the Discover panel (its own tab); shares the slices list's refresh
        self.discover = Discover(state=self._s, on_saved=lambda _name: self.slices.poll())
        self._views: dict[str, pn.viewable.Viewable | pn.viewable.Viewer] = {}

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def sidebar(self) -> list[object]:
        s = self._s
        columns = ["", *s.proj.table.columns]
        sort = pn.widgets.Select.from_param(s.param.sort_by, options=columns, name="Sort by")
        return [
            pn.widgets.Select.from_param(s.param.model, name="Model"),
            pn.widgets.Select.from_param(s.param.metric, name="Metric"),
            pn.widgets.Select.from_param(s.param.transform, name="Transform"),
            pn.widgets.Select.from_param(s.param.compare_model, name="Compare with"),
            sort,
            pn.widgets.Checkbox.from_param(s.param.ascending, name="ascending"),
            pn.widgets.Checkbox.from_param(s.param.only_errors, name="only errors"),
            pn.widgets.IntInput.from_param(s.param.page_size, name="Page size"),
            self.slices,
        ]

    def view(self, mode: str) -> pn.viewable.Viewable | pn.viewable.Viewer:
        """The instance view for ``mode`` ("grid", "table" or "map"), built on first use."""
        if mode not in self._views:
            from .projection import Projection
            from .table import InstanceTable

            s = self._s
            if mode == "table":
                self._views[mode] = InstanceTable(state=s)
            elif mode == "map":
                self._views[mode] = pn.Column(
                    Projection(state=s),
                    "#### The selection",
                    pn.bind(self.discover.selection_view, self.discover.param.description),
                    sizing_mode="stretch_width",
                )
            else:
                self._views[mode] = InstanceGrid(state=s)
        return self._views[mode]

    def __panel__(self) -> pn.viewable.Viewable:
        from .metadata import MetadataPanel
        from .search import TextSearch

        mode = pn.widgets.RadioButtonGroup(
            name="View",
            options=["grid", "table", "map"],
            value="grid",
            css_classes=["zh-view-mode"],
        )
        return pn.Row(
            pn.Column(MetadataPanel(state=self.state), width=380),
            pn.Column(
                Summary(state=self.state),
                TextSearch(state=self.state),
                mode,
                pn.bind(self.view, mode),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
