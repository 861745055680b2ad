"""Manifests, names, versions and source inspection — never importing the source.

A published function is one ``<name>.py`` source file defining one public function ``<name>``
decorated with ``@distill``, ``@metric`` or ``@transform``, plus a manifest (a JSON object)::

    {"name", "kind", "version", "summary", "description", "tags", "data_types", "author",
     "license", "requirements", "entry", "source", "sha256"}

Everything the hub shows about a function (kind, docstring) comes from parsing the source with
:mod:`ast`; published code runs only in a project that installed it.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import HubError, IntegrityError

NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,63}$")
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
KINDS = ("distill", "metric", "transform")
DATA_TYPES = ("image", "text", "audio", "tabular", "any")
#: the largest source file a hub accepts, in bytes
MAX_SOURCE_BYTES = 256 * 1024
FIELDS = (
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
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_name(name: str, what: str = "function name") -> str:
    """``name`` if it is a valid hub name (``[a-z0-9_-]``, 1-64 characters), else HubError."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name.strip("-_") == "":
        raise HubError(
            f"{what} {name!r} is not allowed: use 1-64 lowercase letters, digits, '_' or '-', "
            "not starting with '-' (no dots, slashes or spaces)."
        )
    return name


def check_version(version: str) -> str:
    if not isinstance(version, str) or not SEMVER_RE.fullmatch(version):
        raise HubError(
            f"Version {version!r} is not a semantic version; use MAJOR.MINOR.PATCH, e.g. 1.0.0."
        )
    return version


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key of a semantic version: releases after their pre-releases."""
    m = SEMVER_RE.fullmatch(version)
    if m is None:
        return (-1, -1, -1, 0, ())
    pre = m.group(4)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (pre or "").split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, parts)


def split_spec(spec: str) -> tuple[str, str | None]:
    """``"name@1.0.0"`` -> ("name", "1.0.0"); ``"name"`` -> ("name", None); both validated."""
    name, _, version = spec.partition("@")
    check_name(name)
    return name, (check_version(version) if version else None)


def check_requirement(req: str) -> str:
    """A pip requirement string (``numpy>=1.26``); refuses options such as ``--index-url``."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        if not isinstance(req, str) or req.strip().startswith("-"):
            raise InvalidRequirement(req)
        Requirement(req)
    except InvalidRequirement:
        raise HubError(
            f"Requirement {req!r} is not a pip requirement such as 'numpy>=1.26'."
        ) from None
    return req.strip()


