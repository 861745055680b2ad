"""The Discover panel on the toy project: find failing slices, save one, describe a lasso."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import panel as pn
import pytest
from bokeh.events import ButtonClick

from tests.conftest import TOY, copy_project
from zenohub import Project
from zenohub.discovery import instance_errors
from zenohub.filters import Predicate
from zenohub.state import ExploreState
from zenohub.ui.discover import FAILING, WORSE, Discover, unique_name
from zenohub.ui.slices import SlicesPanel

BUTTON = pn.widgets.Button._widget_type


@pytest.fixture
def state(tmp_path: Path, toy_processed: Project) -> ExploreState:
    project = Project.from_config(copy_project(TOY, tmp_path / "toy") / "config.toml")
    project.process()
    return ExploreState(project)


def _texts(root) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(
        html.unescape(html.unescape(str(m.text))) for m in root.references() if hasattr(m, "text")
    )


def _click(root, label: str, index: int = 0) -> None:  # type: ignore[no-untyped-def]
    buttons = [b for b in root.select({"type": BUTTON}) if b.label == label]
    button = buttons[index]
    assert not button.disabled, f"'{label}' is disabled"
    button._trigger_event(ButtonClick(button))


def test_find_lists_failing_slices_and_one_click_saves_one(state: ExploreState) -> None:
    p = state.proj
    saved: list[str] = []
    slices = SlicesPanel(state=state)
    view = Discover(state=state, on_saved=lambda name: (saved.append(name), slices.poll()))
    root = pn.panel(view).get_root()
    assert view.results == [] and "Press “Find failing slices”" in _texts(root)

    _click(root, "Find failing slices")
    assert view.results, view.message
    errors = 1 - p.table["distill:correct@m-1"].to_numpy(dtype=float)
    text = _texts(root)
    assert "Searched 300 instances" in text and "from column 'distill:correct@m-1'" in text
    for result, value in zip(view.results, view.metric_values, strict=True):
        rows = result.mask(p.table)
        assert rows.sum() == result.size and result.q_value <= 0.05
        assert result.error_rate == pytest.approx(errors[rows].mean())
        assert value == pytest.approx(p.metric("accuracy", "m-1", filter=rows))
        assert view.label(result.predicates) in text and f"lift <b>{result.lift:.3g}x</b>" in text
    # the error source and the outputs are never used to describe a slice
    used = {c for r in view.results for c, _o, _v in r.predicates}
    assert not used & {"distill:correct@m-1", "output:output@m-1", "id"}

    saves = [b for b in root.select({"type": BUTTON}) if b.label == "Save"]
    assert len(saves) == len(view.results)
    _click(root, "Save")
    (name,) = saved
    stored = p.store.get_slice(name)
    result = next(r for r in view.results if view.label(r.predicates) == name)
    assert "confidence (m-1)" in text  # columns by their labels, not their keys
    assert p.mask(stored).sum() == result.size
    assert stored.description.startswith("Found by zenohub: ")
    assert name in slices.param.edit_slice.objects  # the slices panel shows it
    assert view.revision == 1
    # results of another model would mislead: they go when the model changes
    state.model = "m-2"
    assert view.results == [] and "Press “Find failing slices”" in _texts(root)


def test_search_and_saved_slice_keep_the_current_filter(state: ExploreState) -> None:
    p = state.proj
    assert state.set_column_filter("group", Predicate("group", "in", ["b", "c"]))
    view = Discover(state=state, min_support=0.05)
    assert view.run(), view.message
    assert f"Searched {state.count} instances" in view.note
    assert view.results
    assert view.save(0, name="found in b or c")
    rows = p.mask(p.store.get_slice("found in b or c"))
    in_filter = p.table["group"].isin(["b", "c"]).to_numpy()
    assert rows.sum() == view.results[0].size and not (rows & ~in_filter).any()
    # a second save of the same result gets its own name
    assert view.save(0) and view.save(0)
    names = {sl.name for sl in p.store.slices()}
    rule = view.label(view.results[0].predicates)
    assert {rule, f"{rule} (2)"} <= names


def test_worse_than_the_compare_model(state: ExploreState) -> None:
    view = Discover(state=state, mode=WORSE)
    root = pn.panel(view).get_root()
    assert not view.run() and view.message == "Choose a model to compare with first."
    assert "Choose a model to compare with first." in _texts(root)
    state.compare_model = "m-2"
    assert view.run(), view.message
    a = 1 - state.proj.table["distill:correct@m-1"].to_numpy(dtype=float)
    b = 1 - state.proj.table["distill:correct@m-2"].to_numpy(dtype=float)
    for r in view.results:
        rows = r.mask(state.proj.table)
        assert r.error_rate == pytest.approx(a[rows].mean())
        assert r.baseline_error_rate == pytest.approx(b[rows].mean())
        assert r.error_rate > r.baseline_error_rate
    if view.results:
        assert f"error {view.results[0].error_rate:.3g} vs" in _texts(root)
    view.mode = FAILING
    assert view.run() and all(r.baseline_error_rate is None for r in view.results)


def test_lasso_selection_is_described_and_saves_as_ids_or_rule(state: ExploreState) -> None:
    p = state.proj
    view = Discover(state=state)
    root = pn.panel(view).get_root()
    assert "Lasso instances" in _texts(root)
    region = (p.table["group"] == "a").to_numpy() & (p.table["x"].to_numpy() > 2)
    ids = p.table[p.id_column].astype(str)[region].tolist()
    state.lasso_ids = ids
    d = view.description
    assert d is not None and d.selected == len(ids)
    assert {c for c, _o, _v in d.predicates} >= {"group"}
    assert d.precision >= 0.9 and d.recall >= 0.9
    text = _texts(root)
    assert view.label(d.predicates) in text and f"precision <b>{d.precision:.2f}</b>" in text

    view.selection_name = "lassoed"
    _click(root, "Save ids as slice")
    lassoed = p.store.get_slice("lassoed")
    assert lassoed.filter is None and set(lassoed.ids or []) == set(ids)
    _click(root, "Save rule as slice")
    rule = p.store.get_slice(view.label(d.predicates))
    assert rule.ids is None and np.array_equal(p.mask(rule), d.mask(p.table))
    state.lasso_ids = None
    assert view.description is None and "Lasso instances" in _texts(root)


def test_metric_without_per_instance_share_uses_output_vs_label(state: ExploreState) -> None:
    p = state.proj
    median = instance_errors(p, "median_confidence", "m-1")
    wrong = (p.table["output:output@m-1"].astype(str) != p.table["label"].astype(str)).to_numpy()
    assert np.array_equal(median.values, wrong.astype(float))
    assert "output differs from label" in median.how and median.source is None
    accuracy = instance_errors(p, "accuracy", "m-1")
    error_rate = instance_errors(p, "error_rate", "m-1")
    assert np.array_equal(accuracy.values, error_rate.values)
    assert np.array_equal(accuracy.values, wrong.astype(float))
    state.metric = "median_confidence"
    view = Discover(state=state)
    assert view.run() and "output differs from label" in view.note


def test_not_editable_project_cannot_save(tmp_path: Path, toy_processed: Project) -> None:
    config = copy_project(TOY, tmp_path / "toy") / "config.toml"
    config.write_text(config.read_text() + "editable = false\n")
    project = Project.from_config(config)
    project.process()
    view = Discover(state=ExploreState(project))
    root = pn.panel(view).get_root()
    _click(root, "Find failing slices")
    saves = [b for b in root.select({"type": BUTTON}) if b.label == "Save"]
    assert saves and all(b.disabled for b in saves)


def test_unique_names() -> None:
    assert unique_name("a", set()) == "a"
    assert unique_name("a", {"a", "a (2)"}) == "a (3)"
    assert len(unique_name("x" * 200, set())) == 80
