"""The hub's HTTP server: a JSON API, its OpenAPI description, and escaped browse pages.

Standard library only (:class:`http.server.ThreadingHTTPServer`). Published code is never
imported here: pages and answers come from manifests and :mod:`ast`.
"""

from __future__ import annotations

import html
import json
import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .._version import __version__
from .errors import HubError, HubNotFoundError, TooLargeError
from .manifest import DATA_TYPES, KINDS
from .store import HubStore

log = logging.getLogger(__name__)

API = "/api/v1/functions"
#: request bodies beyond the source limit: room for the manifest and JSON escaping
BODY_OVERHEAD = 64 * 1024
#: oversized bodies up to this size are read and dropped; larger ones close the connection
DRAIN_LIMIT = 16 * 1024 * 1024
_NAME = r"[^/]+"  # checked by the store, so a bad name gets its message
_VERSION = r"[^/]+"
ROUTES = [
    ("GET", re.compile(rf"^{API}$"), "list"),
    ("GET", re.compile(rf"^{API}/(?P<name>{_NAME})$"), "versions"),
    ("GET", re.compile(rf"^{API}/(?P<name>{_NAME})/(?P<version>{_VERSION})$"), "get"),
    ("GET", re.compile(rf"^{API}/(?P<name>{_NAME})/(?P<version>{_VERSION})/source$"), "download"),
    ("PUT", re.compile(rf"^{API}/(?P<name>{_NAME})/(?P<version>{_VERSION})$"), "publish"),
    ("POST", re.compile(rf"^{API}/(?P<name>{_NAME})/(?P<version>{_VERSION})/yank$"), "yank"),
    ("GET", re.compile(r"^/openapi\.json$"), "openapi"),
    ("GET", re.compile(r"^/$"), "page_index"),
    ("GET", re.compile(rf"^/functions/(?P<name>{_NAME})(?:/(?P<version>{_VERSION}))?$"), "page"),
]


def openapi() -> dict[str, Any]:
    """The API's OpenAPI 3.1 description."""
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    version = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}
    err = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    query = [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
        for q in ("q", "kind", "data_type", "tag")
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "zenohub function hub", "version": __version__},
        "paths": {
            API: {
                "get": {
                    "summary": "Search (q, kind, data_type, tag); newest non-yanked "
                    "version of each function",
                    "parameters": query,
                    "responses": {"200": {"description": "{functions: [manifest]}"}},
                }
            },
            f"{API}/{{name}}": {
                "get": {
                    "summary": "Every version of a function",
                    "parameters": [name],
                    "responses": {"200": {"description": "{name, versions}"}, "404": err},
                }
            },
            f"{API}/{{name}}/{{version}}": {
                "get": {
                    "summary": "Manifest, docs and source text ('latest' for the newest)",
                    "parameters": [name, version],
                    "responses": {
                        "200": {"description": "manifest + docs + source_text"},
                        "404": err,
                    },
                },
                "put": {
                    "summary": "Publish (Authorization: Bearer TOKEN)",
                    "parameters": [name, version],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["source"],
                                    "properties": {
                                        "source": {"type": "string"},
                                        "manifest": {"type": "object"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        "201": {"description": "published"},
                        "200": {"description": "identical content already there"},
                        "400": err,
                        "403": err,
                        "409": err,
                        "413": err,
                        "422": err,
                    },
                },
            },
            f"{API}/{{name}}/{{version}}/source": {
                "get": {
                    "summary": "Source bytes; header X-Zenohub-SHA256 holds their hash",
                    "parameters": [name, version],
                    "responses": {"200": {"description": "text/x-python"}, "404": err},
                }
            },
            f"{API}/{{name}}/{{version}}/yank": {
                "post": {
                    "summary": "Yank ({yanked: true}) or restore ({yanked: false})",
                    "parameters": [name, version],
                    "responses": {"200": {"description": "manifest"}, "403": err},
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "type": {"type": "string"}},
                }
            }
        },
    }


