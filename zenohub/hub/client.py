"""Choosing a hub (bundled folder, local data folder, or a server URL) and talking to a server.

``open_hub(None)`` is the bundled registry, read from disk; ``open_hub("http://host:port")`` a
:class:`RemoteHub`; a folder path is a hub data folder (with ``hub.db``) or a registry folder.
Every hub answers the same :class:`~zenohub.hub.catalog.Catalog` questions.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from .catalog import Catalog, FolderRegistry, bundled_registry
from .errors import ERRORS, HubError, IntegrityError
from .manifest import check_name, check_version, sha256

#: seconds a request to a hub server may take
TIMEOUT = 60.0


def hub_label(hub: Catalog) -> str:
    """How the lock records where a function came from."""
    if isinstance(hub, RemoteHub):
        return hub.url
    root = getattr(hub, "root", None)
    if (
        isinstance(hub, FolderRegistry)
        and root is not None
        and root.resolve() == bundled_registry()
    ):
        return "bundled"
    return str(Path(root).resolve()) if root is not None else hub.label


def open_hub(hub: str | Path | Catalog | None = None, base: str | Path | None = None) -> Catalog:
    """The hub at ``hub``: a URL, a folder (relative to ``base``), or by default ``$ZENOHUB_HUB``
    or the bundled registry."""
    if isinstance(hub, Catalog):
        return hub
    spec = str(hub or os.environ.get("ZENOHUB_HUB", "") or "")
    if not spec or spec == "bundled":
        return FolderRegistry(bundled_registry())
    if spec.startswith(("http://", "https://")):
        return RemoteHub(spec)
    if "://" in spec:
        raise HubError(f"Hub {spec!r}: use an http:// or https:// URL, or a folder.")
    path = Path(spec).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    if (path / "hub.db").exists():
        from .store import HubStore

        return HubStore(path)
    return FolderRegistry(path)


class RemoteHub(Catalog):
    """A hub server reached over HTTP; errors come back as the server's own error classes."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.label = f"hub {self.url}"

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                return resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            try:
                err = json.loads(exc.read())
                cls = ERRORS.get(err.get("type"), HubError)
                message = err.get("error") or str(exc)
            except ValueError:
                cls, message = HubError, f"{exc.code} {exc.reason}"
            raise cls(f"{self.url}: {message}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HubError(f"Cannot reach the hub at {self.url}: {reason}.") from None

    def _get(self, path: str) -> Any:
        return json.loads(self._request("GET", path)[0])

    @staticmethod
    def _path(name: str, version: str | None = None, tail: str = "") -> str:
        p = f"/api/v1/functions/{quote(check_name(name))}"
        if version is not None:
            p += f"/{quote(version if version == 'latest' else check_version(version))}"
        return p + tail

    def search(
        self, query: str = "", kind: str = "", data_type: str = "", tag: str = ""
    ) -> list[dict[str, Any]]:
        q = {
            k: v
            for k, v in {"q": query, "kind": kind, "data_type": data_type, "tag": tag}.items()
            if v
        }
        return list(self._get("/api/v1/functions" + (f"?{urlencode(q)}" if q else ""))["functions"])

    def _entries(self) -> list[dict[str, Any]]:
        """Every version of every listed function (a request per name: the server answers
        searches itself, so only a full listing needs this)."""
        return [v for f in self.search() for v in self.versions(f["name"])]

    def versions(self, name: str) -> list[dict[str, Any]]:
        return list(self._get(self._path(name))["versions"])

    def entry(self, name: str, version: str | None = None) -> dict[str, Any]:
        page = self._get(self._path(name, version or "latest"))
        return {k: v for k, v in page.items() if k not in ("source_text", "docs", "versions")}

    def _source(self, name: str, version: str) -> bytes:
        data, headers = self._request("GET", self._path(name, version, "/source"))
        claimed = {k.lower(): v for k, v in headers.items()}.get("x-zenohub-sha256")
        if claimed and claimed != sha256(data):
            raise IntegrityError(
                f"{self.url}: the download of {name} {version} does not match its SHA-256."
            )
        return data

    def show(self, name: str, version: str | None = None) -> dict[str, Any]:
        page = dict(self._get(self._path(name, version or "latest")))
        if sha256(page["source_text"].encode("utf-8")) != page["sha256"]:
            raise IntegrityError(
                f"{self.url}: the source of {name} {page['version']} does not match its SHA-256."
            )
        return page

    def publish(
        self, source: bytes, fields: dict[str, Any], token: str
    ) -> tuple[dict[str, Any], bool]:
        fields = {**fields, "sha256": fields.get("sha256") or sha256(source)}
        name, version = fields.pop("name"), fields.pop("version")
        body = {"source": source.decode("utf-8"), "manifest": fields}
        data, _ = self._request("PUT", self._path(name, version), body, token)
        entry = json.loads(data)
        return entry, bool(entry.pop("created"))

    def yank(self, name: str, version: str, token: str, yanked: bool = True) -> dict[str, Any]:
        data, _ = self._request(
            "POST", self._path(name, version, "/yank"), {"yanked": yanked}, token
        )
        return dict(json.loads(data))
