"""A slice saved in the app survives a server restart with the same size and metric."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import Server

pytestmark = pytest.mark.browser

TOY = Path(__file__).resolve().parents[1] / "projects" / "toy"


def _slice_row(page, name: str) -> str:
    row = page.locator(".tabulator-row", has_text=name).first
    row.wait_for(timeout=30_000)
    return row.inner_text()


def test_saved_slice_survives_restart(tmp_path: Path, page, screenshot) -> None:
    shutil.copytree(TOY, tmp_path / "toy", ignore=shutil.ignore_patterns(".zenohub_cache"))
    config = tmp_path / "toy" / "config.toml"
    data = pd.read_csv(tmp_path / "toy" / "data.csv")
    server = Server(config)
    try:
        page.goto(server.url)
        page.locator(".zh-count").first.wait_for(timeout=60_000)
        group = page.locator(".zh-histogram", has_text="group").first.locator("canvas").first
        box = group.bounding_box()
        assert box is not None
        # bars a, b, c share the plot width after the y axis; a is the first
        page.mouse.click(box["x"] + 40 + (box["width"] - 40) / 6, box["y"] + box["height"] * 0.7)
        page.locator(".zh-chip button", has_text="group in {a}").first.wait_for(timeout=20_000)
        page.get_by_placeholder("slice name").first.fill("group a")
        page.get_by_role("button", name="Save slice").first.click()
        before = _slice_row(page, "group a")
    finally:
        server.stop()

    in_a = data["group"] == "a"
    accuracy = float(((data["x"]).round().astype(int) % 3 == data["label"])[in_a].mean())
    assert str(int(in_a.sum())) in before
    assert f"{accuracy:.4g}"[:4] in before

    restarted = Server(config)
    try:
        page.goto(restarted.url)
        page.locator(".zh-count").first.wait_for(timeout=60_000)
        assert _slice_row(page, "group a") == before
        screenshot(page, "slice-after-restart")
    finally:
        restarted.stop()
