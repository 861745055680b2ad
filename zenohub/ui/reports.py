"""Reports: their HoloViews charts, the red / green test grid, the editor, and exports.

The pure parts (the chart of a spec, the grid's HTML, the exported documents) are functions at
the top; :class:`ReportsView` is a thin view over :class:`~zenohub.analysis.AnalysisState`.
Exports: :func:`export_html` (a standalone page with interactive Bokeh charts and every resource
inlined, so it opens offline) and :func:`export_image` (PNG or PDF of the charts, drawn by
HoloViews' matplotlib backend: no browser needed).
"""

from __future__ import annotations

import html
import importlib
import io
import math
import os
import re
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import holoviews as hv
import holoviews.plotting.bokeh  # registers the Bokeh backend that chart options are set for
import pandas as pd
import panel as pn
import param

from ..analysis import (
    CHART_KINDS,
    DIMENSIONS,
    DIRECTIONS,
    EACH_SLICE,
    OPS,
    ORIGINAL,
    TEST_TYPES,
    AnalysisState,
    ChartSpec,
    ReportSpec,
    Status,
    TestResult,
    chart_frame,
    pair_frame,
    report_frame,
)
from ..errors import ConfigError
from ..project import Project

CSS = """
.zh-tests { border-collapse: collapse; font-size: 13px; }
.zh-tests th, .zh-tests td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
.zh-tests td.zh-cell { text-align: center; min-width: 64px; cursor: help; }
.zh-pass { background: #c8e6c9; color: #1b5e20; }
.zh-fail { background: #ffcdd2; color: #b71c1c; font-weight: bold; }
.zh-cannot { background: #ffe0b2; color: #6d4c41; }
.zh-report-list li { margin: 2px 0; }
.zh-report-message { color: #b00020; white-space: pre-wrap; }
"""
#: cell class per status
CELL_CLASS = {Status.PASS: "zh-pass", Status.FAIL: "zh-fail", Status.CANNOT: "zh-cannot"}
#: dimension -> axis label
LABELS = {"slices": "slice", "models": "model", "metrics": "metric", "transforms": "transform"}
#: a slice choice in the test form meaning all instances
ALL_INSTANCES = "(all instances)"
EACH_LABEL = "* each slice of the report"
NONE = "(none)"

# --- charts (pure) -------------------------------------------------------------------------------


def _dim(name: str) -> hv.Dimension:
    return hv.Dimension(name, label=LABELS.get(name, name))


def _style(element: Any, backend: str, **bokeh: Any) -> Any:
    """Options for the backend drawing it: interactive Bokeh, or a static matplotlib figure."""
    if backend == "bokeh":
        return element.opts(backend="bokeh", **bokeh)
    mpl: dict[str, Any] = {"aspect": 2.4, "fig_size": 190}
    if "xrotation" in bokeh:
        mpl["xrotation"] = 90
    if "colorbar" in bokeh:
        mpl["colorbar"] = True
    return element.opts(backend="matplotlib", **mpl)


def _facet(data: pd.DataFrame, facet: str, build: Any) -> Any:
    if not facet:
        return build(data)
    parts = {key: build(group) for key, group in data.groupby(facet, sort=False)}
    return hv.NdLayout(parts, kdims=[_dim(facet)]).cols(2)


def _key(key: Any) -> str:
    return str(key[0] if isinstance(key, tuple) else key)


def chart_title(chart: ChartSpec) -> str:
    if chart.title:
        return chart.title
    if chart.kind == "slice_heatmap":
        return "metric on the intersection of two slices"
    return f"{chart.kind}: value by {LABELS[chart.x]} and {LABELS[chart.color]}"


