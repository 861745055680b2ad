"""Render tests of the projection view: the Bokeh plot, and selections feeding the state."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import panel as pn
import pytest
from bokeh.events import ButtonClick
from bokeh.models import BoxSelectTool, Button, Div, LassoSelectTool
from bokeh.models import Image as ImageGlyph
from bokeh.plotting import figure

from zenohub import Project
from zenohub.filters import Predicate
from zenohub.projection import in_polygon
from zenohub.state import ExploreState
from zenohub.ui.projection import Projection


@pytest.fixture
def state(digits_projected: Project) -> ExploreState:
    return ExploreState(digits_projected)


def _figure(root: object) -> figure:
    (fig,) = root.select({"type": figure})  # type: ignore[attr-defined]
    return fig


def _images(fig: figure) -> list[np.ndarray]:
    return [
        np.asarray(r.data_source.data["image"][0])
        for r in fig.renderers
        if isinstance(r.glyph, ImageGlyph)
    ]


def _texts(root: object) -> str:
    """The text of every HTML pane and button label on the page."""
    from panel.models import HTML

    text = " ".join(
        str(getattr(m, "text", "")) + str(getattr(m, "label", ""))
        for m in root.references()  # type: ignore[attr-defined]
        if isinstance(m, Div | Button | HTML)
    )
    return html.unescape(html.unescape(text))  # Panel's HTML model escapes its text once more


def _square(xy: np.ndarray) -> np.ndarray:
    (x0, x1), (y0, y1) = np.percentile(xy[:, 0], [5, 55]), np.percentile(xy[:, 1], [5, 55])
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def test_plot_is_a_rasterized_umap_with_lasso_and_box_tools(state: ExploreState) -> None:
    from bokeh.document import Document
    from panel.pane import HoloViews

    view = Projection(state=state)
    layout = pn.panel(view)
    root = layout.get_root(Document())
    # the selection streams are wired to the plot: Bokeh's gestures reach them
    (pane,) = layout.select(HoloViews)
    ((plot, _),) = pane._plots.values()
    wired = {type(c).__name__ for sub in plot.subplots.values() for c in sub.callbacks}
    assert {"LassoCallback", "BoundsCallback"} <= wired
    fig = _figure(root)
    tools = {type(t) for t in fig.tools}
    assert {LassoSelectTool, BoxSelectTool} <= tools
    grey, coloured = _images(fig)  # every instance dimmed under the coloured filtered ones
    assert grey.shape == coloured.shape and grey.size > 1000  # an image, not 600 glyphs
    assert np.isfinite(coloured).any()
    text = _texts(root)
    assert "UMAP of mlp-v1's embedding" in text
    # the coloured image is the error rate per pixel: values in [0, 1], some of them wrong
    values = coloured[np.isfinite(coloured)]
    assert values.min() >= 0 and values.max() <= 1 and (values > 0).any()


def test_lasso_selection_sets_lasso_ids_and_count(state: ExploreState) -> None:
    view = Projection(state=state)
    root = pn.panel(view).get_root()
    assert state.count == 600 and state.lasso_ids is None
    xy = view.map().xy
    polygon = _square(xy)
    inside = in_polygon(xy, polygon)
    assert 20 < inside.sum() < 580
    assert view.lasso is not None
    view.lasso.event(geometry=polygon)  # what HoloViews emits for Bokeh's lasso gesture
    ids = state.proj.table[state.proj.id_column].astype(str).to_numpy()
    assert sorted(state.lasso_ids) == sorted(ids[inside])
    assert state.count == inside.sum()
    assert ("lasso", f"{inside.sum()} selected points") in state.chips()
    # the scatter follows: fewer pixels are coloured than before
    fig = _figure(root)
    _, coloured = _images(fig)
    assert np.isfinite(coloured).sum() < np.isfinite(_images(fig)[0]).sum()

    # AND with the metadata filters
    state.set_column_filter("label", Predicate("label", "in", [3]))
    threes = (state.proj.table["label"].astype(str) == "3").to_numpy()
    assert state.count == int((inside & threes).sum())


def test_box_selection_and_filter_dim_the_rest(state: ExploreState) -> None:
    view = Projection(state=state)
    root = pn.panel(view).get_root()
    fig = _figure(root)
    before = np.isfinite(_images(fig)[1]).sum()
    state.set_column_filter("label", Predicate("label", "in", [0]))
    after = np.isfinite(_images(fig)[1]).sum()
    assert 0 < after < before
    xy = view.map().xy
    (x0, x1), (y0, y1) = np.percentile(xy[:, 0], [0, 50]), np.percentile(xy[:, 1], [0, 50])
    assert view.box is not None
    view.box.event(bounds=(x0, y0, x1, y1))
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    assert len(state.lasso_ids) == inside.sum()
    zeros = (state.proj.table["label"].astype(str) == "0").to_numpy()
    assert state.count == int((inside & zeros).sum())


def test_changing_the_model_shows_its_map(state: ExploreState) -> None:
    view = Projection(state=state)
    root = pn.panel(view).get_root()
    first = view.map().xy
    state.model = "mlp-v3"
    assert not np.array_equal(view.map().xy, first)
    assert "UMAP of mlp-v3's embedding" in _texts(root)


def test_error_regions_are_listed_and_a_click_selects_one(state: ExploreState) -> None:
    view = Projection(state=state)
    root = pn.panel(view).get_root()
    regions = view.regions()
    assert regions, "mlp-v1 makes enough clustered errors on digits to find a region"
    buttons = sorted(
        (b for b in root.select({"type": Button}) if "instances" in str(b.label)),
        key=lambda b: int(b.label.split(":")[0]),
    )
    assert len(buttons) == len(regions)
    assert buttons[0].label.startswith(
        f"1: {regions[0].size} instances, {regions[0].errors} errors"
    )
    buttons[0]._trigger_event(ButtonClick(buttons[0]))  # the click as Bokeh delivers it
    assert state.lasso_ids == list(regions[0].ids)
    assert state.count == regions[0].size
    errors = state.errors()[state.mask]
    assert errors.mean() == pytest.approx(regions[0].error_rate)


def test_pca_preview_note_without_umap(tmp_path: Path) -> None:
    from tests.conftest import TOY, copy_project

    toy = copy_project(TOY, tmp_path / "toy")
    config = toy / "config.toml"
    config.write_text(
        config.read_text()
        + "\n[projection]\numap = false\n"
        + 'columns = ["x", "distill:x_squared", "other:confidence@m-1"]\n'
    )
    project = Project.from_config(config)
    project.process()
    view = Projection(state=ExploreState(project), source="columns", color="x")
    root = pn.panel(view).get_root()
    assert "UMAP is not computed yet: run `zenohub process`" in _texts(root)
    assert _images(_figure(root))  # the PCA preview is drawn


def test_colour_by_a_nominal_column_draws_category_colours(state: ExploreState) -> None:
    from bokeh.models import ImageRGBA

    view = Projection(state=state, color="label")
    root = pn.panel(view).get_root()
    glyphs = [type(r.glyph) for r in _figure(root).renderers]
    assert ImageRGBA in glyphs  # one colour per digit, blended per pixel by datashader
    assert "error" in view.param.color.objects and "distill:brightness" in view.param.color.objects


def test_zoomed_in_hover_previews_the_instances_in_view(state: ExploreState) -> None:
    from bokeh.document import Document
    from bokeh.models import ColumnDataSource, HoverTool
    from holoviews.streams import RangeXY, Stream
    from panel.pane import HoloViews

    view = Projection(state=state)
    layout = pn.panel(view)
    root = layout.get_root(Document())
    assert any(isinstance(t, HoverTool) for t in _figure(root).tools)
    xy = view.map().xy
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    assert view.hover_frame((lo[0], hi[0]), (lo[1], hi[1])).empty  # 600 points: too many
    # zoom in around the first instance, through the plot's range streams
    (x, y), r = xy[0], 0.05 * float((hi - lo).min())
    (pane,) = layout.select(HoloViews)
    ((plot, _),) = pane._plots.values()
    ranges = [s for s in plot.streams if isinstance(s, RangeXY)]
    for stream in ranges:
        stream.update(x_range=(x - r, x + r), y_range=(y - r, y + r))
    Stream.trigger(ranges)
    first_id = str(state.proj.table[state.proj.id_column].iloc[0])
    previews = [
        str(p)
        for src in root.select({"type": ColumnDataSource})
        for p in src.data.get("preview", [])
    ]
    assert 0 < len(previews) <= 200
    assert any(f'data-id="{html.escape(first_id)}"' in p for p in previews)
    assert any("<img" in p for p in previews)  # the digit itself, as the grid shows it