# --- the source, parsed -----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInfo:
    """What parsing a source file tells about its function ``name``."""

    name: str
    kind: str
    docstring: str
    lineno: int  #: first line of the function, decorators included
    end_lineno: int

    @property
    def summary(self) -> str:
        return self.docstring.strip().split("\n\n")[0].replace("\n", " ").strip()

    @property
    def description(self) -> str:
        parts = self.docstring.strip().split("\n\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""


def _decorator_kind(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    name = (
        target.attr
        if isinstance(target, ast.Attribute)
        else (target.id if isinstance(target, ast.Name) else None)
    )
    return name if name in (*KINDS, "model") else None


def _decorated(tree: ast.Module) -> list[tuple[ast.FunctionDef, str]]:
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            kinds = [k for k in map(_decorator_kind, node.decorator_list) if k]
            if kinds:
                out.append((node, kinds[0]))
    return out


def parse(source: bytes | str, where: str = "source") -> ast.Module:
    text = source.decode("utf-8") if isinstance(source, bytes) else source
    try:
        return ast.parse(text, filename=where)
    except (SyntaxError, ValueError) as exc:
        raise HubError(f"{where} is not valid Python: {exc}") from None


def inspect_source(source: bytes | str, name: str, where: str = "source") -> SourceInfo:
    """Find the decorated function ``name`` in ``source`` (parsed, never imported)."""
    if isinstance(source, bytes):
        try:
            source.decode("utf-8")
        except UnicodeDecodeError:
            raise HubError(f"{where} is not UTF-8 text.") from None
    tree = parse(source, where)
    found = _decorated(tree)
    for node, kind in found:
        if node.name == name:
            if kind not in KINDS:
                raise HubError(
                    f"{where}: '{name}' is a @{kind} function; the hub shares "
                    f"@{', @'.join(KINDS)} functions."
                )
            _check_decorator_name(node, name, where)
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            return SourceInfo(
                name, kind, ast.get_docstring(node) or "", start, node.end_lineno or node.lineno
            )
    have = ", ".join(n.name for n, _ in found) or "none"
    raise HubError(
        f"{where} defines no @distill, @metric or @transform function named '{name}' "
        f"(decorated functions: {have})."
    )


def _check_decorator_name(node: ast.FunctionDef, name: str, where: str) -> None:
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call):
            for kw in deco.keywords:
                if kw.arg == "name":
                    raise HubError(
                        f"{where}: '{name}' sets name= in its decorator; a hub function's "
                        "column name is its function name, so remove name=."
                    )


def extract_function(source: str, name: str, where: str = "source") -> str:
    """``source`` without the other decorated functions: the one function plus the module code
    it may need (imports, constants, helpers)."""
    inspect_source(source, name, where)
    tree = parse(source, where)
    lines = source.splitlines(keepends=True)
    drop: set[int] = set()
    for node, _ in _decorated(tree):
        if node.name != name:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            drop.update(range(start - 1, node.end_lineno or node.lineno))
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    kept = re.sub(r"\n{4,}", "\n\n\n", kept).rstrip() + "\n"
    inspect_source(kept, name, where)
    return kept


# --- manifests -----------------------------------------------------------------------------------


def _str_list(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HubError(f"Manifest key '{key}' must be a list of strings, got {value!r}.")
    return [v.strip() for v in value if v.strip()]


def build_manifest(
    source: bytes, fields: Mapping[str, Any], where: str = "source", check_hash: bool = True
) -> dict[str, Any]:
    """Validate ``fields`` against ``source`` and complete them into a manifest.

    The kind, summary and description default to what the source's decorator and docstring say;
    a given ``sha256`` must match the source (an upload corrupted on the way is refused).
    """
    if len(source) > MAX_SOURCE_BYTES:
        raise HubError(f"{where} is {len(source)} bytes; the hub's limit is {MAX_SOURCE_BYTES}.")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise HubError(f"Unknown manifest key(s): {', '.join(sorted(unknown))}.")
    name = check_name(str(fields.get("name", "")))
    version = check_version(str(fields.get("version", "")))
    info = inspect_source(source, name, where)
    digest = sha256(source)
    if check_hash and fields.get("sha256") and fields["sha256"] != digest:
        raise IntegrityError(
            f"{where}: its SHA-256 is {digest}, not {fields['sha256']} as its manifest says; "
            "the source was modified or corrupted."
        )
    kind = fields.get("kind") or info.kind
    if kind != info.kind:
        raise HubError(f"{where}: manifest kind '{kind}' but '{name}' is a @{info.kind} function.")
    data_types = _str_list(fields.get("data_types"), "data_types") or ["any"]
    bad = [d for d in data_types if d not in DATA_TYPES]
    if bad:
        raise HubError(
            f"Data type(s) {', '.join(map(repr, bad))} unknown; allowed: {', '.join(DATA_TYPES)}."
        )
    tags = [t.lower() for t in _str_list(fields.get("tags"), "tags")]
    for tag in tags:
        check_name(tag, "tag")
    summary = str(fields.get("summary") or info.summary)
    if not summary:
        raise HubError(f"{where}: '{name}' needs a summary: give it a docstring.")
    return {
        "name": name,
        "kind": kind,
        "version": version,
        "summary": summary[:300],
        "description": str(fields.get("description") or info.description),
        "tags": tags,
        "data_types": data_types,
        "author": str(fields.get("author") or ""),
        "license": str(fields.get("license") or ""),
        "requirements": [
            check_requirement(r) for r in _str_list(fields.get("requirements"), "requirements")
        ],
        "entry": name,
        "source": f"{name}.py",
        "sha256": digest,
    }


# --- search -------------------------------------------------------------------------------------


def matches(entry: Mapping[str, Any], kind: str = "", data_type: str = "", tag: str = "") -> bool:
    if kind and entry.get("kind") != kind:
        return False
    types = entry.get("data_types") or ["any"]
    if data_type and data_type not in types and "any" not in types:
        return False
    return not (tag and tag.lower() not in entry.get("tags", []))


def score(entry: Mapping[str, Any], query: str) -> float:
    """How well ``entry`` matches every word of ``query`` (0: not every word matches)."""
    total = 0.0
    name = str(entry.get("name", "")).lower()
    summary = str(entry.get("summary", "")).lower()
    description = str(entry.get("description", "")).lower()
    tags = [str(t).lower() for t in entry.get("tags", [])]
    for word in query.lower().split():
        s = 0.0
        if word == name:
            s += 100
        elif word in name:
            s += 40
        if word in tags:
            s += 30
        elif any(word in t for t in tags):
            s += 15
        if word in summary:
            s += 10
        if word in description:
            s += 3
        if not s:
            return 0.0
        total += s
    return total


def rank(
    entries: Iterable[Mapping[str, Any]],
    query: str = "",
    kind: str = "",
    data_type: str = "",
    tag: str = "",
) -> list[dict[str, Any]]:
    """Entries matching the filters and every query word, best first (by name when no query)."""
    scored = []
    for e in entries:
        if not matches(e, kind, data_type, tag):
            continue
        s = score(e, query) if query.strip() else 1.0
        if s > 0:
            scored.append((-s, e["name"], dict(e)))
    return [e for _, _, e in sorted(scored, key=lambda t: (t[0], t[1]))]


def latest(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The newest version of each name among ``entries``."""
    best: dict[str, dict[str, Any]] = {}
    for e in entries:
        cur = best.get(e["name"])
        if cur is None or version_key(e["version"]) > version_key(cur["version"]):
            best[e["name"]] = dict(e)
    return best
