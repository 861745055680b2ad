"""Client and server over real HTTP on 127.0.0.1: ``zenohub hub serve`` in a subprocess."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TOY, copy_project
from tests.hub.conftest import MEAN_X, HubServer, zenohub
from zenohub import Project
from zenohub.hub import (
    AuthError,
    ConflictError,
    HubError,
    IntegrityError,
    RemoteHub,
    TooLargeError,
    show,
)

MY_FUNCTIONS = '''"""A colleague's functions file: only the published one travels."""

from zenohub import distill, metric

OFFSET = 10


def _shifted(values):
    return values + OFFSET


@distill
def x_plus_ten(df, ops):
    """x plus ten, through a helper.

    Tests that helpers and constants travel with the function.
    """
    return _shifted(df[ops.data_column]).to_numpy()


@metric
def unrelated(df, ops):
    """Not published."""
    return 0.0
'''


@pytest.fixture(scope="module")
def alice(hub_server: HubServer) -> str:
    return hub_server.token("alice")


def metric_source(name: str, extra: str = "") -> bytes:
    return (MEAN_X.replace("mean_x", name) + extra).encode()


def _raw(server: HubServer, method: str, path: str, body: bytes | None, token: str = "") -> tuple:
    req = urllib.request.Request(server.url + path, data=body, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_publish_search_show_install_process(hub_server: HubServer, alice: str, tmp_path: Path):
    file = tmp_path / "my_functions.py"
    file.write_text(MY_FUNCTIONS)
    out = zenohub(
        "hub",
        "publish",
        f"{file}::x_plus_ten",
        "--version",
        "1.0.0",
        "--token",
        alice,
        "--hub",
        hub_server.url,
        "--tag",
        "toy",
        "--data-type",
        "tabular",
        subprocess_=True,  # the real command line once
    )
    assert out.stdout.startswith("published: x_plus_ten 1.0.0 sha256 ")

    lines = zenohub("hub", "search", "ten", "--hub", hub_server.url).stdout.splitlines()
    assert lines == ["x_plus_ten\tx plus ten, through a helper.\t1.0.0\tdistill\ttabular\talice"]
    shown = zenohub("hub", "show", "x_plus_ten", "--hub", hub_server.url).stdout
    assert "Tests that helpers and constants travel with the function." in shown
    assert "OFFSET = 10" in shown and "def _shifted" in shown and "unrelated" not in shown

    project = copy_project(TOY, tmp_path / "toy") / "config.toml"
    out = zenohub(
        "hub", "install", "x_plus_ten", "--project", str(project), "--hub", hub_server.url
    )
    assert "installed x_plus_ten 1.0.0" in out.stdout
    lock = json.loads((project.parent / "zenohub.lock").read_text())["functions"]["x_plus_ten"]
    assert lock["hub"] == hub_server.url and lock["version"] == "1.0.0"
    assert zenohub("hub", "verify", "--project", str(project)).stdout.startswith("ok\tx_plus_ten")
    out = zenohub("process", str(project), "-q", "--executor", "sequential", subprocess_=True)
    assert "0 failed" in out.stdout
    p = Project.from_config(project)
    p.process()  # from the cache the command wrote
    assert p.report is not None and "distill x_plus_ten" in p.report.cached
    np.testing.assert_allclose(p.table["distill:x_plus_ten"], p.table["x"] + 10)


def test_every_refusal_has_its_message_and_changes_nothing(hub_server: HubServer, alice: str):
    hub = RemoteHub(hub_server.url)
    hub.publish(metric_source("mean_y"), {"name": "mean_y", "version": "1.0.0"}, alice)
    before = hub_server.snapshot()
    changed = metric_source("mean_y", "# changed\n")
    fields = {"name": "mean_y", "version": "1.0.0"}
    with pytest.raises(
        ConflictError, match=r"mean_y 1.0.0 is already published with other content"
    ):
        hub.publish(changed, fields, alice)
    with pytest.raises(IntegrityError, match=r"SHA-256 is .*, not 0{64} as its manifest says"):
        hub.publish(changed, {**fields, "version": "1.0.1", "sha256": "0" * 64}, alice)
    with pytest.raises(AuthError, match=r"Unknown token"):
        hub.publish(changed, {**fields, "version": "1.0.1"}, "zh_not-a-token")
    with pytest.raises(AuthError, match=r"belongs to alice"):
        hub.publish(changed, {**fields, "version": "1.0.1"}, hub_server.token("mallory"))
    with pytest.raises(TooLargeError, match=r"at most 20000"):
        hub.publish(metric_source("mean_y", "#" * 30000), {**fields, "version": "1.0.2"}, alice)
    status, err = _raw(
        hub_server,
        "PUT",
        "/api/v1/functions/big/1.0.0",
        json.dumps({"source": "#" * 200_000}).encode(),
        alice,
    )
    assert (status, err["type"]) == (413, "TooLargeError") and "at most 20000" in err["error"]
    for bad in ("..%2Fx", "%2Fetc%2Fpasswd", "Bad.Name"):
        body = json.dumps({"source": MEAN_X}).encode()
        status, err = _raw(hub_server, "PUT", f"/api/v1/functions/{bad}/1.0.0", body, alice)
        assert status == 400 and "is not allowed" in err["error"], (bad, err)
    with pytest.raises(HubError, match=r"'../x' is not allowed"):  # refused before sending
        show("../x", hub=hub_server.url)
    assert hub_server.snapshot() == before


def test_concurrent_publishes_of_one_new_version_one_wins(hub_server: HubServer, alice: str):
    hub = RemoteHub(hub_server.url)
    before_rows, _ = hub_server.snapshot()
    results: list[str] = []
    barrier = threading.Barrier(6)

    def one(i: int) -> None:
        barrier.wait()
        try:
            hub.publish(
                metric_source("race", f"# variant {i}\n"),
                {"name": "race", "version": "1.0.0"},
                alice,
            )
            results.append("won")
        except ConflictError as exc:
            assert "already published with other content" in str(exc)
            results.append("refused")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 5 + ["won"]
    rows, _ = hub_server.snapshot()
    assert [r for r in rows if r[0] == "race"] and len(rows) == len(before_rows) + 2


def test_yank_over_http(hub_server: HubServer, alice: str, tmp_path: Path) -> None:
    hub = RemoteHub(hub_server.url)
    for v in ("1.0.0", "1.1.0"):
        hub.publish(metric_source("yankable"), {"name": "yankable", "version": v}, alice)
    out = zenohub("hub", "yank", "yankable@1.1.0", "--token", alice, "--hub", hub_server.url)
    assert out.stdout.strip() == "yankable 1.1.0: yanked"
    assert [e["version"] for e in hub.search("yankable")] == ["1.0.0"]
    project = copy_project(TOY, tmp_path / "toy") / "config.toml"
    out = zenohub(
        "hub", "install", "yankable@1.1.0", "--project", str(project), "--hub", hub_server.url
    )
    assert "installed yankable 1.1.0" in out.stdout
    refused = zenohub(
        "hub", "yank", "yankable@1.0.0", "--token", "zh_nope", "--hub", hub_server.url, check=False
    )
    assert refused.returncode == 2 and "Unknown token" in refused.stderr


def test_tampered_blob_on_the_server_is_refused_on_download(
    hub_server: HubServer, alice: str, tmp_path: Path
) -> None:
    hub = RemoteHub(hub_server.url)
    entry, _ = hub.publish(
        metric_source("tampered"), {"name": "tampered", "version": "1.0.0"}, alice
    )
    blob = hub_server.registry / "blobs" / entry["sha256"][:2] / entry["sha256"]
    blob.write_bytes(metric_source("tampered", "import os; os.system('echo owned')\n"))
    with pytest.raises(IntegrityError, match=r"tampered 1.0.0 .* does not match its SHA-256"):
        hub.fetch("tampered")
    out = zenohub("hub", "show", "tampered", "--hub", hub_server.url, check=False)
    assert out.returncode == 2 and "does not match its SHA-256" in out.stderr
    project = copy_project(TOY, tmp_path / "toy") / "config.toml"
    out = zenohub(
        "hub",
        "install",
        "tampered",
        "--project",
        str(project),
        "--hub",
        hub_server.url,
        check=False,
    )
    assert out.returncode == 2 and "does not match its SHA-256" in out.stderr
    assert not (project.parent / "zenohub.lock").exists()
    assert not (project.parent / "hub_functions").exists()


def test_openapi_and_escaped_browse_pages(hub_server: HubServer) -> None:
    with urllib.request.urlopen(hub_server.url + "/openapi.json", timeout=30) as resp:
        spec = json.loads(resp.read())
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/functions/{name}/{version}/source" in spec["paths"]
    with urllib.request.urlopen(hub_server.url + "/functions/trap", timeout=30) as resp:
        page = resp.read().decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    with urllib.request.urlopen(hub_server.url + "/?q=cube", timeout=30) as resp:
        index = resp.read().decode()
    assert "x_cubed" in index and "mean_x" not in index
    marker = hub_server.registry.parent / "imported.marker"
    assert not marker.exists()  # browsing, searching and showing never imported trap.py


def test_remote_listing_has_every_version_of_every_function(hub_server: HubServer) -> None:
    hub = RemoteHub(hub_server.url)
    listed = {(e["name"], e["version"]) for e in hub._entries()}
    for f in hub.search():
        assert {(f["name"], v["version"]) for v in hub.versions(f["name"])} <= listed
    assert ("x_cubed", "1.0.0") in listed and ("x_cubed", "0.9.0") in listed
