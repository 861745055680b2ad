"""`panel serve apps/` with ZENOHUB_CONFIG serves the same app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser.conftest import free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_panel_serve_apps_folder(tmp_path: Path, page) -> None:
    shutil.copytree(
        ROOT / "tests" / "projects" / "toy",
        tmp_path / "toy",
        ignore=shutil.ignore_patterns(".zenohub_cache"),
    )
    port = free_port()
    env = {**os.environ, "ZENOHUB_CONFIG": str(tmp_path / "toy" / "config.toml")}
    log = (tmp_path / "panel.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "panel",
            "serve",
            str(ROOT / "apps"),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--allow-websocket-origin",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "panel.log").read_text()
                assert time.monotonic() < deadline, "panel serve did not start"
                time.sleep(0.3)
        page.goto(f"http://127.0.0.1:{port}/apps")
        page.locator(".zh-count").first.wait_for(timeout=90_000)
        assert page.locator(".zh-count").first.inner_text() == "300"
        assert "toy" in page.title()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
