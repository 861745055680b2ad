"""The hub's Python API: ``search``, ``show``, ``install``, ``publish`` and friends.

``hub`` arguments take a URL, a folder or a :class:`~zenohub.hub.catalog.Catalog`; left out, the
project's ``hub`` setting, then ``$ZENOHUB_HUB``, then the bundled registry is used. Nothing here
imports published code: installing copies bytes whose SHA-256 was checked, and the project imports
them only after checking them again against ``zenohub.lock``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import Catalog
from .client import hub_label, open_hub
from .errors import HubError, IntegrityError
from .lock import (
    INSTALL_DIR,
    Locked,
    check_file,
    install_path,
    read_lock,
    write_lock,
)
from .lock import verify as verify_lock
from .manifest import (
    _decorated,
    check_requirement,
    extract_function,
    inspect_source,
    parse,
    sha256,
    split_spec,
)

if TYPE_CHECKING:
    from ..config import ProjectConfig

log = logging.getLogger(__name__)

HubLike = str | Path | Catalog | None


def search(
    query: str = "", *, kind: str = "", data_type: str = "", tag: str = "", hub: HubLike = None
) -> list[dict[str, Any]]:
    """Manifests of the newest non-yanked version of each matching function, best first."""
    return open_hub(hub).search(query, kind, data_type, tag)


def show(spec: str, *, hub: HubLike = None) -> dict[str, Any]:
    """``"name"`` or ``"name@version"``: manifest, ``docs``, ``source_text`` and ``versions``."""
    name, version = split_spec(spec)
    return open_hub(hub).show(name, version)


# --- projects ------------------------------------------------------------------------------------


def _config(project: Any) -> ProjectConfig:
    from ..config import ProjectConfig, load_config

    if isinstance(project, ProjectConfig):
        return project
    if hasattr(project, "config") and isinstance(project.config, ProjectConfig):
        return project.config
    return load_config(project)


def _project_hub(cfg: ProjectConfig, hub: HubLike) -> Catalog:
    if hub:  # given by the caller: a relative folder is relative to the working directory
        return open_hub(hub)
    return open_hub(cfg.hub or None, base=cfg.base_dir)


def _own_functions(cfg: ProjectConfig) -> dict[str, Path]:
    """Decorated function names in the project's own files (parsed), by name."""
    entries = cfg.functions if isinstance(cfg.functions, list) else [cfg.functions]
    found: dict[str, Path] = {}
    hub_dir = (Path(cfg.base_dir) / INSTALL_DIR).resolve()
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            continue
        p = Path(entry)
        files = sorted(p.glob("*.py")) if p.is_dir() else [p]
        for f in files:
            if f.name.startswith("_") or not f.is_file() or f.resolve().parent == hub_dir:
                continue
            try:
                tree = parse(f.read_bytes(), str(f))
            except HubError:
                continue
            found.update((node.name, f) for node, _ in _decorated(tree))
    return found


@dataclass
class Installed:
    """What :func:`install` did."""

    name: str
    version: str
    sha256: str
    path: Path
    hub: str
    kind: str
    requirements: list[str] = field(default_factory=list)
    changed: bool = True  #: False when this exact version was already installed
    previous: str | None = None  #: the version it replaced


