"""The hub without a server: a registry folder, a store folder, installs into a project."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TOY, copy_project
from tests.hub.conftest import MEAN_X, X_CUBED, write_function
from zenohub import Project
from zenohub.hub import (
    AuthError,
    ConflictError,
    FolderRegistry,
    HubError,
    HubNotFoundError,
    HubStore,
    IntegrityError,
    TooLargeError,
    bundled_registry,
    install,
    installed,
    open_hub,
    open_store,
    search,
    show,
    uninstall,
    verify,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh toy project's config (processed sequentially, no counters)."""
    return copy_project(TOY, tmp_path / "toy") / "config.toml"


def test_folder_registry_search_and_show(registry: Path, tmp_path: Path) -> None:
    hub = FolderRegistry(registry)
    assert [e["name"] for e in hub.search()] == ["mean_x", "negate", "trap", "x_cubed"]
    assert [e["name"] for e in search("cube", hub=registry)] == ["x_cubed"]
    assert [e["name"] for e in search(kind="transform", hub=registry)] == ["negate"]
    assert [e["name"] for e in search(data_type="image", hub=registry)] == ["trap"]
    assert [e["name"] for e in search(tag="math", hub=registry)] == ["x_cubed"]
    page = show("x_cubed", hub=registry)
    assert page["version"] == "1.0.0"
    assert [v["version"] for v in page["versions"]] == ["1.0.0", "0.9.0"]
    assert page["docs"].startswith("The cube of the data column.")
    assert page["source_text"] == X_CUBED
    assert show("x_cubed@0.9.0", hub=registry)["summary"] == "old"
    with pytest.raises(HubNotFoundError, match=r"has no version 2.0.0; versions: 1.0.0, 0.9.0"):
        show("x_cubed@2.0.0", hub=registry)
    with pytest.raises(HubNotFoundError, match=r"No function named 'nope'"):
        show("nope", hub=registry)


def test_browsing_never_imports_published_code(registry: Path, tmp_path: Path) -> None:
    marker = tmp_path / "imported.marker"
    hub = FolderRegistry(registry)
    assert [e["name"] for e in hub.search("blur")] == ["trap"]
    page = hub.show("trap")
    assert "raise RuntimeError" in page["source_text"]
    assert page["docs"] == "Looks harmless <script>alert(1)</script>."
    store = open_store(registry)  # seeding the store parses too
    assert store.show("trap")["kind"] == "distill"
    assert not marker.exists()


def test_tampered_registry_source_is_refused(registry: Path) -> None:
    (registry / "mean_x" / "1.0.0" / "mean_x.py").write_text(MEAN_X + "\nimport os\n")
    with pytest.raises(IntegrityError, match=r"mean_x 1.0.0 .* does not match its SHA-256"):
        FolderRegistry(registry).show("mean_x")


def test_symlink_out_of_the_registry_is_refused(registry: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(MEAN_X)
    src = registry / "mean_x" / "1.0.0" / "mean_x.py"
    src.unlink()
    src.symlink_to(outside)
    with pytest.raises(HubError, match=r"points outside"):
        FolderRegistry(registry).fetch("mean_x")


def test_install_process_and_lock(registry: Path, project: Path) -> None:
    done = install("x_cubed", project, hub=registry)
    assert (done.version, done.requirements, done.changed) == ("1.0.0", ["numpy>=1.26"], True)
    root = project.parent
    assert (root / "hub_functions" / "x_cubed.py").read_text() == X_CUBED
    lock = json.loads((root / "zenohub.lock").read_text())["functions"]["x_cubed"]
    assert lock["version"] == "1.0.0" and lock["path"] == "hub_functions/x_cubed.py"
    assert lock["hub"] == str(registry.resolve()) and len(lock["sha256"]) == 64
    install("mean_x", project, hub=registry)
    assert [e.name for e in installed(project)] == ["mean_x", "x_cubed"]
    assert install("x_cubed", project, hub=registry).changed is False

    p = Project.from_config(project)
    p.process()
    col = p.table["distill:x_cubed"].to_numpy()
    np.testing.assert_allclose(col, p.table["x"].to_numpy() ** 3)
    assert p.metric("mean_x", "m-1") == pytest.approx(p.table["x"].mean())

    older = install("x_cubed@0.9.0", project, hub=registry)  # a pinned older version
    assert (older.version, older.previous) == ("0.9.0", "1.0.0")
    p = Project.from_config(project)
    p.process()
    np.testing.assert_allclose(p.table["distill:x_cubed"], p.table["x"] ** 2)

    uninstall("mean_x", project)
    assert [e.name for e in installed(project)] == ["x_cubed"]
    assert not (root / "hub_functions" / "mean_x.py").exists()


def test_tampered_install_is_refused_when_the_project_loads(registry: Path, project: Path) -> None:
    install("x_cubed", project, hub=registry)
    path = project.parent / "hub_functions" / "x_cubed.py"
    assert verify(project) == {}
    path.write_text(X_CUBED.replace("** 3", "** 4"))
    problems = verify(project)
    assert list(problems) == ["x_cubed"] and str(path) in problems["x_cubed"]
    with pytest.raises(IntegrityError, match=f"Refusing to load {path} differs"):
        Project.from_config(project).load()
    with pytest.raises(IntegrityError, match=r"edited after install; pass --force"):
        install("x_cubed", project, hub=registry)
    install("x_cubed", project, hub=registry, force=True)
    assert verify(project) == {} and path.read_text() == X_CUBED
    path.unlink()
    assert "is missing" in verify(project)["x_cubed"]


def test_a_pinned_version_whose_content_changed_is_refused(registry: Path, project: Path) -> None:
    install("x_cubed", project, hub=registry)
    lock_before = (project.parent / "zenohub.lock").read_text()
    folder = registry / "x_cubed" / "1.0.0"
    evil = X_CUBED.replace("** 3", "** 3 + 1").encode()
    (folder / "x_cubed.py").write_bytes(evil)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"] = hashlib.sha256(evil).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError, match=r"zenohub.lock pins .* the published version changed"):
        install("x_cubed@1.0.0", project, hub=registry, force=True)
    assert (project.parent / "zenohub.lock").read_text() == lock_before
    assert (project.parent / "hub_functions" / "x_cubed.py").read_text() == X_CUBED


def test_install_refuses_to_escape_the_project(registry: Path, project: Path, tmp_path: Path):
    with pytest.raises(HubError, match=r"'../x' is not allowed"):
        install("../x", project, hub=registry)
    with pytest.raises(HubError, match=r"is not allowed"):
        install("/etc/passwd", project, hub=registry)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project.parent / "hub_functions").symlink_to(elsewhere)
    with pytest.raises(IntegrityError, match=r"is a symbolic link"):
        install("x_cubed", project, hub=registry)
    assert list(elsewhere.iterdir()) == [] and not (project.parent / "zenohub.lock").exists()