# --- browse pages -------------------------------------------------------------------------------

CSS = (
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em}"
    "pre{background:#f6f8fa;padding:1em;overflow:auto}.meta{color:#555}"
    "td,th{padding:4px 8px;text-align:left;vertical-align:top}.yanked{color:#b00020}"
)


def _html(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    ).encode()


def _options(name: str, values: tuple[str, ...], chosen: str) -> str:
    opts = "".join(
        f"<option{' selected' if v == chosen else ''}>{html.escape(v)}</option>" for v in values
    )
    return f"<select name='{name}'><option value=''>any {name}</option>{opts}</select>"


def index_page(hub: HubStore, q: str, kind: str, data_type: str, tag: str) -> bytes:
    e = html.escape
    rows = "".join(
        f"<tr><td><a href='/functions/{quote(f['name'])}'>{e(f['name'])}</a></td>"
        f"<td>{e(f['summary'])}</td><td>{e(f['version'])}</td><td>{e(f['kind'])}</td>"
        f"<td>{e(', '.join(f['data_types']))}</td><td>{e(f['author'])}</td></tr>"
        for f in hub.search(q, kind, data_type, tag)
    )
    form = (
        f"<form method='get' action='/'><input name='q' value='{e(q)}' placeholder='search'>"
        f"{_options('kind', KINDS, kind)}{_options('data_type', DATA_TYPES, data_type)}"
        f"<input name='tag' value='{e(tag)}' placeholder='tag'><button>Search</button></form>"
    )
    return _html(
        "zenohub hub",
        f"<h1>zenohub hub</h1>{form}<table><tr><th>name</th><th>summary</th><th>version</th>"
        f"<th>kind</th><th>data types</th><th>author</th></tr>{rows}</table>"
        f"<p class='meta'>API: <a href='/openapi.json'>/openapi.json</a></p>",
    )


def function_page(hub: HubStore, name: str, version: str | None) -> bytes:
    e = html.escape
    f = hub.show(name, version)
    versions = "".join(
        f"<li><a href='/functions/{quote(name)}/{quote(v['version'])}'>{e(v['version'])}</a>"
        f"{' <span class=yanked>yanked</span>' if v['yanked'] else ''}</li>"
        for v in f["versions"]
    )
    reqs = ", ".join(f["requirements"]) or "none"
    return _html(
        f"{name} {f['version']}",
        f"<p><a href='/'>hub</a></p><h1>{e(name)} <small>{e(f['version'])}</small></h1>"
        f"<p class='meta'>{e(f['kind'])} · {e(', '.join(f['data_types']))} · by "
        f"{e(f['author'])} · {e(f['license'])} · tags {e(', '.join(f['tags']))}</p>"
        f"{'<p class=yanked>This version is yanked.</p>' if f['yanked'] else ''}"
        f"<p>{e(f['summary'])}</p><pre class='docs'>{e(f['docs'])}</pre>"
        f"<p>Requirements: {e(reqs)}</p><p>SHA-256: <code>{e(f['sha256'])}</code></p>"
        f"<p>Install: <code>zenohub hub install {e(name)}@{e(f['version'])} --project "
        f"CONFIG</code></p><h2>Source</h2><pre class='source'>{e(f['source_text'])}</pre>"
        f"<h2>Versions</h2><ul>{versions}</ul>",
    )