def install(
    spec: str,
    project: Any,
    *,
    hub: HubLike = None,
    force: bool = False,
    install_requirements: bool = False,
) -> Installed:
    """Install ``name[@version]`` into a project (a config path, ProjectConfig or Project).

    The source goes to ``<project>/hub_functions/<name>.py`` and is pinned in ``zenohub.lock``;
    the next ``zenohub process`` computes its column. Requirements are returned (and printed by
    the CLI); pip runs only with ``install_requirements=True``.
    """
    name, version = split_spec(spec)
    cfg = _config(project)
    root = Path(cfg.base_dir)
    catalog = _project_hub(cfg, hub)
    entry, data = catalog.fetch(name, version)
    inspect_source(data, name, f"{name} {entry['version']}")  # it is what it claims to be
    lock = read_lock(root)
    path = install_path(root, name)
    old = lock.get(name)
    if old is not None and old.version == entry["version"] and old.sha256 != entry["sha256"]:
        raise IntegrityError(
            f"{catalog.label} serves {name} {old.version} with SHA-256 {entry['sha256']}, but "
            f"zenohub.lock pins {old.sha256}: the published version changed. Not installing."
        )
    if old is None:
        own = _own_functions(cfg).get(name)
        if own is not None:
            raise HubError(
                f"The project already has a function named '{name}' in {own}; rename it "
                "before installing the hub function of that name."
            )
        if path.exists() and not force:
            raise HubError(
                f"{path} exists but zenohub.lock does not list it; move it away or pass --force."
            )
    elif check_file(root, old) is None and (old.sha256, old.version) == (
        entry["sha256"],
        entry["version"],
    ):
        return Installed(
            name,
            old.version,
            old.sha256,
            path,
            old.hub,
            old.kind,
            list(old.requirements),
            changed=False,
        )
    elif path.exists() and check_file(root, old) is not None and not force:
        raise IntegrityError(
            f"{check_file(root, old)}. It was edited after install; pass --force to overwrite it."
        )
    path.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    if sha256(path.read_bytes()) != entry["sha256"]:
        path.unlink()
        raise IntegrityError(f"{path} changed while being written; install again.")
    locked = Locked(
        name=name,
        version=entry["version"],
        sha256=entry["sha256"],
        hub=hub_label(catalog),
        path=f"{INSTALL_DIR}/{name}.py",
        kind=entry["kind"],
        requirements=list(entry.get("requirements", [])),
    )
    lock[name] = locked
    write_lock(root, lock)
    log.info("installed %s %s into %s", name, entry["version"], path)
    if install_requirements and locked.requirements:
        pip_install(locked.requirements)
    return Installed(
        name,
        locked.version,
        locked.sha256,
        path,
        locked.hub,
        locked.kind,
        locked.requirements,
        previous=old.version if old else None,
    )


def pip_install(requirements: list[str]) -> None:
    """``python -m pip install REQUIREMENTS`` in this interpreter (only when the user asks)."""
    reqs = [check_requirement(r) for r in requirements]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", *reqs], capture_output=True, text=True
    )
    if proc.returncode:
        raise HubError(f"pip install {' '.join(reqs)} failed:\n{proc.stderr.strip()[-2000:]}")


def uninstall(name: str, project: Any) -> Locked:
    """Remove an installed hub function's file and lock entry."""
    cfg = _config(project)
    root = Path(cfg.base_dir)
    lock = read_lock(root)
    if name not in lock:
        raise HubError(f"'{name}' is not installed in {root} (see zenohub hub list).")
    install_path(root, name).unlink(missing_ok=True)
    removed = lock.pop(name)
    write_lock(root, lock)
    return removed


def installed(project: Any) -> list[Locked]:
    """The project's installed hub functions, as ``zenohub.lock`` records them."""
    return sorted(read_lock(_config(project).base_dir).values(), key=lambda e: e.name)


def verify(project: Any) -> dict[str, str]:
    """Problem per installed function whose file differs from the lock (empty: all good)."""
    return verify_lock(_config(project).base_dir)


# --- publishing ----------------------------------------------------------------------------------


def read_function(target: str) -> tuple[str, bytes]:
    """``"FILE.py::FUNC"`` -> (FUNC, the source to publish: FUNC and the module code it needs)."""
    file, sep, func = target.partition("::")
    if not sep or not func:
        raise HubError(f"Give the function as FILE.py::FUNCTION, got {target!r}.")
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise HubError(f"Cannot read {file}: {exc.strerror}.") from None
    return func, extract_function(text, func, file).encode("utf-8")


def publish(
    target: str,
    version: str,
    *,
    token: str | None = None,
    hub: HubLike = None,
    **fields: Any,
) -> tuple[dict[str, Any], bool]:
    """Publish ``"FILE.py::FUNC"`` as ``version``; returns (manifest, created).

    ``fields`` are manifest keys (summary, description, tags, data_types, author, license,
    requirements); summary and description default to the function's docstring. The token
    defaults to ``$ZENOHUB_HUB_TOKEN``.
    """
    name, source = read_function(target)
    token = token or os.environ.get("ZENOHUB_HUB_TOKEN", "")
    fields = {k: v for k, v in fields.items() if v not in (None, "", [], ())}
    fields.update(name=name, version=version, sha256=sha256(source))
    return open_hub(hub).publish(source, fields, token)


def yank(spec: str, *, token: str | None = None, hub: HubLike = None, undo: bool = False) -> dict:
    """Hide ``name@version`` from searches (``undo=True`` shows it again)."""
    name, version = split_spec(spec)
    if version is None:
        raise HubError(f"Yank a pinned version: {name}@VERSION.")
    token = token or os.environ.get("ZENOHUB_HUB_TOKEN", "")
    return open_hub(hub).yank(name, version, token, yanked=not undo)
