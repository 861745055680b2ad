"""The embedding map: every instance a point of its model's UMAP, rasterized by datashader.

Points are aggregated into an image on the server (HoloViews ``rasterize`` with ``dynamic=True``
re-aggregates on every pan / zoom), so a million points cost one image, never a million glyphs.
Grey underneath: every instance (or nothing, with ``outside = "hide"``); coloured: the instances
passing the current filter, by error rate per pixel or by any column. Lasso and box selections
(HoloViews ``Lasso`` / ``BoundsXY`` streams) become ``state.lasso_ids``; so does a click on an
error region. Zoomed in until few instances are in view, hovering a point shows its card. The
maps are read from the cache ``zenohub process`` filled — never computed here (UMAP's
compilation alone costs seconds in every new process).
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import datashader as ds
import holoviews as hv
import holoviews.plotting.bokeh  # registers the Bokeh backend, which .opts needs
import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.models import HoverTool
from holoviews.operation.datashader import datashade, rasterize, spread

from ..columns import ColumnType
from ..errors import ZenohubError
from ..projection import ErrorRegion, Map2D, find_error_regions, in_box, in_polygon
from ..state import ExploreState
from .renderers import RenderContext, render_card, renderer_for

ERROR = "error"
#: zoomed in until at most this many filtered instances are in view, hovering shows their cards
HOVER_MAX = 200
HOVER_TEMPLATE = "<div class='zh-hover'>@preview{safe}</div>"
#: blue (right) to red (wrong): the error rate of the instances under each pixel
ERROR_CMAP = ["#3b6fb6", "#8fb4d9", "#f2e6d0", "#f08a5d", "#c0262d"]
DIM_CMAP = ["#ececec", "#c9c9c9"]
PLOT_OPTS: dict[str, Any] = dict(
    tools=["lasso_select", "box_select"],
    responsive=True,
    min_height=420,
    xaxis=None,
    yaxis=None,
)
CSS = """
.zh-projection-note { color: #8a5a00; font-size: 13px; }
.zh-region-title { font-weight: 600; margin-top: 6px; }
"""


def _select_ids(state: ExploreState, mask: np.ndarray) -> None:
    p = state.proj
    ids = p.table[p.id_column].astype(str).to_numpy()[mask]
    state.param.update(lasso_ids=ids.tolist(), page=0)


class Projection(pn.viewable.Viewer):
    """The projection view of one session: ``Projection(state=state)``."""

    state = param.ClassSelector(class_=ExploreState)
    source: param.Selector = param.Selector(
        default="model",
        objects=["model"],
        doc="""
        Map of the selected model's embedding, or of the configured [projection] columns.""",
    )
    color: param.Selector = param.Selector(
        default=ERROR,
        objects=[ERROR],
        doc="""
        Colour points by error (the model's output differs from the label) or a column.""",
    )
    outside: param.Selector = param.Selector(
        default="dim",
        objects=["dim", "hide"],
        doc="""
        How instances outside the current filter are drawn.""",
    )

    def __init__(self, **params: Any) -> None:
        chosen = {k: params.pop(k) for k in ("source", "color") if k in params}
        super().__init__(**params)
        s = self._s
        p = s.proj
        self.param.color.objects = [ERROR, *(k for k in p.columns if self._colorable(k))]
        if p.projection_settings.columns:
            self.param.source.objects = ["model", "columns"]
        self.param.update(**chosen)
        #: the selection streams of the plot on show (new ones with every rebuilt plot)
        self.lasso: hv.streams.Lasso | None = None
        self.box: hv.streams.BoundsXY | None = None

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _colorable(self, key: str) -> bool:
        info = self._s.proj.columns[key]
        table = self._s.proj.table
        if info.ctype is ColumnType.CONTINUOUS:
            return True
        return info.ctype in (ColumnType.NOMINAL, ColumnType.BOOLEAN) and (
            table[key].nunique() <= 20
        )

    # --- data ---------------------------------------------------------------------------
    def map(self) -> Map2D:
        """The current map (cached per process: reading it hashes the embedding)."""
        s = self._s
        p = s.proj
        columns = self.source == "columns"
        name = "columns" if columns else str(s.model)
        return pn.state.as_cached(
            f"zenohub-projection|{p.cache_path}|{name}",
            lambda: p.projection(None if columns else s.model, columns=columns),
        )

    def values(self) -> tuple[np.ndarray | pd.Series, bool]:
        """Per instance, the coloured value and whether it is categorical."""
        s = self._s
        if self.color == ERROR:
            return s.errors().astype(np.float64), False
        values = s.proj.table[self.color]
        if s.proj.columns[self.color].ctype is ColumnType.CONTINUOUS:
            return values.to_numpy(dtype=np.float64, na_value=np.nan), False
        return values.astype(str).astype("category"), True

    def regions(self) -> list[ErrorRegion]:
        """Error regions of the current map for the selected model (cached per process)."""
        s = self._s
        m = self.map()
        errors = s.errors()
        key = f"zenohub-regions|{m.key}|{s.model}|{s.transform}"
        ids = s.proj.table[s.proj.id_column].astype(str).to_numpy()
        return pn.state.as_cached(key, lambda: find_error_regions(m.xy, errors, ids))

    # --- gestures -----------------------------------------------------------------------
    def _on_lasso(self, geometry: np.ndarray | None = None, **_: Any) -> None:
        if geometry is None or len(geometry) < 3:
            return
        _select_ids(self._s, in_polygon(self.map().xy, np.asarray(geometry)))

    def _on_box(self, bounds: tuple[float, float, float, float] | None = None, **_: Any) -> None:
        if bounds is None:
            return
        _select_ids(self._s, in_box(self.map().xy, bounds))

    def hover_frame(
        self, x_range: tuple[float, float] | None, y_range: tuple[float, float] | None
    ) -> pd.DataFrame:
        """The filtered instances in view with an HTML preview card each — when at most
        :data:`HOVER_MAX` are in view (zoomed in far enough), else none."""
        s = self._s
        xy = self.map().xy
        empty = pd.DataFrame({"x": [], "y": [], "preview": []})
        if x_range is None or y_range is None or s.mask is None:
            return empty
        in_view = in_box(xy, (x_range[0], y_range[0], x_range[1], y_range[1])) & s.mask
        rows = np.flatnonzero(in_view)
        if not len(rows) or len(rows) > HOVER_MAX:
            return empty
        p = s.proj
        cfg = p.config
        ctx = RenderContext(data_path=cfg.data_path, **s.highlight())
        renderer = renderer_for(cfg.view)
        cards = [
            render_card(
                row,
                renderer=renderer,
                ctx=ctx,
                id_column=p.id_column,
                data_column=cfg.data_column,
                label_column=cfg.label_column,
                output_column=s.output_column,
            )
            for row in p.table.iloc[rows].to_dict("records")
        ]
        return pd.DataFrame({"x": xy[rows, 0], "y": xy[rows, 1], "preview": cards})

    def select_region(self, region: ErrorRegion, _event: object = None) -> None:
        self._s.param.update(lasso_ids=list(region.ids), page=0)

    # --- layout -------------------------------------------------------------------------
    def _plot(self, model: str | None, source: str, color: str, outside: str) -> Any:
        s = self._s
        try:
            m = self.map()
        except ZenohubError as exc:
            return pn.pane.HTML(f"<p class='zh-projection-note'>{html.escape(str(exc))}</p>")
        values, categorical = self.values()
        frame = pd.DataFrame({"x": m.xy[:, 0], "y": m.xy[:, 1], "value": values})

        def filtered(mask: np.ndarray | None) -> hv.Points:
            rows = frame if mask is None else frame[mask]
            return hv.Points(rows, ["x", "y"], ["value"])

        points = hv.DynamicMap(pn.bind(filtered, s.param.mask))
        if categorical:
            layer = spread(datashade(points, aggregator=ds.count_cat("value"), dynamic=True), px=2)
        else:
            finite = np.asarray(values, dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            clim = (
                (0.0, 1.0)
                if color == ERROR or not len(finite)
                else (
                    float(finite.min()),
                    float(finite.max()),
                )
            )
            # spread by max: an averaged pixel must stay an average (adding would sum rates)
            mean = rasterize(points, aggregator=ds.mean("value"), dynamic=True)
            layer = spread(mean, px=2, how="max").opts(
                cmap=ERROR_CMAP if color == ERROR else "viridis",
                clim=clim,
                colorbar=True,
                clabel="error rate" if color == ERROR else color,
            )
        layer = layer.opts(**PLOT_OPTS)
        overlay = layer
        if outside == "dim":
            everything = hv.Points(frame, ["x", "y"])
            base = spread(rasterize(everything, aggregator=ds.count(), dynamic=True), px=2)
            overlay = base.opts(cmap=DIM_CMAP, cnorm="eq_hist", **PLOT_OPTS) * layer

        def hovered(
            x_range: tuple[float, float] | None = None,
            y_range: tuple[float, float] | None = None,
            **_: Any,
        ) -> hv.Points:
            return hv.Points(self.hover_frame(x_range, y_range), ["x", "y"], ["preview"])

        hover = hv.DynamicMap(
            hovered,
            streams=[hv.streams.RangeXY(source=layer), hv.streams.Params(s, ["mask"])],
        ).opts(
            tools=[HoverTool(tooltips=HOVER_TEMPLATE)],
            size=7,
            alpha=0.0,
            hover_alpha=0.0,
        )
        overlay = overlay * hover
        regions = self.regions() if color == ERROR else []
        if regions:
            labels = hv.Labels(
                [(r.center[0], r.center[1], str(i + 1)) for i, r in enumerate(regions)]
            ).opts(text_color="black", text_font_size="14pt", text_font_style="bold")
            overlay = overlay * labels
        # the streams listen on the coloured layer's plot (its figure is the whole map's)
        self.lasso = hv.streams.Lasso(source=layer)
        self.box = hv.streams.BoundsXY(source=layer)
        self.lasso.add_subscriber(self._on_lasso)
        self.box.add_subscriber(self._on_box)
        return pn.pane.HoloViews(
            overlay, sizing_mode="stretch_width", min_height=420, css_classes=["zh-projection"]
        )

    def _note(self, model: str | None, source: str) -> pn.viewable.Viewable:
        try:
            m = self.map()
        except ZenohubError:
            return pn.pane.HTML("")
        what = "the [projection] columns" if source == "columns" else f"{model}'s embedding"
        text = m.note or (
            f"UMAP of {what}"
            if m.method == "umap"
            else f"{what[0].upper()}{what[1:]} (two dimensions, shown as they are)"
        )
        return pn.pane.HTML(
            f"<span class='zh-projection-note'>{html.escape(text)}</span>", stylesheets=[CSS]
        )

    def _regions(self, model: str | None, source: str, transform: str | None) -> Any:
        try:
            regions = self.regions()
        except ZenohubError:
            return pn.Column()
        if not regions:
            return pn.pane.HTML("<p class='zh-region-title'>No error regions found.</p>")
        buttons = []
        for i, region in enumerate(regions):
            button = pn.widgets.Button(
                name=f"{i + 1}: {region.describe()}",
                button_type="light",
                css_classes=["zh-region"],
            )
            button.on_click(partial(self.select_region, region))
            buttons.append(button)
        return pn.Column(
            pn.pane.HTML("<p class='zh-region-title'>Error regions</p>", stylesheets=[CSS]),
            *buttons,
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        s = self._s
        controls = pn.Row(
            pn.widgets.Select.from_param(self.param.source, name="Map of"),
            pn.widgets.Select.from_param(self.param.color, name="Colour by"),
            pn.widgets.RadioButtonGroup.from_param(self.param.outside, name="Outside the filter"),
        )
        return pn.Column(
            controls,
            pn.bind(self._note, s.param.model, self.param.source),
            pn.bind(
                self._plot, s.param.model, self.param.source, self.param.color, self.param.outside
            ),
            pn.bind(self._regions, s.param.model, self.param.source, s.param.transform),
            sizing_mode="stretch_width",
        )
