"""What every hub answers (search, show, fetch), and the read-only folder registry.

:class:`Catalog` implements the questions on top of three primitives a backend provides (its
entries, a name's versions, a version's source bytes); :class:`FolderRegistry` reads the bundled
``functions_registry/`` format (``<name>/<version>/{<name>.py, manifest.json}``) and
:class:`~zenohub.hub.store.HubStore` the server's SQLite index and blobs.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from .errors import HubError, HubNotFoundError, IntegrityError
from .manifest import (
    build_manifest,
    check_name,
    check_version,
    latest,
    rank,
    sha256,
    version_key,
)

log = logging.getLogger(__name__)

#: the bundled registry's location when not set by ``ZENOHUB_REGISTRY``
BUNDLED = Path(__file__).resolve().parents[2] / "functions_registry"


def bundled_registry() -> Path:
    """Folder of the bundled registry: ``ZENOHUB_REGISTRY`` or the repository's copy."""
    env = os.environ.get("ZENOHUB_REGISTRY")
    return Path(env).expanduser().resolve() if env else BUNDLED


def inside(root: Path, *parts: str) -> Path:
    """``root/parts`` after checking that it (symlinks resolved) stays inside ``root``."""
    path = root.joinpath(*parts)
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise HubError(f"{path} points outside {root}; refusing to follow it.")
    return path


class Catalog(ABC):
    """A hub's read side; subclasses provide ``_entries`` and ``_source`` (and may provide a
    faster ``_versions``)."""

    label = "hub"
    #: where publishes go; None for a read-only hub
    writable = False

    @abstractmethod
    def _entries(self) -> list[dict[str, Any]]:
        """Every version's manifest (with its ``yanked`` flag)."""

    def _versions(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self._entries() if e["name"] == name]

    @abstractmethod
    def _source(self, name: str, version: str) -> bytes:
        """The source bytes of one version."""

    # --- the questions ------------------------------------------------------------------------
    def search(
        self, query: str = "", kind: str = "", data_type: str = "", tag: str = ""
    ) -> list[dict[str, Any]]:
        """The newest non-yanked version of each function matching, best first."""
        live = [e for e in self._entries() if not e.get("yanked")]
        return rank(latest(live).values(), query, kind, data_type, tag)

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Every version of ``name`` (yanked ones too), newest first."""
        check_name(name)
        found = sorted(self._versions(name), key=lambda e: version_key(e["version"]), reverse=True)
        if not found:
            raise HubNotFoundError(f"No function named '{name}' on {self.label}.")
        return found

    def entry(self, name: str, version: str | None = None) -> dict[str, Any]:
        """The manifest of ``name@version`` (default: newest non-yanked version)."""
        versions = self.versions(name)
        if version is None:
            live = [e for e in versions if not e.get("yanked")]
            if not live:
                raise HubNotFoundError(
                    f"Every version of '{name}' is yanked; pin one explicitly "
                    f"({', '.join(e['version'] for e in versions)})."
                )
            return live[0]
        check_version(version)
        for e in versions:
            if e["version"] == version:
                return e
        raise HubNotFoundError(
            f"'{name}' has no version {version}; versions: "
            f"{', '.join(e['version'] for e in versions)}."
        )

    def fetch(self, name: str, version: str | None = None) -> tuple[dict[str, Any], bytes]:
        """(manifest, source bytes) of ``name@version``, the bytes checked against its SHA-256."""
        entry = self.entry(name, version)
        data = self._source(name, entry["version"])
        if sha256(data) != entry["sha256"]:
            raise IntegrityError(
                f"The source of {name} {entry['version']} on {self.label} does not match its "
                f"SHA-256 ({entry['sha256']}); it was tampered with or corrupted."
            )
        return entry, data

    def show(self, name: str, version: str | None = None) -> dict[str, Any]:
        """Manifest, docs (the docstring, parsed — never imported), source text and versions."""
        from .manifest import inspect_source

        entry, data = self.fetch(name, version)
        doc = inspect_source(data, name, f"{name}.py").docstring
        return {
            **entry,
            "docs": doc or entry.get("description"),
            "source_text": data.decode("utf-8"),
            "versions": [
                {k: e.get(k) for k in ("version", "yanked", "sha256", "published_at")}
                for e in self.versions(name)
            ],
        }

    # --- writes (a store overrides these) -----------------------------------------------------
    def publish(
        self, source: bytes, fields: dict[str, Any], token: str
    ) -> tuple[dict[str, Any], bool]:
        raise HubError(
            f"{self.label} is read-only; publish to a hub server (--hub http://HOST:PORT) "
            "or a hub data folder."
        )

    def yank(self, name: str, version: str, token: str, yanked: bool = True) -> dict[str, Any]:
        raise HubError(f"{self.label} is read-only.")


class FolderRegistry(Catalog):
    """A registry folder in the bundled format, read (never written) from disk."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise HubNotFoundError(f"Registry folder {self.root} does not exist.")
        self.label = f"registry {self.root}"
        self._cache: list[dict[str, Any]] | None = None

    def _entries(self) -> list[dict[str, Any]]:
        if self._cache is None:
            self._cache = self._scan()
        return self._cache

    def _scan(self) -> list[dict[str, Any]]:
        out = []
        for manifest in sorted(self.root.glob("*/*/manifest.json")):
            name, version = manifest.parent.parent.name, manifest.parent.name
            try:
                check_name(name)
                check_version(version)
                inside(self.root, name, version, "manifest.json")
                data = json.loads(manifest.read_text(encoding="utf-8"))
                if data.get("name") != name or data.get("version") != version:
                    raise HubError(f"{manifest} names {data.get('name')} {data.get('version')}")
                out.append({**data, "yanked": bool(data.get("yanked", False)), "owner": ""})
            except (HubError, OSError, ValueError) as exc:
                log.warning("skipping %s: %s", manifest, exc)
        return out

    def _source(self, name: str, version: str) -> bytes:
        path = inside(self.root, check_name(name), check_version(version), f"{name}.py")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise HubNotFoundError(f"Cannot read {path}: {exc.strerror}.") from None

    def write_index(self) -> Path:
        """Check every function version (manifest against source) and write ``index.json``."""
        functions = []
        for e in self._scan():
            source = self._source(e["name"], e["version"])
            fields = {k: v for k, v in e.items() if k not in ("yanked", "owner")}
            functions.append(build_manifest(source, fields, f"{e['name']}/{e['version']}"))
        functions.sort(key=lambda m: (m["name"], version_key(m["version"])))
        path = self.root / "index.json"
        path.write_text(json.dumps({"functions": functions}, indent=2) + "\n", encoding="utf-8")
        self._cache = None
        return path