def build_chart(
    frame: pd.DataFrame,
    chart: ChartSpec,
    pairs: pd.DataFrame | None = None,
    backend: str = "bokeh",
) -> Any:
    """A HoloViews object for one chart of a report, from :func:`report_frame`'s rows.

    ``backend`` is the one that will draw it: "bokeh" (interactive) or "matplotlib" (images).
    """
    value = hv.Dimension("value", label="value")
    title = chart_title(chart)
    # HoloViews' matplotlib heatmap labels unsorted categories in the wrong rows: sort them
    ordered = backend != "bokeh"
    if chart.kind == "slice_heatmap":
        assert pairs is not None
        data = pairs.rename(columns={"slice": "slice ", "other": "and slice"})
        if ordered:
            data = data.sort_values(["and slice", "slice "])
        pair_map = hv.HeatMap(data, ["slice ", "and slice"], [value, "size"])
        pair_map = pair_map.opts(title=title, backend=backend)
        return _style(pair_map, backend, colorbar=True, tools=["hover"], width=520, height=360)
    data = chart_frame(frame, chart)
    if chart.kind == "table":
        return hv.Table(data, [_dim(d) for d in DIMENSIONS], [value, "size"]).opts(title=title)
    x, color = chart.x, chart.color

    def bars(d: pd.DataFrame) -> Any:
        el = hv.Bars(d, [_dim(x), _dim(color)], [value, "size"])
        return _style(
            el, backend, tools=["hover"], width=560, height=320, xrotation=30, ylim=(0, None)
        )

    def lines(d: pd.DataFrame) -> Any:
        curves = {
            key: hv.Curve(g, _dim(x), [value, "size"]) * hv.Scatter(g, _dim(x), [value, "size"])
            for key, g in d.groupby(color, sort=False)
        }
        overlay = hv.NdOverlay(curves, kdims=[_dim(color)])
        return _style(overlay, backend, width=560, height=320, legend_position="right")

    def heat(d: pd.DataFrame) -> Any:
        if ordered:
            d = d.sort_values([color, x])
        el = hv.HeatMap(d, [_dim(x), _dim(color)], [value, "size"])
        return _style(el, backend, colorbar=True, tools=["hover"], width=560, height=320)

    build = {"bar": bars, "line": lines, "heatmap": heat}[chart.kind]
    faceted = _facet(data, chart.facet, build)
    if backend != "bokeh" and isinstance(faceted, hv.NdLayout):
        # matplotlib cannot nest a facet grid in the report's layout: one titled chart per facet
        label = faceted.kdims[0].label
        return [
            el.opts(title=f"{title} ({label} {_key(key)})", backend="matplotlib")
            for key, el in faceted.items()
        ]
    return faceted.opts(title=title, backend=backend)


def report_charts(project: Project, report: ReportSpec, backend: str = "bokeh") -> list[Any]:
    """Every chart of ``report`` as a HoloViews object (a facetted one is several for images)."""
    if not report.charts:
        return []
    frame = report_frame(project, report)
    out: list[Any] = []
    for chart in report.charts:
        pairs = None
        if chart.kind == "slice_heatmap":
            pairs = pair_frame(project, report, chart.metric, chart.model, chart.transform)
        built = build_chart(frame, chart, pairs, backend)
        out += built if isinstance(built, list) else [built]
    return out


# --- the test grid (pure) ------------------------------------------------------------------------


def _cell(result: TestResult | None) -> str:
    if result is None:
        return "<td class='zh-cell'></td>"
    status = result.status
    value = result.outcome.value
    shown = "" if value is None or math.isnan(value) else f" {value:.3g}"
    label = {"pass": "pass", "fail": "fail", "cannot evaluate": "?"}[status.value]
    return (
        f"<td class='zh-cell {CELL_CLASS[status]}' data-status='{status.value}' "
        f"title='{html.escape(status.value + ': ' + result.outcome.message, quote=True)}'>"
        f"{label}{html.escape(shown)}</td>"
    )