def test_install_refuses_a_name_the_project_already_has(registry: Path, project: Path) -> None:
    write_function(registry, "x_squared", "1.0.0", X_CUBED.replace("x_cubed", "x_squared"))
    with pytest.raises(
        HubError, match=r"already has a function named 'x_squared' in .*toy_functions"
    ):
        install("x_squared", project, hub=registry)


def test_a_lock_pointing_outside_the_project_is_refused(registry: Path, project: Path) -> None:
    install("x_cubed", project, hub=registry)
    lock_file = project.parent / "zenohub.lock"
    data = json.loads(lock_file.read_text())
    data["functions"]["x_cubed"]["path"] = "../../evil.py"
    lock_file.write_text(json.dumps(data))
    with pytest.raises(IntegrityError, match=r"expected hub_functions/x_cubed.py"):
        Project.from_config(project).load()


def test_store_publish_rules(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "data", max_source_bytes=2000)
    alice, bob = store.create_token("alice"), store.create_token("bob")
    fields = {"name": "mean_x", "version": "1.0.0"}
    entry, created = store.publish(MEAN_X.encode(), fields, alice)
    assert created and entry["owner"] == "alice" and entry["author"] == "alice"
    assert store.publish(MEAN_X.encode(), fields, alice)[1] is False  # idempotent
    before = (store._entries(), sorted((tmp_path / "data" / "blobs").rglob("*")))
    with pytest.raises(ConflictError, match=r"already published with other content"):
        store.publish((MEAN_X + "# changed\n").encode(), fields, alice)
    with pytest.raises(AuthError, match=r"belongs to alice"):
        store.publish(MEAN_X.encode(), {**fields, "version": "1.0.1"}, bob)
    with pytest.raises(AuthError, match=r"Unknown token"):
        store.publish(MEAN_X.encode(), {**fields, "version": "1.0.1"}, "zh_wrong")
    with pytest.raises(TooLargeError, match=r"at most 2000"):
        store.publish((MEAN_X + "#" * 3000).encode(), {**fields, "version": "1.0.1"}, alice)
    assert (store._entries(), sorted((tmp_path / "data" / "blobs").rglob("*"))) == before
    with sqlite3.connect(store.db_path) as db:
        tokens = db.execute("SELECT * FROM tokens").fetchall()
    assert len(tokens) == 2 and alice not in str(tokens) and bob not in str(tokens)


def test_yank_hides_from_search_but_pinned_install_works(tmp_path: Path, project: Path) -> None:
    store = HubStore(tmp_path / "data")
    alice = store.create_token("alice")
    store.publish(MEAN_X.encode(), {"name": "mean_x", "version": "1.0.0"}, alice)
    store.publish(MEAN_X.encode(), {"name": "mean_x", "version": "1.1.0"}, alice)
    store.yank("mean_x", "1.1.0", alice)
    assert [(e["name"], e["version"]) for e in store.search("mean")] == [("mean_x", "1.0.0")]
    with pytest.raises(AuthError, match=r"only its owner"):
        store.yank("mean_x", "1.0.0", store.create_token("bob"))
    hub = open_hub(tmp_path / "data")
    assert isinstance(hub, HubStore)
    assert install("mean_x", project, hub=hub).version == "1.0.0"
    assert install("mean_x@1.1.0", project, hub=hub).version == "1.1.0"
    store.yank("mean_x", "1.0.0", alice)
    assert store.search("mean") == []
    with pytest.raises(HubNotFoundError, match=r"Every version of 'mean_x' is yanked"):
        store.entry("mean_x")


def test_concurrent_publishes_in_one_store_one_wins(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "data")
    token = store.create_token("alice")
    results: list[str] = []
    barrier = threading.Barrier(8)

    def publish(i: int) -> None:
        barrier.wait()
        try:
            store.publish(
                f"{MEAN_X}# variant {i}\n".encode(), {"name": "mean_x", "version": "1.0.0"}, token
            )
            results.append("won")
        except ConflictError:
            results.append("refused")

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 7 + ["won"]
    assert len(list((tmp_path / "data" / "blobs").rglob("*/*"))) == 1


def test_bundled_store_data_goes_to_a_writable_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ZENOHUB_HUB_DATA", str(tmp_path / "hubdata"))
    store = open_store()
    assert store.root == tmp_path / "hubdata" and (store.root / "hub.db").exists()
    assert not (bundled_registry() / "hub.db").exists()
