"""A hub server's store: a SQLite index and content-addressed blobs in one data folder.

::

    DATA/hub.db                       names (owner), versions (manifest, sha256, yanked), tokens
    DATA/blobs/<sha[:2]>/<sha256>     source bytes, named by their SHA-256

Writes run in ``BEGIN IMMEDIATE`` transactions and ``(name, version)`` is the primary key, so of
two concurrent publishes of one new version exactly one is stored; a refused publish leaves the
index and the blobs as they were. Tokens are stored as their SHA-256 only (they are 256-bit
random strings, so a fast hash is enough). Functions imported from a registry folder (the seed)
belong to the owner ``(registry)``, which no token can have.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import Catalog, FolderRegistry
from .errors import AuthError, ConflictError, HubError, IntegrityError, TooLargeError
from .manifest import MAX_SOURCE_BYTES, build_manifest, check_name, check_version, sha256

log = logging.getLogger(__name__)

SEED_OWNER = "(registry)"
SCHEMA = """
CREATE TABLE IF NOT EXISTS names (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL REFERENCES names(name),
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    yanked INTEGER NOT NULL DEFAULT 0,
    publisher TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class HubStore(Catalog):
    """The hub's index and blobs in ``data_dir`` (created if missing)."""

    writable = True

    def __init__(self, data_dir: str | Path, max_source_bytes: int = MAX_SOURCE_BYTES) -> None:
        self.root = Path(data_dir)
        self.max_source_bytes = max_source_bytes
        self.label = f"hub {self.root}"
        try:
            (self.root / "blobs").mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise HubError(
                f"Cannot use {self.root} as the hub's data folder ({exc}); pass a writable "
                "folder with --data."
            ) from None

    @property
    def db_path(self) -> Path:
        return self.root / "hub.db"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- blobs -----------------------------------------------------------------------------------
    def blob_path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise IntegrityError(f"{digest!r} is not a SHA-256.")
        return self.root / "blobs" / digest[:2] / digest

    def _put_blob(self, data: bytes) -> Path | None:
        """Store ``data``; returns its path if this call created it (None if it existed)."""
        path = self.blob_path(sha256(data))
        if path.exists():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return path

    # --- the catalog primitives --------------------------------------------------------------
    _SELECT = (
        "SELECT v.manifest, v.yanked, n.owner, v.published_at FROM versions v "
        "JOIN names n ON n.name = v.name"
    )

    @staticmethod
    def _row(row: tuple[Any, ...]) -> dict[str, Any]:
        return {
            **json.loads(row[0]),
            "yanked": bool(row[1]),
            "owner": row[2],
            "published_at": row[3],
        }

    def _entries(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            return [self._row(r) for r in db.execute(self._SELECT)]

    def _versions(self, name: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            return [self._row(r) for r in db.execute(self._SELECT + " WHERE v.name = ?", (name,))]

    def _source(self, name: str, version: str) -> bytes:
        entry = self.entry(name, version)
        try:
            return self.blob_path(entry["sha256"]).read_bytes()
        except FileNotFoundError:
            raise IntegrityError(
                f"The blob of {name} {version} ({entry['sha256']}) is missing from {self.root}."
            ) from None

    # --- tokens ---------------------------------------------------------------------------------
    def create_token(self, user: str) -> str:
        """A new token for ``user``; only its SHA-256 is stored, so this is the one chance to
        see it."""
        check_name(user, "user name")
        token = "zh_" + secrets.token_urlsafe(32)
        with self._write() as db:
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?)", (sha256(token.encode()), user, _now())
            )
        return token

    def user(self, token: str | None) -> str:
        """The owner of ``token``."""
        if not token:
            raise AuthError("Publishing needs a token: pass --token (or $ZENOHUB_HUB_TOKEN).")
        with self._connect() as db:
            row = db.execute(
                "SELECT user FROM tokens WHERE token_sha256 = ?", (sha256(token.encode()),)
            ).fetchone()
        if row is None:
            raise AuthError(
                "Unknown token; ask the hub's admin for one (zenohub hub token create)."
            )
        return str(row[0])

    # --- writes ------------------------------------------------------------------------------
    def publish(
        self, source: bytes, fields: dict[str, Any], token: str
    ) -> tuple[dict[str, Any], bool]:
        """Store a new version; (entry, True), or (entry, False) if this exact content was
        already published as that version."""
        if len(source) > self.max_source_bytes:
            raise TooLargeError(
                f"The source is {len(source)} bytes; this hub accepts at most "
                f"{self.max_source_bytes}."
            )
        user = self.user(token)
        manifest = build_manifest(source, {"author": user, **fields})
        return self._insert(manifest, source, user)

    def _insert(
        self, manifest: dict[str, Any], source: bytes, owner: str
    ) -> tuple[dict[str, Any], bool]:
        name, version, digest = manifest["name"], manifest["version"], manifest["sha256"]
        created: Path | None = None
        try:
            with self._write() as db:
                row = db.execute("SELECT owner FROM names WHERE name = ?", (name,)).fetchone()
                if row is not None and row[0] != owner:
                    raise AuthError(
                        f"The name '{name}' belongs to {row[0]}; the token of {owner} may publish "
                        "only its own names. Choose another name."
                    )
                have = db.execute(
                    "SELECT sha256 FROM versions WHERE name = ? AND version = ?", (name, version)
                ).fetchone()
                if have is not None:
                    if have[0] == digest:
                        return self.entry(name, version), False
                    raise ConflictError(
                        f"{name} {version} is already published with other content "
                        f"(SHA-256 {have[0]}); published versions are immutable: publish it "
                        "as a new version."
                    )
                created = self._put_blob(source)
                now = _now()
                if row is None:
                    db.execute("INSERT INTO names VALUES (?, ?, ?)", (name, owner, now))
                db.execute(
                    "INSERT INTO versions VALUES (?, ?, ?, ?, 0, ?, ?)",
                    (name, version, digest, json.dumps(manifest, sort_keys=True), owner, now),
                )
        except sqlite3.IntegrityError:  # the primary key: another writer got there first
            if created is not None:
                created.unlink(missing_ok=True)
            raise ConflictError(f"{name} {version} was published concurrently.") from None
        except BaseException:
            if created is not None:
                created.unlink(missing_ok=True)
            raise
        log.info("published %s %s (%s) for %s", name, version, digest, owner)
        return self.entry(name, version), True

    def yank(self, name: str, version: str, token: str, yanked: bool = True) -> dict[str, Any]:
        """Hide (or, with ``yanked=False``, show again) a version in searches; pinned installs
        still get it."""
        user = self.user(token)
        check_name(name)
        check_version(version)
        self.entry(name, version)  # raises if missing
        with self._write() as db:
            owner = db.execute("SELECT owner FROM names WHERE name = ?", (name,)).fetchone()[0]
            if owner != user:
                raise AuthError(f"'{name}' belongs to {owner}; only its owner may yank it.")
            db.execute(
                "UPDATE versions SET yanked = ? WHERE name = ? AND version = ?",
                (int(yanked), name, version),
            )
        return self.entry(name, version)

    def seed(self, registry: FolderRegistry) -> int:
        """Import the versions of a registry folder this store lacks; returns how many."""
        added = 0
        for e in registry._entries():
            name, version = e["name"], e["version"]
            try:
                _, source = registry.fetch(name, version)
                fields = {k: v for k, v in e.items() if k not in ("yanked", "owner")}
                manifest = build_manifest(source, fields, f"{registry.root}/{name}/{version}")
                added += self._insert(manifest, source, SEED_OWNER)[1]
            except HubError as exc:
                log.warning("not importing %s %s from %s: %s", name, version, registry.root, exc)
        return added


def default_data_dir() -> Path:
    """Where a hub serving the bundled (read-only) registry keeps its index, blobs and tokens:
    ``$ZENOHUB_HUB_DATA``, else ``$XDG_DATA_HOME/zenohub/hub`` (``~/.local/share/zenohub/hub``)."""
    env = os.environ.get("ZENOHUB_HUB_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "zenohub" / "hub"


def open_store(registry: str | Path | None = None, data: str | Path | None = None) -> HubStore:
    """The store a server for ``registry`` uses, seeded with the registry's function folders.

    The data folder is ``data`` if given; the registry folder itself (created if missing) for
    any registry but the bundled one; :func:`default_data_dir` for the bundled one (read-only).
    """
    from .catalog import bundled_registry

    reg = Path(registry).expanduser().resolve() if registry else bundled_registry()
    if data:
        folder = Path(data).expanduser()
    elif reg == bundled_registry():
        folder = default_data_dir()
    else:
        folder = reg
    if not reg.is_dir():
        if reg == bundled_registry() or data:
            raise HubError(f"Registry folder {reg} does not exist.")
        reg.mkdir(parents=True)  # a new, empty hub
    store = HubStore(folder)
    if any(reg.glob("*/*/manifest.json")):
        added = store.seed(FolderRegistry(reg))
        if added:
            log.info("imported %d function version(s) from %s", added, reg)
    return store
