"""The Analysis page built as Bokeh models on the toy project: table, reports, grid, exports."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import panel as pn
import pytest
from bokeh.document import Document
from PIL import Image

from tests.conftest import TOY, copy_project
from zenohub import Project
from zenohub.analysis import ALL, ReportSpec, Status, table_bytes
from zenohub.state import ExploreState
from zenohub.ui.analysis import Analysis, sparkline, trends_html
from zenohub.ui.reports import ReportsView, export_html, export_image, grid_html


@pytest.fixture(scope="module")
def toy_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = copy_project(TOY, tmp_path_factory.mktemp("analysis-ui") / "toy")
    project = Project.from_config(folder / "config.toml")
    project.process()
    store = project.store
    store.create_folder("groups")
    for group in ("a", "b", "c"):
        store.create_slice(
            f"group {group}",
            filter={"column": "group", "op": "==", "value": group},
            folder="groups",
        )
    store.create_slice("<b>bold</b>", filter={"column": "x", "op": ">", "value": 1.0})
    return project


def correct(project: Project, model: str) -> np.ndarray:
    t = project.table
    return (t[f"output:output@{model}"].astype(int) == t["label"].astype(int)).to_numpy()


def test_the_page_renders_and_the_table_shows_the_values(toy_project: Project) -> None:
    view = Analysis(project=toy_project, state=ExploreState(toy_project))
    root = pn.panel(view).get_root(Document())
    assert root is not None
    text = trends_html(view.analysis.trends)
    group = toy_project.table["group"].astype(str).to_numpy()
    for g in ("a", "b", "c"):
        for model in ("m-1", "m-2"):
            value = correct(toy_project, model)[group == g].mean()
            assert f"<td class='zh-num'>{value:.3f}</td>" in text
    assert f"<tr data-slice='{ALL}'>" in text
    # user text is escaped, never markup
    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold</b>" not in text
    assert text.count("<svg class='zh-spark'") == 5
    view.analysis.folder = "groups"
    assert trends_html(view.analysis.trends).count("<svg class='zh-spark'") == 4


def test_sparkline_and_alert_titles() -> None:
    svg = sparkline([0.9, float("nan"), 0.5, 0.1])
    assert svg.count("<circle") == 1 and "points='3.0,3.0 59.0,11.0 87.0,19.0'" in svg
    assert sparkline([float("nan")]) == ""


def test_reports_are_edited_through_the_state(toy_project: Project) -> None:
    view = Analysis(project=toy_project, state=ExploreState(toy_project))
    a = view.analysis
    assert a.create_report("toy checks")
    assert not a.create_report("toy checks")
    assert a.message == "A report named 'toy checks' already exists; choose another name."
    assert a.update_report(slices=["group a", "group b"], metrics=["accuracy"])
    acc = {m: correct(toy_project, m).mean() for m in ("m-1", "m-2")}
    cut = (acc["m-1"] + acc["m-2"]) / 2
    assert a.add_test(
        {"name": "accurate", "type": "threshold", "metric": "accuracy", "op": ">=", "value": cut}
    )
    worse, better = sorted(acc, key=acc.get)  # type: ignore[arg-type]
    cells = a.grid()["accurate"]
    assert cells[worse].status is Status.FAIL and cells[better].status is Status.PASS
    html = grid_html(a.results, a.models())
    assert html.count("data-status='fail'") == 1 and html.count("data-status='pass'") == 1
    # the edit is in tests.toml beside the config
    written = tomllib.loads((Path(toy_project.config.base_dir) / "tests.toml").read_text())
    (report,) = written["reports"]
    assert report["slices"] == ["group a", "group b"]
    assert report["tests"][0]["value"] == pytest.approx(cut)
    assert [s["name"] for s in written["slices"]] == ["group a", "group b"]
    # a bad expectation changes nothing and says why
    assert not a.add_test({"name": "bad", "type": "threshold", "metric": "accuracy", "value": "x"})
    assert "'value' must be a number" in a.message and len(a.report.tests) == 1
    assert a.failing == {"toy checks": int(cells["m-2"].status is not Status.PASS)}
    assert a.run() and len(a.history()) == 1 and a.history()[0].source == "app"
    assert a.add_chart(kind="bar", x="slices", color="models")
    assert not a.add_chart(kind="bar", x="slices", color="slices")
    assert "x, color and facet must be different dimensions" in a.message
    root = pn.panel(ReportsView(state=a)).get_root(Document())
    assert root is not None
    assert a.remove_test("accurate") and a.report.tests == ()
    assert a.delete_report() and a.reports == []


def test_exports(toy_project: Project, tmp_path: Path) -> None:
    report = ReportSpec.from_dict(
        {
            "name": "toy <report>",
            "slices": ["group a", "group b", "group c"],
            "metrics": ["accuracy", "error_rate"],
            "transforms": ["", "shift"],
            "charts": [
                {"kind": "bar", "x": "slices", "color": "models", "facet": "metrics"},
                {"kind": "line", "x": "models", "color": "slices"},
                {"kind": "heatmap", "x": "models", "color": "slices"},
                {"kind": "slice_heatmap", "x": "slices", "color": "slices"},
                {"kind": "table", "x": "slices", "color": "models"},
            ],
        }
    )
    page = export_html(toy_project, report, [], tmp_path / "report.html")
    text = page.read_text()
    assert "toy &lt;report&gt;" in text
    # scripts and stylesheets are inlined: nothing is loaded from the network
    assert re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", text) == []
    assert not re.search(r"ImportedStyleSheet[^}]+https?://", text)
    png = export_image(toy_project, report, tmp_path / "report.png")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.height > image.width  # charts stacked
    pdf = export_image(toy_project, report, tmp_path / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(Exception, match=r"Export charts to a \.png or \.pdf file"):
        export_image(toy_project, report, tmp_path / "report.svg")


def test_filtered_table_downloads(toy_project: Project, tmp_path: Path) -> None:
    state = ExploreState(toy_project)
    state.set_column_filter("group", {"column": "group", "op": "==", "value": "b"})
    expected = toy_project.table[toy_project.table["group"].astype(str) == "b"]
    csv = pd.read_csv(io.BytesIO(table_bytes(toy_project, state.mask, "csv")))
    assert list(csv["id"]) == list(expected["id"]) and len(csv) == state.count
    parquet = pd.read_parquet(io.BytesIO(table_bytes(toy_project, state.mask, "parquet")))
    assert list(parquet.columns) == list(expected.columns) and len(parquet) == state.count
    from zenohub.analysis import export_table

    path = export_table(toy_project, state.mask, tmp_path / "b.parquet")
    assert len(pd.read_parquet(path)) == state.count
    with pytest.raises(Exception, match=r"Export to a \.csv or \.parquet file"):
        export_table(toy_project, state.mask, tmp_path / "b.xlsx")


def test_alerts_explain_themselves_on_hover() -> None:
    from zenohub.analysis import Alert, SliceTrend, TrendTable

    alert = Alert("regression", 0.01, "Regression: accuracy falls by 0.1 per model (p = 0.01) <b>")
    row = SliceTrend("quiet <audio>", None, 12, (0.9, 0.8, 0.7), None, (alert,))
    text = trends_html(TrendTable("accuracy", None, ("a", "b", "c"), True, (row,)))
    assert (
        "title='Regression: accuracy falls by 0.1 per model (p = 0.01) &lt;b&gt;'>▼ regression"
        in text
    )
    assert "quiet &lt;audio&gt;" in text


def test_the_test_form_builds_valid_tests() -> None:
    from zenohub.analysis import TestSpec
    from zenohub.ui.reports import EACH_LABEL, TestForm

    form = TestForm(test_name=" t ", type="threshold", op="between", value="0.2, 0.8")
    form.param.metric.objects = ["accuracy"]
    form.metric = "accuracy"
    spec = TestSpec.from_dict(form.to_dict())
    assert (spec.name, spec.value, spec.slice) == ("t", (0.2, 0.8), None)
    form.param.slice.objects = [*form.param.slice.objects, EACH_LABEL]
    form.param.update(type="invariance", slice=EACH_LABEL, max_changed=0.1)
    form.param.transform.objects = ["(none)", "shift"]
    form.transform = "shift"
    spec = TestSpec.from_dict(form.to_dict())
    assert (spec.type, spec.slice, spec.max_changed, spec.metric) == ("invariance", "*", 0.1, None)
