"""The project overview page: what the project holds and each model's metrics.

A minimal page until the Explore app lands; it reads only what ``Project`` already computed.
"""

from __future__ import annotations

import html

import pandas as pd
import panel as pn
import param

from ..project import Project


def metric_table(project: Project, transform: str | None = None) -> pd.DataFrame:
    """Metric x model values on the whole table (NaN where a model has no output)."""
    rows = {}
    for name in project.metrics:
        row = {}
        for model in project.models:
            try:
                row[model] = project.metric(name, model, transform=transform)
            except Exception:  # a failed model run or metric: shown as empty
                row[model] = float("nan")
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=project.models)


class Overview(pn.viewable.Viewer):
    """Project name, size, models, metrics per model, and the column list."""

    project = param.Parameter(doc="""The processed zenohub Project.""")

    def __panel__(self) -> pn.viewable.Viewable:
        p: Project = self.project
        report = p.report
        header = pn.pane.HTML(
            f"<h1>{html.escape(p.name)}</h1><p>{html.escape(p.config.description)}</p>"
            f"<p><b class='zh-rows'>{len(p.table)}</b> instances · "
            f"<b>{len(p.models)}</b> models · <b>{len(p.metrics)}</b> metrics · "
            f"<b>{len(p.transforms)}</b> transforms</p>",
            sizing_mode="stretch_width",
        )
        metrics = metric_table(p).round(4)
        metrics.index.name = "metric"
        columns = pd.DataFrame(
            [(c.label, c.ref.kind.value, c.ctype.value) for c in p.columns.values()],
            columns=["column", "kind", "type"],
        )
        parts: list = [
            header,
            pn.pane.Markdown("## Metrics (all instances)"),
            pn.widgets.Tabulator(metrics, disabled=True, name="metrics"),
            pn.pane.Markdown("## Columns"),
            pn.widgets.Tabulator(
                columns, disabled=True, pagination="local", page_size=20, show_index=False
            ),
        ]
        if report is not None and report.failures:
            items = "".join(f"<li><pre>{html.escape(str(f))}</pre></li>" for f in report.failures)
            parts.insert(
                1,
                pn.pane.HTML(
                    f"<div class='zh-failures'><h3>Failed functions</h3><ul>{items}</ul></div>"
                ),
            )
        return pn.Column(*parts, sizing_mode="stretch_width")
