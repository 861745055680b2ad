"""Text search, the table view and compare-mode sorting: values, rows and the Bokeh models."""

from __future__ import annotations

import math
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import panel as pn
import pytest
from panel.models.tabulator import DataTabulator

from zenohub import Project
from zenohub.errors import FilterError
from zenohub.filters import Predicate
from zenohub.state import DIFFERENCE, ExploreState, difference_sort_key, output_difference
from zenohub.ui.explore import InstanceGrid
from zenohub.ui.search import TextSearch, build_predicate
from zenohub.ui.table import InstanceTable

TOY = Path(__file__).resolve().parents[1] / "projects" / "toy"

TEXTS = [
    "The quick brown fox",
    "<script>window.__xss = 1</script>hello",
    "A lazy dog sleeps",
    "Foxes are quick",
    "hello world",
    "nothing here",
]

FUNCTIONS = """
import numpy as np
from zenohub import ModelReturn, distill, model


@model
def load_model(name):
    def predict(df, ops):
        return ModelReturn(model_output=(df[ops.data_column].str.len() % 2).to_numpy())

    return predict


@distill
def length(df, ops):
    return df[ops.data_column].str.len().to_numpy()
"""


def make_text_project(folder: Path) -> Path:
    """A tiny text-classification project (one script-laden row); returns its config path."""
    (folder / "functions").mkdir(parents=True)
    (folder / "functions" / "text_functions.py").write_text(FUNCTIONS)
    pd.DataFrame(
        {"id": [f"t{i}" for i in range(len(TEXTS))], "text": TEXTS, "label": [1, 0, 1, 0, 1, 0]}
    ).to_csv(folder / "data.csv", index=False)
    config = folder / "config.toml"
    config.write_text(
        'metadata = "data.csv"\nfunctions = "functions/"\nmodels = ["len"]\nid_column = "id"\n'
        'data_column = "text"\nlabel_column = "label"\nview = "text-classification"\n'
        "multiprocessing = false\n"
    )
    return config


def toy_outputs(k: int) -> pd.Series:
    data = pd.read_csv(TOY / "data.csv")
    return pd.Series(np.round(data["x"].to_numpy() * k).astype(int) % 3)


@pytest.fixture
def compare_state(toy_processed: Project) -> ExploreState:
    state = ExploreState(toy_processed)
    state.compare_model = "m-2"
    return state


@pytest.fixture(scope="module")
def text_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project.from_config(make_text_project(tmp_path_factory.mktemp("text") / "text"))
    project.process()
    return project


def _tabulator_data(viewable: object) -> dict[str, list]:
    root = pn.panel(viewable).get_root()
    (model,) = root.select({"type": DataTabulator})
    return {k: list(v) for k, v in model.source.data.items()}


# --- pure functions ------------------------------------------------------------------------------
def test_numeric_difference_is_b_minus_a_and_missing_propagates() -> None:
    diff = output_difference(pd.Series([1.0, 2.0, np.nan]), pd.Series([1.5, 2.0, 3.0]), True)
    assert diff[:2].tolist() == [0.5, 0.0] and math.isnan(diff[2])


def test_categorical_difference_says_changed_or_unchanged() -> None:
    a = pd.Series(["cat", "dog", None, "x"])
    b = pd.Series(["cat", "cow", None, None])
    assert output_difference(a, b, False).tolist() == [
        "unchanged",
        "changed",
        "unchanged",
        "changed",
    ]


def test_sort_key_puts_most_different_first_and_missing_last() -> None:
    a = pd.Series([0.0, 0.0, 0.0, np.nan])
    b = pd.Series([1.0, -3.0, 0.0, 1.0])
    assert np.argsort(difference_sort_key(a, b, True), kind="stable").tolist() == [1, 0, 2, 3]
    key = difference_sort_key(pd.Series([1, 2, 3]), pd.Series([1, 0, 3]), False)
    assert key.tolist() == [1.0, 0.0, 1.0]


def test_build_predicate_uses_regex_or_contains_with_the_flags() -> None:
    assert build_predicate("text", "") is None
    p = build_predicate("text", "fox", whole_word=True, negate=True)
    assert p == Predicate("text", "contains", "fox", whole_word=True, negate=True)
    assert build_predicate("text", "fo+", regex=True, case_sensitive=True) == Predicate(
        "text", "regex", "fo+", case_sensitive=True
    )
    with pytest.raises(FilterError):
        build_predicate("text", "(", regex=True)


