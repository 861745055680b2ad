"""Browser tests: a real zenohub server process, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServerProcess, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class Server(ServerProcess):
    """`zenohub run CONFIG` in a subprocess, on a free port of 127.0.0.1."""

    def __init__(self, config: Path, *extra: str) -> None:
        port = free_port()
        super().__init__(
            [
                sys.executable,
                "-m",
                "zenohub.cli",
                "run",
                str(config),
                "-q",
                "--executor",
                "sequential",
                "--port",
                str(port),
                *extra,
            ],
            port,
            config.parent / f"server-{port}.log",
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


def serve_copy(src: Path, dst: Path) -> Server:
    """Copy a project (without its cache) to ``dst`` and serve it from there."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".zenohub_cache"))
    return Server(dst / "config.toml")


@pytest.fixture(scope="session")
def toy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve_copy(
        Path(__file__).resolve().parents[1] / "projects" / "toy",
        tmp_path_factory.mktemp("served") / "toy",
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def digits_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The digits demo, processed and served from a private copy."""
    server = serve_copy(
        Path(__file__).resolve().parents[2] / "examples" / "digits",
        tmp_path_factory.mktemp("served") / "digits",
    )
    yield server
    server.stop()


@pytest.fixture
def screenshot() -> object:
    """``screenshot(page, name)`` saves a full-page PNG under test-artifacts/ and returns it."""

    def shoot(page: object, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return shoot


def settled(page, read, polls: int = 5, every_ms: int = 200, tries: int = 150):  # type: ignore[no-untyped-def]
    """``read(page)`` once it has returned the same value ``polls`` times in a row: brushes
    update the page on every mouse move, so read the state after the last update arrived."""
    last, same = object(), 0
    for _ in range(tries):
        value = read(page)
        same = same + 1 if value == last else 0
        if same >= polls:
            return value
        last = value
        page.wait_for_timeout(every_ms)
    raise AssertionError(f"the page kept changing; last read {last!r}")
