"""The slices sidebar: grouping, the filter-tree builder's logic, and the rendered Bokeh models."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import panel as pn
import pytest

from tests.conftest import copy_project
from zenohub import Project
from zenohub.errors import FilterError
from zenohub.filters import (
    FilterGroup,
    Predicate,
    add_at,
    item_at,
    parse_value,
    path_label,
    remove_at,
    set_combine_at,
    tree_items,
    value_kind,
)
from zenohub.state import ExploreState
from zenohub.store import Folder, Slice
from zenohub.ui.slices import (
    BUILDER_KEY,
    TOP_LEVEL,
    SliceBuilder,
    SlicesPanel,
    group_by_folder,
    slice_table,
)

TOY = Path(__file__).resolve().parents[1] / "projects" / "toy"
A = Predicate("group", "in", ["a"])
X = Predicate("x", ">", 4)


@pytest.fixture
def state(tmp_path: Path, toy_processed: Project) -> ExploreState:
    project = Project.from_config(copy_project(TOY, tmp_path / "toy") / "config.toml")
    project.process()
    return ExploreState(project)


# --- pure logic ---------------------------------------------------------------------------------


def _slice(i: int, name: str, folder_id: int | None) -> Slice:
    now = datetime.now(UTC)
    return Slice(i, name, folder_id, {"combine": "and", "items": []}, None, "", now, now)


def test_group_by_folder_puts_top_level_first_and_keeps_empty_folders() -> None:
    now = datetime.now(UTC)
    folders = [Folder(1, "f1", now), Folder(2, "empty", now)]
    slices = [_slice(1, "in-f1", 1), _slice(2, "top", None), _slice(3, "orphan", 9)]
    groups = group_by_folder(folders, slices)
    assert [(f, [s.name for s in sl]) for f, sl in groups] == [
        (None, ["top", "orphan"]),
        ("f1", ["in-f1"]),
        ("empty", []),
    ]


def test_tree_editing_at_paths() -> None:
    tree = add_at(FilterGroup("and"), (), A)
    tree = add_at(tree, (), FilterGroup("and"))
    tree = add_at(tree, (1,), X)
    assert tree == FilterGroup("and", (A, FilterGroup("and", (X,))))
    assert item_at(tree, (1, 0)) == X
    tree = set_combine_at(tree, (1,), "or")
    assert item_at(tree, (1,)) == FilterGroup("or", (X,))
    assert remove_at(tree, (1, 0)) == FilterGroup("and", (A, FilterGroup("or")))
    assert remove_at(tree, (0,)) == FilterGroup("and", (FilterGroup("or", (X,)),))
    assert [p for p, _ in tree_items(tree)] == [(), (0,), (1,), (1, 0)]
    assert path_label((1, 0)) == "2.1" and path_label(()) == "root"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: add_at(t, (0,), X), "is a condition, not a group"),
        (lambda t: add_at(t, (5,), X), "no item at 6"),
        (lambda t: remove_at(t, ()), "cannot be removed"),
        (lambda t: set_combine_at(t, (0,), "or"), "is a condition"),
    ],
)
def test_bad_tree_edits_say_why(call, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        call(FilterGroup("and", (A,)))


@pytest.mark.parametrize(
    ("text", "op", "kind", "expected"),
    [
        ("4", ">", "number", 4),
        ("2.5", "==", "number", 2.5),
        ("a, b", "in", "text", ["a", "b"]),
        ("1,2,3", "not in", "number", [1, 2, 3]),
        ("5, 1", "between", "number", [1, 5]),
        ("1 and 2.5", "between", "number", [1, 2.5]),
        ("dog", "contains", "text", "dog"),
        ("", "is null", "number", None),
        ("true", "==", "bool", True),
        (" b ", "==", "text", "b"),
    ],
)
def test_parse_value_per_type(text: str, op: str, kind: str, expected: object) -> None:
    assert parse_value(text, op, kind) == expected


@pytest.mark.parametrize(
    ("text", "op", "kind", "message"),
    [
        ("abc", ">", "number", "'abc' is not a number"),
        ("1", "between", "number", "two values"),
        ("", "==", "text", "value is missing"),
        ("maybe", "==", "bool", "not true or false"),
        ("a,", "in", "text", "value is missing"),
        ("", "contains", "text", "needs some text"),
    ],
)
def test_parse_value_refuses_malformed_input(text: str, op: str, kind: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_value(text, op, kind)


def test_value_kind() -> None:
    assert value_kind(pd.Series([1.0])) == "number"
    assert value_kind(pd.Series([True])) == "bool"
    assert value_kind(pd.Series(["a"], dtype="category")) == "text"
    assert value_kind(pd.Series(pd.to_datetime(["2024-01-01"]))) == "datetime"


# --- the panel's actions --------------------------------------------------------------------------


def test_slice_table_sizes_and_metrics_by_folder(state: ExploreState) -> None:
    p = state.proj
    p.store.create_folder("f")
    p.store.create_slice("xs", filter=X.to_dict(), folder="f")
    p.store.create_slice("as", filter=A.to_dict())
    p.store.create_slice("picked", ids=["r001", "r002", "r003"])
    p.store.create_slice("gone", filter={"column": "nope", "op": ">", "value": 1})
    assert (state.model, state.metric) == ("m-1", "accuracy")
    frame = slice_table(state)
    assert list(frame["slice"]) == ["as", "picked", "gone", "xs"]
    assert list(frame["folder"]) == [TOP_LEVEL, TOP_LEVEL, TOP_LEVEL, "f"]
    x = p.table["x"].to_numpy() > 4
    assert frame["size"].iloc[3] == x.sum()
    assert frame["accuracy"].iloc[3] == round(p.metric("accuracy", "m-1", filter=x), 4)
    picked = p.table["id"].isin(["r001", "r002", "r003"]).to_numpy()
    assert frame["size"].iloc[1] == 3
    assert frame["accuracy"].iloc[1] == round(p.metric("accuracy", "m-1", filter=picked), 4)
    assert frame["size"].iloc[2] == 0 and np.isnan(frame["accuracy"].iloc[2])
    state.param.update(model="m-2", transform="shift")  # a transform: through Project.metric
    frame = slice_table(state)
    expected = p.metric("accuracy", "m-2", filter=x, transform="shift")
    assert frame["accuracy"].iloc[3] == round(expected, 4)


def test_panel_edits_slices_and_folders_through_the_store(state: ExploreState) -> None:
    store = state.proj.store
    panel = SlicesPanel(state=state)
    panel.folder_name = "f1"
    assert panel.create_folder() and panel.folder == "f1"
    panel.param.update(slice_name="s1", save_folder="f1")
    assert panel.save() and store.get_slice("s1").folder_id == store.get_folder("f1").id
    assert panel.param.edit_slice.objects == ["s1"]
    panel.param.update(edit_slice="s1", new_name="s2")
    assert panel.rename_slice() and [s.name for s in store.slices()] == ["s2"]
    panel.param.update(move_to=TOP_LEVEL)
    assert panel.move_slice() and store.get_slice("s2").folder_id is None
    panel.move_to = "f1"
    assert panel.move_slice()
    panel.param.update(folder="f1", folder_name="g1")
    assert panel.rename_folder() and [f.name for f in store.folders()] == ["g1"]
    assert panel.delete_folder() and store.folders() == []
    assert store.get_slice("s2").folder_id is None  # kept, at the top level
    assert panel.param.move_to.objects == [TOP_LEVEL]
    state.slice_names = ["s2"]
    assert panel.delete_slice() and store.slices() == []
    assert state.slice_names == []


def test_errors_are_shown_and_change_nothing(state: ExploreState) -> None:
    store = state.proj.store
    panel = SlicesPanel(state=state)
    panel.slice_name = "s"
    assert panel.save()
    revision = store.revision()
    panel.slice_name = "s"
    assert not panel.save() and "already exists" in panel.message
    panel.param.update(edit_slice="s", new_name=" ")
    assert not panel.rename_slice() and "non-empty" in panel.message
    panel.folder_name = ""
    assert not panel.create_folder() and "folder name" in panel.message
    assert store.revision() == revision and [s.name for s in store.slices()] == ["s"]
    panel.folder_name = "ok"
    assert panel.create_folder() and panel.message == ""


def test_another_sessions_change_shows_after_a_poll(state: ExploreState) -> None:
    panel = SlicesPanel(state=state)
    state.proj.store.create_folder("elsewhere")
    assert "elsewhere" not in panel.param.save_folder.objects
    panel.poll()
    assert "elsewhere" in panel.param.save_folder.objects


def test_builder_builds_previews_saves_and_applies(state: ExploreState) -> None:
    p = state.proj
    builder = SliceBuilder(state=state)
    builder.param.update(column="group")
    assert "contains" in builder.param.op.objects
    builder.param.update(op="in", value="a")
    assert builder.add_condition()
    builder.combine = "or"
    assert builder.set_combine()
    builder.param.update(column="x", op=">", value="4")
    assert builder.add_condition()
    expected = ((p.table["group"] == "a") | (p.table["x"] > 4)).to_numpy()
    assert builder.tree == FilterGroup("or", (A, X)) and builder.count == expected.sum()

    before = builder.tree
    builder.value = "four"
    assert not builder.add_condition() and "not a number" in builder.message
    builder.param.update(column="group", op="==", value="1")  # wrong type for the column
    assert builder.tree == before

    builder.save_name = "built"
    assert builder.save()
    assert np.array_equal(p.mask(p.store.get_slice("built")), expected)
    assert builder.apply() and state.count == expected.sum()
    assert BUILDER_KEY in state.column_filters

    builder.remove_item = next(t for t in builder.param.remove_item.objects if "x >" in t)
    assert builder.remove() and builder.tree == FilterGroup("or", (A,))


def test_editable_false_disables_editing(tmp_path: Path, toy_processed: Project) -> None:
    config = copy_project(TOY, tmp_path / "toy") / "config.toml"
    config.write_text("editable = false\n" + config.read_text())
    project = Project.from_config(config)
    project.process()
    root = pn.panel(SlicesPanel(state=ExploreState(project))).get_root()
    buttons = {b.label: b.disabled for b in root.select({"type": pn.widgets.Button._widget_type})}
    assert buttons["Save slice"] and buttons["Delete folder"] and buttons["Save built slice"]


# --- render -------------------------------------------------------------------------------------


def test_rendered_table_lists_slices_with_size_and_metric(state: ExploreState) -> None:
    p = state.proj
    p.store.create_folder("f")
    p.store.create_slice("big x", filter=X.to_dict(), folder="f")
    panel = SlicesPanel(state=state)
    root = pn.panel(panel).get_root()
    (table,) = [m for m in root.references() if type(m).__name__ == "DataTabulator"]
    data = table.source.data
    x = p.table["x"].to_numpy() > 4
    assert list(data["slice"]) == ["big x"] and list(data["size"]) == [x.sum()]
    assert list(data["folder"]) == ["f"]
    assert list(data["accuracy"]) == [round(p.metric("accuracy", "m-1", filter=x), 4)]

    builder = panel.builder
    builder.param.update(column="x", op=">", value="4")
    builder.add_condition()
    texts = [html.unescape(str(getattr(m, "text", ""))) for m in root.references()]
    assert any(f"<b class='zh-builder-count'>{x.sum()}</b>" in t for t in texts)


def test_editing_a_slice_sets_its_filter_to_the_current_one(state: ExploreState) -> None:
    from zenohub.filters import Predicate

    store = state.proj.store
    panel = SlicesPanel(state=state)
    panel.slice_name = "edited"
    assert panel.save() and state.proj.mask(store.get_slice("edited")).sum() == 300
    state.set_column_filter("group", Predicate("group", "in", ["b"]))
    panel.edit_slice = "edited"
    assert panel.update_filter()
    expected = int((state.proj.table["group"] == "b").sum())
    assert state.proj.mask(store.get_slice("edited")).sum() == expected
