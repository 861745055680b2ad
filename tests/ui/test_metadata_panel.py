"""Render tests of the metadata panel: the Bokeh models carry the bins the state computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bokeh.models import ColumnDataSource

from zenohub import Project
from zenohub.filters import Predicate
from zenohub.state import ExploreState
from zenohub.ui.metadata import MetadataPanel


@pytest.fixture
def state(tmp_path) -> ExploreState:
    rng = np.random.default_rng(1)
    n = 500
    df = pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(n)],
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "size": rng.normal(size=n),
            "kind": rng.choice(["cat", "dog", "<b>bird</b>"], n),
            "flag": rng.random(n) > 0.5,
        }
    )
    project = Project(metadata=df, id_column="id", cache_path=str(tmp_path / "cache"))
    project.process()
    return ExploreState(project)


def _sources(panel: MetadataPanel) -> dict[str, ColumnDataSource]:
    return {name: view.source for name, view in panel._views.items()}


def test_panel_has_a_histogram_per_filterable_column(state: ExploreState) -> None:
    panel = MetadataPanel(state=state)
    root = panel.__panel__().get_root()
    sources = _sources(panel)
    assert set(sources) == {"when", "size", "kind", "flag"}
    assert sum(sources["kind"].data["total"]) == 500
    assert sorted(sources["kind"].data["label"]) == ["<b>bird</b>", "cat", "dog"]
    assert any(
        getattr(m, "x_axis_type", None) == "datetime" or type(m).__name__ == "DatetimeAxis"
        for m in root.references()
    )


def test_state_changes_push_bins_into_the_sources(state: ExploreState) -> None:
    panel = MetadataPanel(state=state)
    sources = _sources(panel)
    state.set_column_filter("kind", Predicate("kind", "in", ["cat"]))
    t = state.project.table
    cats = t["kind"] == "cat"
    assert sum(sources["size"].data["count"]) == int(cats.sum())
    # exclude-self: the kind histogram still shows every kind
    assert sum(sources["kind"].data["count"]) == 500
    state.set_column_filter("when", Predicate("when", "between", ("2024-03-01", "2024-06-30")))
    inside = t["when"].between(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-06-30"))
    assert sum(sources["flag"].data["count"]) == int((cats & inside).sum())


def test_search_hides_other_columns(state: ExploreState) -> None:
    panel = MetadataPanel(state=state)
    panel.search = "SI"
    visible = {name for name, view in panel._views.items() if view.pane.visible}
    assert visible == {"size"}
