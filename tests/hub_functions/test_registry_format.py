"""The bundled registry follows its format: folders, manifests, sources, hashes and index.

The format (functions_registry/README.md) is what the hub server and client read; a function
edited without rebuilding the index fails here with the command that fixes it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from zenohub.api import function_spec

from .conftest import REGISTRY, load_function

NAME = re.compile(r"^[a-z0-9_-]+$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
STRING_KEYS = ["name", "kind", "version", "summary", "description", "author", "license"]
STRING_KEYS += ["entry", "source", "sha256"]
LIST_KEYS = ["tags", "data_types", "requirements"]
DATA_TYPES = {"image", "text", "audio", "tabular", "any"}
KINDS = {"distill", "metric", "transform"}
#: top-level imports a registry source may use without declaring requirements
ALLOWED_IMPORTS = {"numpy", "pandas", "PIL", "scipy", "sklearn", "zenohub", "__future__"}
#: what issue 7 asks the registry to be seeded with
SEEDED = {
    "distill": [
        "brightness",
        "contrast",
        "entropy",
        "laplacian_blur",
        "colorfulness",
        "aspect_ratio",
        "text_length",
        "word_count",
        "readability",
        "non_ascii_share",
        "toxicity_lexicon_hits",
        "amplitude",
        "duration",
        "silence_ratio",
        "estimated_snr",
    ],
    "metric": [
        "accuracy",
        "macro_f1",
        "precision",
        "recall",
        "roc_auc",
        "expected_calibration_error",
        "wer",
        "cer",
        "mae",
    ],
    "transform": ["gaussian_noise", "brightness_shift", "rotation", "keyboard_typos", "audio_gain"],
}
FOLDERS = sorted(p for p in REGISTRY.glob("*/*") if p.is_dir() and p.parent.name != "__pycache__")


def build_index_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "zenohub_build_index", REGISTRY / "build_index.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_the_registry_holds_every_seeded_function() -> None:
    found: dict[str, list[str]] = {}
    for folder in FOLDERS:
        manifest = manifest_of(folder)
        found.setdefault(manifest["kind"], []).append(manifest["name"])
    for kind, names in SEEDED.items():
        assert sorted(found[kind]) == sorted(names), kind
    assert sum(map(len, found.values())) >= 22


def test_top_level_holds_only_function_folders_and_the_tooling() -> None:
    extra = {"README.md", "index.json", "build_index.py", "__pycache__"}
    for path in REGISTRY.iterdir():
        if path.name in extra:
            continue
        assert path.is_dir() and NAME.match(path.name), f"unexpected entry {path}"
        for version in path.iterdir():
            assert version.is_dir() and VERSION.match(version.name), f"unexpected entry {version}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_folder_follows_the_format(folder: Path) -> None:
    name, version = folder.parent.name, folder.name
    files = sorted(p.name for p in folder.iterdir() if p.name != "__pycache__")
    assert files == sorted([f"{name}.py", "manifest.json"])
    manifest = manifest_of(folder)
    assert list(manifest) == [
        "name",
        "kind",
        "version",
        "summary",
        "description",
        "tags",
        "data_types",
        "author",
        "license",
        "requirements",
        "entry",
        "source",
        "sha256",
    ]
    for key in STRING_KEYS:
        assert isinstance(manifest[key], str) and manifest[key].strip(), key
    for key in LIST_KEYS:
        assert isinstance(manifest[key], list), key
        assert all(isinstance(v, str) and v for v in manifest[key]), key
    assert manifest["name"] == manifest["entry"] == name and NAME.match(name)
    assert manifest["version"] == version
    assert manifest["kind"] in KINDS
    assert manifest["source"] == f"{name}.py"
    assert manifest["license"] == "BSD-3-Clause"
    assert "\n" not in manifest["summary"] and len(manifest["summary"]) <= 100
    assert len(manifest["description"]) > 100
    assert manifest["tags"] and manifest["data_types"]
    assert set(manifest["data_types"]) <= DATA_TYPES
    source = folder / manifest["source"]
    assert manifest["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), (
        f"{source} changed: run python functions_registry/build_index.py"
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_source_defines_one_documented_function_of_the_declared_kind(folder: Path) -> None:
    manifest = manifest_of(folder)
    name = manifest["name"]
    tree = ast.parse((folder / manifest["source"]).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), "module docstring missing"
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module
            imported.add(node.module.split(".")[0])
    stdlib = set(sys.stdlib_module_names)
    assert imported <= ALLOWED_IMPORTS | stdlib, imported - ALLOWED_IMPORTS - stdlib
    public = [
        n
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not n.name.startswith("_")
    ]
    assert [n.name for n in public] == [name]
    (fn,) = public
    assert isinstance(fn, ast.FunctionDef)
    decorators = [d.func if isinstance(d, ast.Call) else d for d in fn.decorator_list]
    assert [d.id for d in decorators if isinstance(d, ast.Name)] == [manifest["kind"]]
    doc = ast.get_docstring(fn) or ""
    for section in ("Parameters", "Returns"):
        assert f"\n{section}\n" in doc, f"docstring of {name} lacks {section}"
    assert [a.arg for a in fn.args.args] == ["df", "ops"]
    # imported as a project loads it, the decorator declares the manifest's kind and name
    spec = function_spec(load_function(name, folder.name))
    assert spec is not None
    assert (spec.kind.value, spec.name) == (manifest["kind"], name)


def test_index_matches_the_manifests() -> None:
    problems = build_index_module().problems(REGISTRY)
    assert not problems, (
        "the registry index is out of date: run python functions_registry/build_index.py\n"
        + "\n".join(problems)
    )
    index = json.loads((REGISTRY / "index.json").read_text(encoding="utf-8"))
    manifests = [manifest_of(f) for f in FOLDERS]
    assert index["functions"] == sorted(manifests, key=lambda m: (m["name"], m["version"]))


def test_an_edit_without_rebuilding_is_caught_and_the_script_fixes_it(tmp_path: Path) -> None:
    copy = tmp_path / "registry"
    shutil.copytree(REGISTRY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    source = copy / "mae" / "1.0.0" / "mae.py"
    source.write_text(source.read_text() + "\n# a local edit\n")
    module = build_index_module()
    problems = module.problems(copy)
    assert problems == [
        "mae/1.0.0/manifest.json: sha256 does not match mae.py",
        "index.json does not match the manifests",
    ]
    assert module.main(["--check", "--root", str(copy)]) == 1
    written = module.build(copy)
    assert sorted(p.name for p in written) == ["index.json", "manifest.json"]
    assert module.problems(copy) == []
    new_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert json.loads((copy / "mae" / "1.0.0" / "manifest.json").read_text())["sha256"] == new_sha
    assert new_sha in (copy / "index.json").read_text()


def test_index_sorts_versions_numerically(tmp_path: Path) -> None:
    copy = tmp_path / "registry"
    shutil.copytree(REGISTRY / "mae", copy / "mae", ignore=shutil.ignore_patterns("__pycache__"))
    for version in ("1.10.0", "1.9.0"):
        folder = copy / "mae" / version
        shutil.copytree(copy / "mae" / "1.0.0", folder)
        manifest = manifest_of(folder)
        manifest["version"] = version
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    build_index_module().build(copy)
    index = json.loads((copy / "index.json").read_text())
    assert [m["version"] for m in index["functions"]] == ["1.0.0", "1.9.0", "1.10.0"]


def test_the_hub_reads_every_manifest_unchanged() -> None:
    """The hub's own validation (zenohub.hub) accepts each manifest as written, and its index
    writer produces the same index.json as build_index.py."""
    hub_manifest = pytest.importorskip("zenohub.hub.manifest")
    catalog = pytest.importorskip("zenohub.hub.catalog")
    for folder in FOLDERS:
        manifest = manifest_of(folder)
        source = (folder / manifest["source"]).read_bytes()
        assert hub_manifest.build_manifest(source, manifest, str(folder)) == manifest
    registry = catalog.FolderRegistry(REGISTRY)
    assert [e["name"] for e in registry.search("blur")][:1] == ["laplacian_blur"]
    entry, source = registry.fetch("wer")
    assert entry["kind"] == "metric" and b"def wer(" in source


def test_the_hub_index_writer_agrees_with_build_index(tmp_path: Path) -> None:
    catalog = pytest.importorskip("zenohub.hub.catalog")
    copy = tmp_path / "registry"
    shutil.copytree(REGISTRY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    catalog.FolderRegistry(copy).write_index()
    assert (copy / "index.json").read_bytes() == (REGISTRY / "index.json").read_bytes()
