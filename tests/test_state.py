"""ExploreState: set selections, assert the derived filter, counts, metrics and pages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import copy_project
from zenohub import Project
from zenohub.filters import Predicate
from zenohub.state import ExploreState

TOY = Path(__file__).resolve().parent / "projects" / "toy"


@pytest.fixture
def state(tmp_path: Path, toy_processed: Project) -> ExploreState:
    # a fresh project object over a private copy, so slices saved here stay here
    config = copy_project(TOY, tmp_path / "toy") / "config.toml"
    project = Project.from_config(config)
    project.process()
    return ExploreState(project)


def _accuracy(project: Project, mask: np.ndarray, model: str = "m-1") -> float:
    t = project.table
    return float(t[f"distill:correct@{model}"].to_numpy()[mask].mean())


def test_defaults_cover_every_row(state: ExploreState) -> None:
    p = state.project
    assert state.model == "m-1" and state.metric == "accuracy"
    assert state.count == len(p.table) == 300
    assert state.metric_value == pytest.approx(_accuracy(p, np.ones(300, bool)))


def test_column_filter_updates_count_and_metric(state: ExploreState) -> None:
    p = state.project
    assert state.set_column_filter("x", Predicate("x", "between", (1.0, 2.5)))
    x = p.table["x"].to_numpy()
    expected = (x >= 1.0) & (x <= 2.5)
    assert state.count == expected.sum()
    assert state.metric_value == pytest.approx(_accuracy(p, expected))
    state.set_column_filter("group", Predicate("group", "in", ["a"]))
    expected &= (p.table["group"] == "a").to_numpy()
    assert state.count == expected.sum()
    assert [k for k, _ in state.chips()] == ["column:x", "column:group"]
    state.remove_chip("column:x")
    assert state.count == (p.table["group"] == "a").sum()


def test_malformed_predicate_changes_nothing_and_says_why(state: ExploreState) -> None:
    state.set_column_filter("x", Predicate("x", "<", 2.0))
    before = state.count
    assert not state.set_column_filter("nope", Predicate("nope", "==", 1))
    assert "nope" in state.message and state.count == before
    bad_regex = {"column": "group", "op": "regex", "value": "(unclosed"}
    assert not state.set_column_filter("group", bad_regex)
    assert "(unclosed" in state.message and state.count == before
    assert list(state.column_filters) == ["x"]


def test_model_transform_and_compare(state: ExploreState) -> None:
    p = state.project
    state.param.update(model="m-2", compare_model="m-1", transform="shift")
    t = p.table
    assert state.metric_value == pytest.approx(t["distill:correct@m-2~shift"].mean())
    assert state.compare_metric_value == pytest.approx(t["distill:correct@m-1~shift"].mean())
    assert state.output_column == "output:output@m-2~shift"


def test_only_errors_sort_and_pages(state: ExploreState) -> None:
    p = state.project
    state.param.update(only_errors=True, sort_by="x", ascending=False, page_size=10)
    rows = state.visible()
    out = p.table["output:output@m-1"].to_numpy()
    label = p.table["label"].astype(int).to_numpy()
    assert len(rows) == int((out != label).sum())
    xs = p.table["x"].to_numpy()[rows]
    assert (np.diff(xs) <= 0).all()
    page = state.page_frame()
    assert len(page) == 10 and page["x"].tolist() == sorted(page["x"], reverse=True)
    state.page = 1
    assert state.page_frame()["x"].iloc[0] == xs[10]


def test_save_slice_and_select_it(state: ExploreState) -> None:
    p = state.project
    state.set_column_filter("x", Predicate("x", ">", 3.0))
    n = state.count
    assert state.save_slice("large x", folder=None)
    assert not state.save_slice("large x")
    assert "already exists" in state.message
    state.clear()
    assert state.count == 300
    state.slice_names = ["large x"]
    assert state.count == n
    assert p.metric("accuracy", "m-1", filter=p.store.get_slice("large x")) == pytest.approx(
        state.metric_value
    )


def test_lasso_ids_and_id_slice(state: ExploreState) -> None:
    ids = ["r001", "r005", "r010"]
    state.lasso_ids = ids
    assert state.count == 3 and ("lasso", "3 selected points") in state.chips()
    assert state.save_slice("picked")
    state.clear()
    state.slice_names = ["picked"]
    assert sorted(state.project.table.loc[state.mask, "id"]) == ids


def test_deleted_slice_is_reported_not_fatal(state: ExploreState) -> None:
    state.project.store.create_slice("tmp", ids=["r001"])
    state.slice_names = ["tmp"]
    state.project.store.delete_slice("tmp")
    state.page = 0  # any change re-evaluates
    state.metric = "error_rate"
    assert "tmp" in state.message and state.count == 300


def _hist(state: ExploreState, column: str):
    return next(h for h in state.histograms if h.column == column)


def test_histograms_cross_filter_with_exclude_self(state: ExploreState) -> None:
    t = state.project.table
    assert {h.column for h in state.histograms} >= {"x", "label", "group", "distill:x_squared"}
    assert "distill:correct@m-1" in {h.column for h in state.histograms}
    assert "distill:correct@m-2" not in {h.column for h in state.histograms}
    state.set_column_filter("x", Predicate("x", "between", (1.0, 2.5)))
    inside = t["x"].between(1.0, 2.5)
    group = _hist(state, "group")
    expected = t.loc[inside, "group"].value_counts()
    assert dict(zip(group.bins[:-1], group.counts[:-1].tolist(), strict=True)) == {
        g: int(expected.get(g, 0)) for g in group.bins[:-1]
    }
    assert group.totals[:-1].sum() == 300
    # the brushed view itself is not filtered by its own brush
    assert _hist(state, "x").counts.sum() == 300
    # accuracy per group bin among the brushed rows
    acc = t.loc[inside].groupby("group", observed=True)["distill:correct@m-1"].mean()
    for name, value in zip(group.bins[:-1], group.metric[:-1], strict=True):
        assert value == pytest.approx(acc[name])


def test_histograms_follow_slices_and_model(state: ExploreState) -> None:
    t = state.project.table
    state.project.store.create_slice("group a", filter=Predicate("group", "in", ["a"]).to_dict())
    state.slice_names = ["group a"]
    assert _hist(state, "x").counts.sum() == (t["group"] == "a").sum()
    state.model = "m-2"
    columns = {h.column for h in state.histograms}
    assert "distill:correct@m-2" in columns and "distill:correct@m-1" not in columns


def test_chips_read_like_a_person_wrote_them(state: ExploreState) -> None:
    state.set_column_filter(
        "distill:x_squared", Predicate("distill:x_squared", "between", (1.23456789, 4.5))
    )
    state.set_column_filter("group", Predicate("group", "in", ["a", "c"]))
    state.lasso_ids = ["r001"]
    assert state.chips() == [
        ("column:distill:x_squared", "x_squared between 1.235 and 4.5"),
        ("column:group", "group in {a, c}"),
        ("lasso", "1 selected points"),
    ]


def test_brushing_an_activated_column_matches_pandas_with_a_text_filter_and_a_slice(
    state: ExploreState,
) -> None:
    """Count, metric and histograms come from the cross-filter; predicates it cannot bin
    (``<``) and selected slices still apply, through its base mask."""
    p = state.project
    t = p.table
    conf_key = "other:confidence@m-1"
    p.store.create_slice("label > 0", filter=Predicate("label", ">", 0))
    state.slice_names = ["label > 0"]
    state.set_column_filter("group", Predicate("group", "in", ["a", "b"]))
    state.set_column_filter(conf_key, Predicate(conf_key, "<", 0.5))
    state.activate("x")  # the pointer enters x's histogram
    for hi in (1.0, 1.5, 2.5):
        assert state.set_column_filter("x", Predicate("x", "between", (0.0, hi)))
        x, label, conf = t["x"].to_numpy(), t["label"].to_numpy(), t[conf_key].to_numpy()
        others = (label > 0) & (conf < 0.5) & t["group"].isin(["a", "b"]).to_numpy()
        expected = others & (x >= 0.0) & (x <= hi)
        assert state.count == expected.sum()
        assert np.array_equal(state.mask, expected)
        assert state.metric_value == pytest.approx(_accuracy(p, expected))
        group = _hist(state, "group")  # exclude-self: group's bars ignore group's own filter
        without_group = (label > 0) & (conf < 0.5) & (x >= 0.0) & (x <= hi)
        counts = t.loc[without_group, "group"].value_counts()
        assert [int(counts.get(v, 0)) for v in group.values] == group.counts[:-1].tolist()


def test_text_search_skips_image_paths_and_transformed_copies(digits_projected: Project) -> None:
    state = ExploreState(digits_projected)
    # digits holds only image paths (its data column and their noise / rotate copies)
    assert "image" in digits_projected.table and state.text_columns() == []