# --- the handler ---------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server_version = f"zenohub-hub/{__version__}"
    protocol_version = "HTTP/1.1"
    hub: HubStore  # set by make_server

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        for method, pattern, action in ROUTES:
            m = pattern.fullmatch(url.path)
            if m and method == self.command:
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                params = {k: unquote(v) for k, v in m.groupdict().items() if v is not None}
                try:
                    getattr(self, f"do_{action}")(query, **params)
                except HubError as exc:
                    if self.close_connection is not True and exc.status == 413:
                        self.close_connection = True
                    self._json(exc.status, {"error": str(exc), "type": type(exc).__name__})
                except Exception as exc:
                    log.exception("hub request %s %s failed", self.command, self.path)
                    self._json(
                        500, {"error": f"internal error: {type(exc).__name__}", "type": "HubError"}
                    )
                return
        self._json(
            404, {"error": f"No route {self.command} {url.path}", "type": "HubNotFoundError"}
        )

    do_GET = do_PUT = do_POST = _dispatch

    def _body(self) -> dict[str, Any]:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HubError("Send the request body with a Content-Length, not chunked.")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise HubError("The Content-Length header is not a number.") from None
        limit = self.hub.max_source_bytes + BODY_OVERHEAD
        if length > limit:
            if length <= DRAIN_LIMIT:  # read and drop it, so the client sees the answer
                while length > 0:
                    length -= len(self.rfile.read(min(length, 1 << 16)) or b"x" * length)
            else:
                self.close_connection = True
            raise TooLargeError(
                f"The request is {length} bytes; this hub accepts sources of at most "
                f"{self.hub.max_source_bytes} bytes."
            )
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            raise HubError("The request body is not JSON.") from None
        if not isinstance(data, dict):
            raise HubError("The request body must be a JSON object.")
        return data

    def _token(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else ""

    def _version(self, version: str) -> str | None:
        return None if version == "latest" else version

    # --- actions ---------------------------------------------------------------------------------
    def do_list(self, q: dict[str, str]) -> None:
        found = self.hub.search(
            q.get("q", ""), q.get("kind", ""), q.get("data_type", ""), q.get("tag", "")
        )
        self._json(200, {"functions": found})

    def do_versions(self, q: dict[str, str], name: str) -> None:
        self._json(200, {"name": name, "versions": self.hub.versions(name)})

    def do_get(self, q: dict[str, str], name: str, version: str) -> None:
        self._json(200, self.hub.show(name, self._version(version)))

    def do_download(self, q: dict[str, str], name: str, version: str) -> None:
        entry, data = self.hub.fetch(name, self._version(version))
        self._send(
            200,
            data,
            "text/x-python; charset=utf-8",
            {"X-Zenohub-SHA256": entry["sha256"], "X-Zenohub-Version": entry["version"]},
        )

    def do_publish(self, q: dict[str, str], name: str, version: str) -> None:
        body = self._body()
        source = body.get("source")
        if not isinstance(source, str):
            raise HubError("The request body needs 'source': the function's source text.")
        fields = dict(body.get("manifest") or {})
        fields.update(name=name, version=version)
        entry, created = self.hub.publish(source.encode("utf-8"), fields, self._token())
        self._json(201 if created else 200, {**entry, "created": created})

    def do_yank(self, q: dict[str, str], name: str, version: str) -> None:
        body = self._body()
        self._json(200, self.hub.yank(name, version, self._token(), bool(body.get("yanked", True))))

    def do_openapi(self, q: dict[str, str]) -> None:
        self._json(200, openapi())

    def do_page_index(self, q: dict[str, str]) -> None:
        page = index_page(
            self.hub, q.get("q", ""), q.get("kind", ""), q.get("data_type", ""), q.get("tag", "")
        )
        self._send(200, page, "text/html; charset=utf-8")

    def do_page(self, q: dict[str, str], name: str, version: str | None = None) -> None:
        try:
            page = function_page(self.hub, name, version)
        except HubNotFoundError as exc:
            self._send(404, _html("not found", f"<p>{html.escape(str(exc))}</p>"), "text/html")
            return
        self._send(200, page, "text/html; charset=utf-8")


def make_server(hub: HubStore, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A threaded HTTP server answering for ``hub`` (call ``serve_forever`` to run it)."""
    handler = type("HubHandler", (Handler,), {"hub": hub})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