# --- state ---------------------------------------------------------------------------------------
def test_sort_by_difference_puts_every_changed_row_first(compare_state: ExploreState) -> None:
    changed = (toy_outputs(1) != toy_outputs(2)).to_numpy()
    compare_state.sort_by = DIFFERENCE
    rows = compare_state.visible()
    n = int(changed.sum())
    assert 0 < n < len(rows)
    assert changed[rows[:n]].all() and not changed[rows[n:]].any()
    assert rows[:n].tolist() == np.flatnonzero(changed).tolist()  # stable within a group
    compare_state.ascending = False
    assert not changed[compare_state.visible()[: len(rows) - n]].any()


def test_page_table_of_a_filtered_compare_state(compare_state: ExploreState) -> None:
    data = pd.read_csv(TOY / "data.csv")
    compare_state.set_column_filter("group", Predicate("group", "==", "b"))
    frame = compare_state.page_table()
    expected = data.index[data["group"] == "b"][:24]
    assert frame["id"].tolist() == data.loc[expected, "id"].tolist()
    assert list(frame.columns) == [
        "id",
        "label",
        "x",
        "output (m-1)",
        "output (m-2)",
        DIFFERENCE,
    ]
    changed = toy_outputs(1)[expected] != toy_outputs(2)[expected]
    assert frame[DIFFERENCE].tolist() == ["changed" if c else "unchanged" for c in changed]
    assert frame["output (m-2)"].tolist() == toy_outputs(2)[expected].tolist()


def test_text_columns_and_matches(text_project: Project) -> None:
    state = ExploreState(text_project)
    assert state.text_columns() == ["text"]
    count, values = state.text_matches(Predicate("text", "regex", r"fox\w*"))
    assert (count, values) == (2, ["The quick brown fox", "Foxes are quick"])
    count, _ = state.text_matches(Predicate("text", "contains", "fox", negate=True))
    assert count == 4


def test_a_bad_regex_changes_nothing_and_says_why(text_project: Project) -> None:
    state = ExploreState(text_project)
    assert not state.set_column_filter("text", {"column": "text", "op": "regex", "value": "("})
    assert state.column_filters == {} and "regex" in state.message.lower()
    assert state.count == len(TEXTS)


# --- render --------------------------------------------------------------------------------------
def test_table_model_holds_only_the_page_with_the_difference(compare_state: ExploreState) -> None:
    compare_state.param.update(page_size=10, sort_by=DIFFERENCE)
    data = _tabulator_data(InstanceTable(state=compare_state))
    changed = (toy_outputs(1) != toy_outputs(2)).to_numpy()
    ids = pd.read_csv(TOY / "data.csv")["id"].to_numpy()
    assert data["id"] == ids[np.flatnonzero(changed)[:10]].tolist()
    assert data[DIFFERENCE] == ["changed"] * 10
    assert "output (m-1)" in data and "output (m-2)" in data


def test_table_header_sort_sorts_the_whole_filtered_set(compare_state: ExploreState) -> None:
    table = InstanceTable(state=compare_state)._table()
    table.sorters = [{"field": "x", "dir": "desc"}]
    assert (compare_state.sort_by, compare_state.ascending) == ("x", False)
    top = compare_state.page_table()["x"].tolist()
    assert top == sorted(pd.read_csv(TOY / "data.csv")["x"], reverse=True)[:24]
    table.sorters = [{"field": DIFFERENCE, "dir": "asc"}]
    assert compare_state.sort_by == DIFFERENCE


def test_grid_marks_matches_and_escapes_the_script(text_project: Project) -> None:
    state = ExploreState(text_project)
    assert state.set_column_filter("text", Predicate("text", "regex", "hel+o"))
    assert state.count == 2 and state.highlight()["highlight"] == "hel+o"
    root = pn.panel(InstanceGrid(state=state)).get_root()
    # Panel sends an HTML pane's markup escaped once more; unescape that layer
    markup = (str(m.text) for m in root.select({"type": pn.pane.HTML._bokeh_model}))
    html = " ".join(unescape(t) for t in markup)
    assert html.count("<mark>hello</mark>") == 2
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_search_preview_counts_and_marks_matches(text_project: Project) -> None:
    state = ExploreState(text_project)
    preview = TextSearch(state=state)._preview("text", "quick", False, False, False, False)
    text = preview.object
    assert "<b>2</b></span> matching" in text and text.count("<mark>quick</mark>") == 2
    bad = TextSearch(state=state)._preview("text", "(", False, False, True, False)
    assert "zh-search-error" in bad.object
    assert state.column_filters == {}
    pn.panel(TextSearch(state=state)).get_root()  # builds
