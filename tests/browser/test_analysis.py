"""The Analysis page in Chromium: a report built by clicking, red and green cells, and the
exported report opened offline."""

from __future__ import annotations

import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TOY, ServerProcess, copy_project, free_port
from zenohub import Project
from zenohub.analysis import ReportSpec, evaluate_report
from zenohub.ui.reports import export_html

pytestmark = pytest.mark.browser

SERVE = textwrap.dedent(
    """
    import sys
    import panel as pn
    from zenohub import Project
    from zenohub.state import ExploreState
    from zenohub.ui.analysis import Analysis

    project = Project.from_config(sys.argv[1])
    project.process(executor="sequential")
    port = int(sys.argv[2])
    pn.serve(
        {"/": lambda: Analysis(project=project, state=ExploreState(project))},
        port=port,
        address="127.0.0.1",
        show=False,
        allow_websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"],
    )
    """
)


@pytest.fixture(scope="module")
def toy_with_slices(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = copy_project(TOY, tmp_path_factory.mktemp("analysis-browser") / "toy")
    project = Project.from_config(folder / "config.toml")
    project.process()
    for group in ("a", "b", "c"):
        project.store.create_slice(
            f"group {group}", filter={"column": "group", "op": "==", "value": group}
        )
    return project


@pytest.fixture(scope="module")
def analysis_server(toy_with_slices: Project) -> Iterator[str]:
    """The Analysis page of the toy copy, served by Panel in its own process."""
    folder = Path(toy_with_slices.config.base_dir)
    script = folder / "serve_analysis.py"
    script.write_text(SERVE)
    port = free_port()
    server = ServerProcess(
        [sys.executable, str(script), str(folder / "config.toml"), str(port)],
        port,
        folder / "analysis-server.log",
    )
    yield server.url
    server.stop()


def _input(page, label: str):
    return page.locator(".bk-input-group", has_text=label).locator("input").first


def test_build_a_report_and_see_red_and_green(
    analysis_server: str, toy_with_slices: Project, page, screenshot
) -> None:
    p = toy_with_slices
    acc = {m: p.metric("accuracy", m) for m in p.models}
    worse, better = sorted(acc, key=acc.get)  # type: ignore[arg-type]
    cut = round((acc["m-1"] + acc["m-2"]) / 2, 4)
    page.goto(analysis_server)
    page.locator(".zh-trends").first.wait_for(timeout=60_000)
    # the slice x model table shows the saved slices
    for group in ("a", "b", "c"):
        assert page.locator(f".zh-trends tr[data-slice='group {group}']").count() == 1

    page.get_by_placeholder("release checks").fill("toy release")
    page.get_by_role("button", name="Create report").click()
    page.locator("li[data-report='toy release']").wait_for(timeout=20_000)
    chosen = page.locator(".bk-input-group", has_text="Report").locator("select").first
    assert chosen.input_value() == "toy release"

    slices = page.locator(".bk-input-group", has_text="Slices").first
    for name in ("group a", "group c"):
        slices.locator(".choices").first.click()
        page.locator(".choices__item--choice", has_text=name).first.click()
        page.wait_for_timeout(300)
    page.keyboard.press("Escape")

    _input(page, "Test name").fill("accurate enough")
    _input(page, "Value").fill(str(cut))
    page.get_by_role("button", name="Add test").click()
    cells = page.locator("tr[data-test='accurate enough'] td[data-status]")
    cells.first.wait_for(timeout=20_000)
    statuses = cells.evaluate_all(
        "els => els.map(e => [e.dataset.status, getComputedStyle(e).backgroundColor, e.title])"
    )
    screenshot(page, "analysis-report")
    by_model = dict(zip(p.models, statuses, strict=True))
    assert by_model[better][0] == "pass" and by_model[better][1] == "rgb(200, 230, 201)"
    assert by_model[worse][0] == "fail" and by_model[worse][1] == "rgb(255, 205, 210)"
    assert (
        f"accuracy(all instances, {worse}) = {acc[worse]:.4g}, not >= {cut:g}"
        in (by_model[worse][2])
    )
    # a chart of the report: Bokeh draws it on a canvas
    assert page.locator(".zh-trends canvas").count() == 0
    page.get_by_role("button", name="Add chart").click()
    page.get_by_role("button", name="Remove chart 1").wait_for(timeout=20_000)
    assert page.locator("canvas").count() >= 1
    # the report list counts the latest model's failing tests
    latest_fails = int(by_model[p.models[-1]][0] != "pass")
    assert page.locator("li[data-report='toy release'] .zh-failing").inner_text() == str(
        latest_fails
    )
    # everything done in the browser is in tests.toml beside the config
    written = tomllib.loads((Path(p.config.base_dir) / "tests.toml").read_text())
    (report,) = written["reports"]
    assert report["name"] == "toy release" and report["slices"] == ["group a", "group c"]
    assert report["tests"] == [
        {
            "name": "accurate enough",
            "type": "threshold",
            "metric": "accuracy",
            "op": ">=",
            "value": cut,
        }
    ]


def test_the_exported_report_shows_its_charts_offline(
    toy_with_slices: Project, tmp_path: Path, page
) -> None:
    report = ReportSpec.from_dict(
        {
            "name": "offline",
            "slices": ["group a", "group b"],
            "metrics": ["accuracy"],
            "charts": [
                {"kind": "bar", "x": "slices", "color": "models"},
                {"kind": "heatmap", "x": "models", "color": "slices"},
            ],
            "tests": [{"name": "t", "type": "threshold", "metric": "accuracy", "value": 0.35}],
        }
    )
    results = evaluate_report(toy_with_slices, report)
    path = export_html(toy_with_slices, report, results, tmp_path / "offline.html")
    requests: list[str] = []
    page.route("http*://**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.locator("canvas").first.wait_for(timeout=30_000)  # Bokeh draws on canvases
    page.wait_for_timeout(500)
    assert page.locator(".bk-Figure, .bk-Canvas").count() >= 2
    assert page.locator("canvas").count() >= 2
    assert page.locator("td[data-status]").count() == len(toy_with_slices.models)
    assert requests == []
