"""The Analysis page: the slice x model table with sparklines and alerts, reports, exports.

``Analysis(project=project, state=explore_state)``: a thin view over a per-session
:class:`~zenohub.analysis.AnalysisState`; ``state`` (the Explore page's) gives the current filter
for the CSV / Parquet download.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from typing import Any

import panel as pn
import param

from ..analysis import AnalysisState, SliceTrend, TrendTable, table_bytes
from ..project import Project
from ..state import ExploreState
from .reports import ReportsView

CSS = """
.zh-trends { border-collapse: collapse; font-size: 13px; }
.zh-trends th, .zh-trends td { border-bottom: 1px solid #e0e0e0; padding: 3px 8px; }
.zh-trends td.zh-num { text-align: right; font-variant-numeric: tabular-nums; }
.zh-alert { display: inline-block; border-radius: 8px; padding: 0 6px; margin-right: 4px;
            font-size: 12px; cursor: help; }
.zh-alert-regression { background: #ffcdd2; color: #b71c1c; }
.zh-alert-variance { background: #ffe0b2; color: #6d4c41; }
"""


def sparkline(values: Sequence[float], width: int = 90, height: int = 22) -> str:
    """An inline SVG line of ``values`` (NaN points left out), the last point marked."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if not points:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = hi - lo or 1.0
    n = max(len(values) - 1, 1)
    pad = 3

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * i / n
        y = height - pad - (height - 2 * pad) * ((v - lo) / span if hi > lo else 0.5)
        return round(x, 1), round(y, 1)

    coords = [xy(i, v) for i, v in points]
    line = " ".join(f"{x},{y}" for x, y in coords)
    cx, cy = coords[-1]
    return (
        f"<svg class='zh-spark' width='{width}' height='{height}' viewBox='0 0 {width} {height}'>"
        f"<polyline fill='none' stroke='#1976d2' stroke-width='1.5' points='{line}'/>"
        f"<circle cx='{cx}' cy='{cy}' r='2.2' fill='#1976d2'/></svg>"
    )


def _alerts(row: SliceTrend) -> str:
    out = []
    for alert in row.alerts:
        cls = "zh-alert-regression" if alert.kind == "regression" else "zh-alert-variance"
        icon = "▼" if alert.kind == "regression" else "≈"
        out.append(
            f"<span class='zh-alert {cls}' data-alert='{alert.kind}' "
            f"title='{html.escape(alert.message, quote=True)}'>{icon} {alert.kind}</span>"
        )
    return "".join(out)


def trends_html(table: TrendTable | None) -> str:
    """The slice x model table as HTML: values, a sparkline and alerts (explained on hover)."""
    if table is None:
        return "<p>Choose a metric.</p>"
    models = "".join(f"<th>{html.escape(m)}</th>" for m in table.models)
    better = "higher" if table.higher_is_better else "lower"
    rows = []
    for row in table.rows:
        cells = "".join(
            f"<td class='zh-num'>{'' if math.isnan(v) else f'{v:.3f}'}</td>" for v in row.values
        )
        rows.append(
            f"<tr data-slice='{html.escape(row.slice, quote=True)}'>"
            f"<td>{html.escape(row.slice)}</td><td>{html.escape(row.folder or '')}</td>"
            f"<td class='zh-num'>{row.size}</td>{cells}<td>{sparkline(row.values)}</td>"
            f"<td>{_alerts(row)}</td></tr>"
        )
    return (
        f"<p>{html.escape(table.metric)} ({better} is better)"
        f"{' under ' + html.escape(table.transform) if table.transform else ''}, "
        "models in the config's order. Hover an alert for its test.</p>"
        f"<table class='zh-trends'><thead><tr><th>slice</th><th>folder</th><th>size</th>"
        f"{models}<th>trend</th><th>alerts</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class Analysis(pn.viewable.Viewer):
    """Slices tracked across models, reports with charts and behavioral tests, exports."""

    project = param.ClassSelector(class_=Project, doc="""The processed project.""")
    state = param.ClassSelector(
        class_=ExploreState, allow_None=True, doc="""The Explore state (its filter is exported)."""
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        assert isinstance(self.project, Project)
        self.analysis = AnalysisState(self.project)

    def _downloads(self) -> pn.Row:
        def data(fmt: str) -> Any:
            def callback() -> io.BytesIO:
                mask = self.state.mask if isinstance(self.state, ExploreState) else None
                return io.BytesIO(table_bytes(self.analysis.proj, mask, fmt))

            return callback

        return pn.Row(
            pn.widgets.FileDownload(
                callback=data("csv"), filename="instances.csv", label="Filtered table as CSV"
            ),
            pn.widgets.FileDownload(
                callback=data("parquet"),
                filename="instances.parquet",
                label="Filtered table as Parquet",
            ),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        a = self.analysis
        refresh = pn.widgets.Button(name="Refresh", width=90, align="end")
        refresh.on_click(lambda _e: a.refresh())  # e.g. after saving slices on Explore
        controls = pn.Row(
            pn.widgets.Select.from_param(a.param.metric, name="Metric", width=180),
            pn.widgets.Select.from_param(a.param.transform, name="Transform", width=160),
            pn.widgets.Select.from_param(a.param.folder, name="Folder", width=180),
            refresh,
        )
        table = pn.pane.HTML(
            pn.bind(trends_html, a.param.trends),
            stylesheets=[CSS],
            sizing_mode="stretch_width",
            css_classes=["zh-trend-table"],
        )
        return pn.Column(
            pn.pane.Markdown("## Slices across models"),
            controls,
            table,
            self._downloads(),
            ReportsView(state=a),
            sizing_mode="stretch_width",
        )
