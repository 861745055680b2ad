"""``zenohub.lock``: the hub functions a project installed, pinned by SHA-256.

Installed sources live in ``<project>/hub_functions/<name>.py`` (beside the config) and the lock,
``<project>/zenohub.lock`` (JSON), records for each: name, version, SHA-256, the hub it came from,
its path, kind and requirements. :func:`with_installed` is the hook the project calls when it loads
its functions: every locked file is checked against its SHA-256 first, and a file that differs is
refused with a message naming it, before anything imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import HubError, IntegrityError
from .manifest import check_name, check_version, sha256

LOCK_NAME = "zenohub.lock"
INSTALL_DIR = "hub_functions"
LOCK_VERSION = 1


@dataclass(frozen=True)
class Locked:
    """One installed function as the lock records it."""

    name: str
    version: str
    sha256: str
    hub: str
    path: str  #: relative to the project folder, with '/'
    kind: str = ""
    requirements: list[str] = field(default_factory=list)


def lock_path(project_dir: str | Path) -> Path:
    return Path(project_dir) / LOCK_NAME


def install_path(project_dir: str | Path, name: str) -> Path:
    """Where ``name`` is installed; refuses a name or a symlink that would leave the project."""
    root = Path(project_dir).resolve()
    folder = root / INSTALL_DIR
    path = folder / f"{check_name(name)}.py"
    for p in (folder, path):
        if p.is_symlink():
            raise IntegrityError(
                f"{p} is a symbolic link; zenohub installs hub functions only into real files "
                "inside the project. Remove the link."
            )
    if root not in path.resolve().parents:
        raise IntegrityError(f"{path} is outside the project folder {root}.")
    return path


def read_lock(project_dir: str | Path) -> dict[str, Locked]:
    """The lock's entries by name (empty when the project has no lock)."""
    path = lock_path(project_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {}
        for name, e in data["functions"].items():
            locked = Locked(**e)
            if locked.name != name:
                raise ValueError(f"entry {name!r} names {locked.name!r}")
            check_name(name)
            check_version(locked.version)
            entries[name] = locked
        return entries
    except (OSError, ValueError, KeyError, TypeError, AttributeError, HubError) as exc:
        raise HubError(
            f"{path} is not a valid zenohub lock ({exc}); restore it from version control or "
            "delete it and reinstall the hub functions."
        ) from None


def write_lock(project_dir: str | Path, entries: dict[str, Locked]) -> Path:
    """Write the lock atomically, entries sorted by name."""
    path = lock_path(project_dir)
    data = {
        "lock_version": LOCK_VERSION,
        "functions": {n: asdict(entries[n]) for n in sorted(entries)},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".zenohub.lock-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def check_file(project_dir: str | Path, locked: Locked) -> str | None:
    """Why the installed file of ``locked`` cannot be trusted, or None if it matches the lock."""
    try:
        path = install_path(project_dir, locked.name)
    except HubError as exc:
        return str(exc)
    if locked.path != f"{INSTALL_DIR}/{locked.name}.py":
        return (
            f"{lock_path(project_dir)}: '{locked.name}' has path {locked.path!r}; expected "
            f"{INSTALL_DIR}/{locked.name}.py"
        )
    if not path.is_file():
        return f"{path} is missing (installed hub function '{locked.name}' {locked.version})"
    digest = sha256(path.read_bytes())
    if digest != locked.sha256:
        return (
            f"{path} differs from the installed hub function '{locked.name}' {locked.version}: "
            f"its SHA-256 is {digest}, the lock pins {locked.sha256}"
        )
    return None


def verify(project_dir: str | Path) -> dict[str, str]:
    """Problem per name for every installed function that does not match the lock."""
    problems = {}
    for name, locked in read_lock(project_dir).items():
        problem = check_file(project_dir, locked)
        if problem:
            problems[name] = problem
    return problems


def installed_files(project_dir: str | Path) -> list[Path]:
    """The project's installed hub function files, each checked against the lock."""
    files = []
    for locked in read_lock(project_dir).values():
        problem = check_file(project_dir, locked)
        if problem:
            raise IntegrityError(
                f"Refusing to load {problem}. The file was changed after install: reinstall it "
                f"(zenohub hub install {locked.name}@{locked.version} --project CONFIG --force) "
                "or remove it from zenohub.lock."
            )
        files.append(install_path(project_dir, locked.name))
    return files


def with_installed(functions: Any, project_dir: str | Path) -> Any:
    """The project's ``functions`` setting plus its verified installed hub functions.

    Unchanged when the project has no lock; files the setting already names are not added twice.
    """
    files = installed_files(project_dir)
    if not files:
        return functions
    entries: list[Any] = (
        list(functions) if isinstance(functions, list) else ([functions] if functions else [])
    )
    covered: set[Path] = set()
    for entry in entries:
        if isinstance(entry, str):
            p = Path(entry).resolve()
            covered.update(p.glob("*.py") if p.is_dir() else [p])
    return entries + [str(f) for f in files if f.resolve() not in covered]