def grid_html(results: Sequence[TestResult], models: Sequence[str]) -> str:
    """One row per test, one red / green / amber cell per model (the reason on hover)."""
    by_test: dict[str, dict[str, TestResult]] = {}
    specs = {}
    for r in results:
        by_test.setdefault(r.test.name, {})[r.model] = r
        specs[r.test.name] = r.test
    if not by_test:
        return "<p class='zh-no-tests'>No tests yet: add an expectation below.</p>"
    head = "".join(f"<th>{html.escape(m)}</th>" for m in models)
    rows = []
    for name, cells in by_test.items():
        spec = specs[name]
        rows.append(
            f"<tr data-test='{html.escape(name, quote=True)}'><td>{html.escape(name)}</td>"
            f"<td>{html.escape(spec.describe())}</td>"
            + "".join(_cell(cells.get(m)) for m in models)
            + "</tr>"
        )
    return (
        f"<table class='zh-tests'><thead><tr><th>test</th><th>expectation</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def history_html(history: Sequence[Any]) -> str:
    if not history:
        return "<p>No recorded runs of this test yet (use <i>Run tests</i> or `zenohub test`).</p>"
    rows = "".join(
        f"<tr><td>{h.created_at:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(h.source)}</td>"
        f"<td>{html.escape(h.model)}</td>"
        f"<td class='zh-cell {CELL_CLASS[Status(h.status)]}'>{html.escape(h.status)}</td>"
        f"<td>{'' if h.value is None else f'{h.value:.4g}'}</td>"
        f"<td>{html.escape(h.message)}</td></tr>"
        for h in history
    )
    return (
        "<table class='zh-tests zh-history'><thead><tr><th>run (UTC)</th><th>from</th>"
        f"<th>model</th><th>status</th><th>value</th><th>details</th></tr></thead>{rows}</table>"
    )


# --- exports -------------------------------------------------------------------------------------


def report_document(
    project: Project, report: ReportSpec, results: Sequence[TestResult]
) -> pn.Column:
    """The report as one Panel layout: title, description, charts and the test grid."""
    models = list(report.models or project.models)
    parts: list[Any] = [
        pn.pane.HTML(
            f"<h1>{html.escape(report.name)}</h1><p>{html.escape(report.description)}</p>"
            f"<p>{html.escape(project.name)} · slices: "
            f"{html.escape(', '.join(report.slices) or 'none')}</p>",
            sizing_mode="stretch_width",
        )
    ]
    parts += [pn.pane.HoloViews(chart, backend="bokeh") for chart in report_charts(project, report)]
    parts.append(pn.pane.HTML(grid_html(results, models), stylesheets=[CSS]))
    return pn.Column(*parts, sizing_mode="stretch_width")


def export_html(
    project: Project, report: ReportSpec, results: Sequence[TestResult], path: str | Path
) -> Path:
    """Write the report as a standalone HTML page: interactive Bokeh charts, and every script
    and stylesheet inlined (no CDN), so it opens offline."""
    from bokeh.document import Document
    from bokeh.resources import INLINE

    path = Path(path)
    doc = Document()
    root = report_document(project, report, results).get_root(doc)
    doc.add_root(root)
    _inline_stylesheets(doc)
    pn.io.save.save(doc, str(path), resources=INLINE, title=f"{report.name} · zenohub")
    text = path.read_text(encoding="utf-8")
    # the template's favicon links point at Panel's CDN: a page that works offline needs none
    text = re.sub(r"<link[^>]+href=\"https?://[^\"]*\"[^>]*>", "", text)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _inline_stylesheets(doc: Any) -> None:
    """Replace Panel's stylesheets linked from its CDN by their text from the installed package."""
    from bokeh.models import ImportedStyleSheet, InlineStyleSheet
    from panel.io.resources import CDN_DIST

    dist = Path(pn.__file__).parent / "dist"
    inlined: dict[str, Any] = {}
    for model in list(doc.models):
        sheets = getattr(model, "stylesheets", None)
        if not sheets:
            continue
        new = []
        for sheet in sheets:
            if isinstance(sheet, ImportedStyleSheet) and sheet.url.startswith(CDN_DIST):
                rel = sheet.url[len(CDN_DIST) :].split("?")[0]
                file = dist / rel
                if file.is_file():
                    if rel not in inlined:
                        inlined[rel] = InlineStyleSheet(css=file.read_text(encoding="utf-8"))
                    sheet = inlined[rel]
            new.append(sheet)
        model.stylesheets = new


def export_image(project: Project, report: ReportSpec, path: str | Path) -> Path:
    """Write the report's charts to a PNG or PDF file (matplotlib backend, no browser)."""
    importlib.import_module("holoviews.plotting.mpl")  # registers the matplotlib backend

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise ConfigError(f"Export charts to a .png or .pdf file, got {path.name!r}.")
    charts = [
        c
        for c in report_charts(project, report, backend="matplotlib")
        if not isinstance(c, hv.Table)
    ]
    if not charts:
        raise ConfigError(f"Report '{report.name}' has no charts to export; add a chart first.")
    layout = hv.Layout(charts).cols(1).opts(title=report.name, vspace=0.7, backend="matplotlib")
    hv.save(layout, str(path), backend="matplotlib", fmt=fmt, dpi=110)
    return path


def _ignore(_result: object) -> None:
    """Button callbacks return None; the state's actions return whether they worked."""


def _remove_chart(state: AnalysisState, index: int, _event: Any) -> None:
    state.remove_chart(index)


def _download_bytes(write: Any, suffix: str) -> io.BytesIO:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report{suffix}"
        write(path)
        return io.BytesIO(path.read_bytes())


# --- the view ------------------------------------------------------------------------------------


class TestForm(param.Parameterized):
    """The fields of a new expectation, as typed in the form."""

    __test__ = False

    test_name = param.String(default="", doc="""Test name (unique in the report).""")
    type: param.Selector = param.Selector(default="threshold", objects=list(TEST_TYPES))
    metric: param.Selector = param.Selector(default=None, objects=[], allow_None=True)
    slice: param.Selector = param.Selector(default=ALL_INSTANCES, objects=[ALL_INSTANCES])
    transform: param.Selector = param.Selector(default=NONE, objects=[NONE])
    op: param.Selector = param.Selector(default=">=", objects=list(OPS))
    value = param.String(default="", doc="""A number, or 'low, high' for between.""")
    delta = param.Number(default=0.0, bounds=(0, None), doc="""Allowed drop / needed change.""")
    max_changed = param.Number(default=0.05, bounds=(0, 1), doc="""Invariance: share allowed.""")
    direction: param.Selector = param.Selector(default="decrease", objects=list(DIRECTIONS))
    confidence = param.Number(default=0.95, bounds=(0.5, 0.999), doc="""Confident threshold.""")
    baseline: param.Selector = param.Selector(default=NONE, objects=[NONE])

    def to_dict(self) -> dict[str, Any]:
        """The test's dict form; the value text becomes a number or [low, high]."""
        d: dict[str, Any] = {"name": self.test_name.strip(), "type": self.type}
        if self.type != "invariance":
            d["metric"] = self.metric
        d["slice"] = {ALL_INSTANCES: None, EACH_LABEL: EACH_SLICE}.get(self.slice, self.slice)
        d["transform"] = None if self.transform == NONE else self.transform
        if self.type in ("threshold", "confident"):
            d["op"] = self.op
            d["value"] = _parse_value(self.value, self.op == "between")
        if self.type == "confident":
            d["confidence"] = self.confidence
        if self.type in ("no_regression", "directional") and self.delta:
            d["delta"] = self.delta
        if self.type == "no_regression" and self.baseline != NONE:
            d["baseline"] = self.baseline
        if self.type == "invariance":
            d["max_changed"] = self.max_changed
        if self.type == "directional":
            d["direction"] = self.direction
        return d


def _parse_value(text: str, pair: bool) -> Any:
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return text  # TestSpec says what is wrong with it
    if pair:
        return numbers
    return numbers[0] if len(numbers) == 1 else text


class ReportsView(pn.viewable.Viewer):
    """List, create and edit reports: slices, models, metrics, charts and tests."""

    state = param.ClassSelector(class_=AnalysisState, doc="""The session's Analysis state.""")
    explore_mask = param.Parameter(default=None, doc="""Callable giving the current filter mask.""")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.form = TestForm()
        self.chart = ChartSpecForm()
        self._syncing = False
        self._on_options()

    @property
    def _s(self) -> AnalysisState:
        assert isinstance(self.state, AnalysisState)
        return self.state

    @param.depends("state.reports", watch=True)
    def _on_options(self) -> None:
        p = self._s.proj
        slices = [s.name for s in p.store.slices()]
        self.form.param.metric.objects = p.metrics
        if self.form.metric is None and p.metrics:
            self.form.metric = p.metrics[0]
        self.form.param.slice.objects = [ALL_INSTANCES, EACH_LABEL, *slices]
        self.form.param.transform.objects = [NONE, *p.transforms]
        self.form.param.baseline.objects = [NONE, *p.models]

    # --- pieces ---------------------------------------------------------------------------
    def _report_list(self) -> pn.pane.HTML:
        def render(reports: list, failing: dict) -> str:
            if not reports:
                return "<p>No reports yet: name one and press <i>Create report</i>.</p>"
            latest = html.escape(self._s.latest_model)
            items = "".join(
                f"<li data-report='{html.escape(r.name, quote=True)}'><b>{html.escape(r.name)}"
                f"</b> — <span class='zh-failing'>{failing.get(r.name, 0)}</span> of "
                f"{len(r.tests)} tests not passing for {latest}</li>"
                for r in reports
            )
            return f"<ul class='zh-report-list'>{items}</ul>"

        return pn.pane.HTML(
            pn.bind(render, self._s.param.reports, self._s.param.failing),
            stylesheets=[CSS],
            sizing_mode="stretch_width",
        )

    def _message(self) -> pn.pane.HTML:
        def render(message: str) -> str:
            return f"<div class='zh-report-message'>{html.escape(message)}</div>" if message else ""

        return pn.pane.HTML(pn.bind(render, self._s.param.message), stylesheets=[CSS])

    def _editor(self) -> pn.Column:
        s = self._s
        p = s.proj
        slices = pn.widgets.MultiChoice(name="Slices", options=[], sizing_mode="stretch_width")
        models = pn.widgets.MultiChoice(
            name="Models (empty: all)", options=p.models, sizing_mode="stretch_width"
        )
        metrics = pn.widgets.MultiChoice(
            name="Metrics", options=p.metrics, sizing_mode="stretch_width"
        )
        transforms = pn.widgets.MultiChoice(
            name="Transforms", options=[ORIGINAL, *p.transforms], sizing_mode="stretch_width"
        )
        widgets = {"slices": slices, "models": models, "metrics": metrics}

        def sync(*_: Any) -> None:
            report = s.report
            self._syncing = True
            try:
                slices.options = [sl.name for sl in p.store.slices()]
                if report is None:
                    for w in (*widgets.values(), transforms):
                        w.value = []
                    return
                for key, w in widgets.items():
                    w.value = list(getattr(report, key))
                transforms.value = [t or ORIGINAL for t in report.transforms]
            finally:
                self._syncing = False

        def push(key: str, event: Any) -> None:
            if self._syncing or s.report is None:
                return
            value = list(event.new)
            if key == "transforms":
                value = ["" if v == ORIGINAL else v for v in value] or [""]
            if value != list(getattr(s.report, key)):
                s.update_report(**{key: value})

        for key, w in widgets.items():
            w.param.watch(lambda e, k=key: push(k, e), "value")
        transforms.param.watch(lambda e: push("transforms", e), "value")
        s.param.watch(sync, ["report_name", "reports"])
        sync()
        return pn.Column(slices, models, metrics, transforms, sizing_mode="stretch_width")

    def _charts(self) -> pn.Column:
        s = self._s

        def render(reports: list, name: str | None) -> pn.Column:
            report = s.report
            if report is None or not report.charts:
                return pn.Column(pn.pane.HTML("<p>No charts yet.</p>"))
            try:
                charts = report_charts(s.proj, report)
            except Exception as exc:  # a deleted slice, a bad chart: shown, not fatal
                return pn.Column(pn.pane.HTML(f"<p>{html.escape(str(exc))}</p>"))
            parts = []
            for i, chart in enumerate(charts):
                remove = pn.widgets.Button(name=f"Remove chart {i + 1}", width=130)
                remove.on_click(partial(_remove_chart, s, i))
                parts += [pn.pane.HoloViews(chart, backend="bokeh"), remove]
            return pn.Column(*parts, sizing_mode="stretch_width")

        form = self.chart
        add = pn.widgets.Button(name="Add chart", button_type="primary", width=110)
        add.on_click(lambda _e: _ignore(s.add_chart(**form.to_dict())))
        controls = pn.Row(
            pn.widgets.Select.from_param(form.param.kind, width=120),
            pn.widgets.Select.from_param(form.param.x, width=110),
            pn.widgets.Select.from_param(form.param.color, width=110),
            pn.widgets.Select.from_param(form.param.facet, width=110),
            add,
        )
        return pn.Column(
            controls,
            pn.panel(pn.bind(render, s.param.reports, s.param.report_name)),
            sizing_mode="stretch_width",
        )

    def _tests(self) -> pn.Column:
        s = self._s
        f = self.form

        def grid_of(results: list[TestResult]) -> str:
            return grid_html(results, s.models())

        grid = pn.pane.HTML(
            pn.bind(grid_of, s.param.results),
            stylesheets=[CSS],
            sizing_mode="stretch_width",
            css_classes=["zh-test-grid"],
        )
        add = pn.widgets.Button(name="Add test", button_type="primary", width=110)
        add.on_click(lambda _e: _ignore(s.add_test(f.to_dict())))
        remove = pn.widgets.Button(name="Remove test", width=110)
        remove.on_click(lambda _e: _ignore(s.test_name and s.remove_test(s.test_name)))
        run = pn.widgets.Button(name="Run tests", width=110)
        run.on_click(lambda _e: _ignore(s.run()))
        form = pn.Column(
            pn.Row(
                pn.widgets.TextInput.from_param(f.param.test_name, name="Test name", width=200),
                pn.widgets.Select.from_param(f.param.type, name="Type", width=140),
                pn.widgets.Select.from_param(f.param.metric, name="Metric", width=140),
                pn.widgets.Select.from_param(f.param.slice, name="Slice", width=200),
                pn.widgets.Select.from_param(f.param.transform, name="Transform", width=130),
            ),
            pn.Row(
                pn.widgets.Select.from_param(f.param.op, name="Op", width=90),
                pn.widgets.TextInput.from_param(f.param.value, name="Value", width=120),
                pn.widgets.FloatInput.from_param(f.param.delta, name="Delta", width=90),
                pn.widgets.FloatInput.from_param(
                    f.param.max_changed, name="Max changed", width=110
                ),
                pn.widgets.Select.from_param(f.param.direction, name="Direction", width=130),
                pn.widgets.FloatInput.from_param(f.param.confidence, name="Confidence", width=100),
                pn.widgets.Select.from_param(f.param.baseline, name="Baseline", width=120),
            ),
            pn.Row(add),
        )
        history = pn.pane.HTML(
            pn.bind(lambda *_: history_html(s.history()), s.param.test_name, s.param.reports),
            stylesheets=[CSS],
            sizing_mode="stretch_width",
        )
        return pn.Column(
            grid,
            pn.Row(run, remove),
            pn.pane.Markdown("#### New expectation"),
            form,
            pn.pane.Markdown("#### History"),
            pn.widgets.Select.from_param(s.param.test_name, name="Test", width=260),
            history,
            sizing_mode="stretch_width",
        )

    def _exports(self) -> pn.Row:
        s = self._s

        def file(write: Any, suffix: str) -> Any:
            def callback() -> io.BytesIO | None:
                report = s.report
                if report is None:
                    return None
                try:
                    return _download_bytes(lambda path: write(report, path), suffix)
                except ConfigError as exc:
                    s.message = str(exc)
                    return None

            return callback

        buttons = [
            pn.widgets.FileDownload(
                callback=file(lambda r, path: export_html(s.proj, r, s.results, path), ".html"),
                filename="report.html",
                label="Report as HTML",
                width=150,
            ),
            pn.widgets.FileDownload(
                callback=file(lambda r, path: export_image(s.proj, r, path), ".png"),
                filename="report.png",
                label="Charts as PNG",
                width=140,
            ),
            pn.widgets.FileDownload(
                callback=file(lambda r, path: export_image(s.proj, r, path), ".pdf"),
                filename="report.pdf",
                label="Charts as PDF",
                width=140,
            ),
        ]
        return pn.Row(*buttons)

    def __panel__(self) -> pn.viewable.Viewable:
        s = self._s
        name = pn.widgets.TextInput(name="New report", placeholder="release checks", width=220)
        create = pn.widgets.Button(name="Create report", button_type="primary", width=130)

        def on_create(_event: Any) -> None:
            if s.create_report(name.value or ""):
                name.value = ""

        create.on_click(on_create)
        delete = pn.widgets.Button(name="Delete report", button_type="danger", width=130)
        delete.on_click(lambda _e: _ignore(s.delete_report()))
        editable = s.proj.config.editable
        create.disabled = delete.disabled = not editable
        return pn.Column(
            pn.pane.Markdown("## Reports"),
            self._report_list(),
            pn.Row(name, create),
            self._message(),
            pn.Row(pn.widgets.Select.from_param(s.param.report_name, name="Report"), delete),
            self._editor(),
            self._exports(),
            pn.pane.Markdown("### Charts"),
            self._charts(),
            pn.pane.Markdown("### Tests"),
            self._tests(),
            sizing_mode="stretch_width",
        )


class ChartSpecForm(param.Parameterized):
    """The fields of a new chart."""

    kind: param.Selector = param.Selector(default="bar", objects=list(CHART_KINDS))
    x: param.Selector = param.Selector(default="slices", objects=list(DIMENSIONS))
    color: param.Selector = param.Selector(default="models", objects=list(DIMENSIONS))
    facet: param.Selector = param.Selector(default=NONE, objects=[NONE, *DIMENSIONS])

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "x": self.x, "color": self.color}
        if self.facet != NONE:
            d["facet"] = self.facet
        return d
