"""Organising slices and building one from a predicate tree, in Chromium against a served app."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

TOP_LEVEL = "(top level)"


def _accuracy(data: pd.DataFrame, mask: pd.Series) -> float:
    d = data[mask]
    return float(((d["x"]).round().astype(int) % 3 == d["label"]).mean())


def _fill(page, css: str, text: str) -> None:
    box = page.locator(f"{css} input").first
    box.fill(text)
    box.press("Enter")


def _select(page, css: str, label: str) -> None:
    page.locator(f"{css} select").first.select_option(label=label)
    page.wait_for_timeout(300)  # let the server follow (option lists depend on it)


def _click(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_timeout(300)


def _table_order(page) -> list[str]:
    """Group headers and slice rows of the slices table, top to bottom."""
    return [
        t.strip()
        for t in page.locator(".zh-slices-table .tabulator-group, .zh-slices-table .tabulator-row")
        .filter(has_not=page.locator(".tabulator-headers"))
        .all_inner_texts()
    ]


def _group_of(page, name: str) -> str:
    """The folder whose group header comes last before the row of slice ``name``."""
    header = ""
    for text in _table_order(page):
        if text.startswith("▶") or "item" in text.split("\n")[0]:
            header = text
        elif text.split("\t")[0].split("\n")[0] == name or name in text.split("\n"):
            return header
    raise AssertionError(f"slice {name} is not in the table: {_table_order(page)}")


def test_folders_and_slices_are_created_renamed_moved_and_kept(
    toy_server, page, screenshot
) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.locator(".zh-count").first.wait_for(timeout=60_000)

    for folder in ("bt-first", "bt-second"):
        _fill(page, ".zh-folder_name", folder)
        _click(page, "New folder")
    _fill(page, ".zh-slice_name", "bt-slice")
    _select(page, ".zh-save_folder", "bt-first")
    _click(page, "Save slice")
    cell = page.locator(".zh-slices-table .tabulator-cell", has_text="bt-slice").first
    cell.wait_for(timeout=20_000)
    assert "bt-first" in _group_of(page, "bt-slice")

    _select(page, ".zh-edit_slice", "bt-slice")
    _fill(page, ".zh-new_name", "bt-renamed")
    _click(page, "Rename slice")
    page.locator(".tabulator-cell", has_text="bt-renamed").first.wait_for(timeout=20_000)
    assert page.locator(".tabulator-cell", has_text="bt-slice").count() == 0

    _select(page, ".zh-edit_slice", "bt-renamed")
    _select(page, ".zh-move_to", "bt-second")
    _click(page, "Move slice")
    page.wait_for_timeout(500)
    assert "bt-second" in _group_of(page, "bt-renamed")

    row = page.locator(".zh-slices-table .tabulator-row", has_text="bt-renamed").first
    cells = row.locator(".tabulator-cell").all_inner_texts()
    everything = pd.Series(True, index=data.index)
    assert "300" in cells
    assert f"{round(_accuracy(data, everything), 4):g}" in [c.strip() for c in cells]
    page.locator(".zh-slices-table").first.scroll_into_view_if_needed()
    screenshot(page, "slices")

    _select(page, ".zh-folder", "bt-second")
    _click(page, "Delete folder")
    page.wait_for_timeout(500)
    assert page.locator(".zh-slices-table .tabulator-group", has_text="bt-second").count() == 0
    assert TOP_LEVEL in _group_of(page, "bt-renamed")

    _fill(page, ".zh-folder_name", "bt-first")
    _click(page, "New folder")
    page.locator(".zh-slices-message", has_text="already exists").wait_for(timeout=10_000)


def _settled(page, locator) -> str:
    """The locator's text once it is not empty (panes are briefly empty while replaced)."""
    for _ in range(100):
        text = locator.inner_text().strip()
        if text:
            return text
        page.wait_for_timeout(100)
    return ""


def test_builder_previews_an_or_of_two_predicates(toy_server, page, screenshot) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.locator(".zh-count").first.wait_for(timeout=60_000)

    _select(page, ".zh-builder-column", "group")
    _select(page, ".zh-builder-op", "in")
    _fill(page, ".zh-builder-value", "a")
    _click(page, "Add condition")
    _select(page, ".zh-builder-combine", "or")
    _click(page, "Set join")
    _select(page, ".zh-builder-column", "x")
    _select(page, ".zh-builder-op", ">")
    _fill(page, ".zh-builder-value", "4")
    _click(page, "Add condition")

    expected = int(((data["group"] == "a") | (data["x"] > 4)).sum())
    count = page.locator(".zh-builder-count").first
    for _ in range(200):  # the count pane is replaced on every edit: wait for the new one
        if count.inner_text().strip() == str(expected):
            break
        page.wait_for_timeout(100)
    assert _settled(page, count) == str(expected)
    assert "root: OR" in page.locator(".zh-builder-tree").first.inner_text()

    _fill(page, ".zh-builder-value", "four")
    _click(page, "Add condition")
    page.locator(".zh-slices-message", has_text="not a number").wait_for(timeout=10_000)
    assert _settled(page, count) == str(expected)

    _fill(page, ".zh-builder-save_name", "bt-built")
    _click(page, "Save built slice")
    row = page.locator(".zh-slices-table .tabulator-row", has_text="bt-built").first
    row.wait_for(timeout=20_000)
    assert str(expected) in row.locator(".tabulator-cell").all_inner_texts()
    screenshot(page, "slices-builder")
