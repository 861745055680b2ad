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
from ..state import DIFFERENCE, ExploreState
from .paging import page_inputs, pager
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

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _summary(
        self,
        count: int,
        value: float | None,
        compare: float | None,
        metric: str | None,
        model: str | None,
        compare_model: str | None,
        message: str,
    ) -> pn.viewable.Viewable:
        s = self._s
        total = len(s.proj.table) if s.project is not None else 0
        parts = [f"<span class='zh-count'><b>{count}</b></span> of {total} instances"]
        if metric and model:
            parts.append(
                f"{html.escape(metric)} ({html.escape(model)}): "
                f"<b class='zh-metric'>{_fmt(value)}</b>"
            )
        if metric and compare_model:
            parts.append(
                f"{html.escape(metric)} ({html.escape(compare_model)}): "
                f"<b class='zh-compare-metric'>{_fmt(compare)}</b>"
            )
        text = " · ".join(parts)
        if message:
            text += f"<div class='zh-message'>{html.escape(message)}</div>"
        return pn.pane.HTML(
            f"<div class='zh-summary'>{text}</div>",
            stylesheets=[HEADER_CSS],
            sizing_mode="stretch_width",
        )

    def _chips(self, *_: object) -> pn.viewable.Viewable:
        s = self._s
        buttons = []
        for key, text in s.chips():
            button = pn.widgets.Button(
                name=f"{text}  ✕", button_type="light", css_classes=["zh-chip"]
            )
            button.on_click(partial(_remove_chip, s, key))
            buttons.append(button)
        if buttons:
            clear = pn.widgets.Button(name="clear all", button_type="default")
            clear.on_click(lambda _e: s.clear())
            buttons.append(clear)
        return pn.Row(*buttons, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        s = self._s
        return pn.Column(
            pn.bind(
                self._summary,
                s.param.count,
                s.param.metric_value,
                s.param.compare_metric_value,
                s.param.metric,
                s.param.model,
                s.param.compare_model,
                s.param.message,
            ),
            pn.bind(self._chips, s.param.column_filters, s.param.slice_names, s.param.lasso_ids),
            sizing_mode="stretch_width",
        )


class InstanceGrid(pn.viewable.Viewer):
    """The current page of instances as cards, with paging controls."""

    state = param.ClassSelector(class_=ExploreState)

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _cards(self, *_: object) -> pn.viewable.Viewable:
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
        return pn.pane.HTML(
            f"<div class='zh-grid'>{cards}</div>",
            stylesheets=[CARD_CSS],
            sizing_mode="stretch_width",
        )

    def _pager(self, *_: object) -> pn.viewable.Viewable:
        s = self._s
        buttons = pager(s)
        if not s.compare_model:
            return pn.Row(*buttons)
        changed = pn.widgets.Checkbox(
            name="changed first", value=s.sort_by == DIFFERENCE, css_classes=["zh-changed-first"]
        )

        def _on_changed(event: param.parameterized.Event) -> None:
            if event.new:
                s.param.update(sort_by=DIFFERENCE, ascending=True, page=0)
            elif s.sort_by == DIFFERENCE:
                s.param.update(sort_by="", page=0)

        changed.param.watch(_on_changed, "value")
        return pn.Row(*buttons, changed)

    def __panel__(self) -> pn.viewable.Viewable:
        deps = page_inputs(self._s)
        return pn.Column(
            pn.bind(self._pager, *deps), pn.bind(self._cards, *deps), sizing_mode="stretch_width"
        )


class Explore(pn.viewable.Viewer):
    """The Explore page of one session."""

    state = param.ClassSelector(class_=ExploreState)

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
            SlicesPanel(state=s),
        ]

    def __panel__(self) -> pn.viewable.Viewable:
        from .metadata import MetadataPanel
        from .search import TextSearch
        from .table import InstanceTable

        mode = pn.widgets.RadioButtonGroup(
            name="View", options=["grid", "table"], value="grid", css_classes=["zh-view-mode"]
        )
        views = {"grid": InstanceGrid(state=self.state), "table": InstanceTable(state=self.state)}
        return pn.Row(
            pn.Column(MetadataPanel(state=self.state), width=380),
            pn.Column(
                Summary(state=self.state),
                TextSearch(state=self.state),
                mode,
                pn.bind(views.__getitem__, mode),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
