"""Recompute every manifest's SHA-256 and rewrite ``index.json`` of the bundled registry.

Run it after editing any function source in this folder::

    python functions_registry/build_index.py          # update manifests and index.json
    python functions_registry/build_index.py --check  # exit 1 naming whatever is out of date

Standard library only, so it runs anywhere. The layout it expects is described in README.md:
``<name>/<version>/{<name>.py, manifest.json}`` and the generated ``index.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
INDEX = "index.json"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a ``MAJOR.MINOR.PATCH`` version (numeric, so 1.10.0 sorts after 1.9.0)."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise SystemExit(f"version {version!r} is not MAJOR.MINOR.PATCH") from None


def manifest_paths(root: Path = ROOT) -> list[Path]:
    """Every ``<name>/<version>/manifest.json`` under ``root``."""
    return sorted(root.glob("*/*/manifest.json"))


def dumps(data: Any) -> str:
    """The JSON text this script writes (2-space indent, ASCII escapes, trailing newline)."""
    return json.dumps(data, indent=2) + "\n"


def read_json(path: Path) -> Any:
    """A JSON file's content, or None when it is missing or not valid JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def updated_manifests(root: Path = ROOT) -> dict[Path, dict[str, Any]]:
    """Each manifest with its ``sha256`` recomputed from its source file."""
    out: dict[Path, dict[str, Any]] = {}
    for path in manifest_paths(root):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        source = path.parent / str(manifest.get("source", ""))
        if not source.is_file():
            raise SystemExit(f"{path}: its source file {source.name!r} does not exist")
        manifest["sha256"] = sha256_of(source)
        out[path] = manifest
    return out


def index_of(manifests: dict[Path, dict[str, Any]]) -> dict[str, Any]:
    """The index: every manifest, sorted by name, then version."""
    entries = sorted(manifests.values(), key=lambda m: (m["name"], version_key(str(m["version"]))))
    return {"functions": entries}


def problems(root: Path = ROOT) -> list[str]:
    """What is out of date (stale ``sha256`` or index), without changing anything.

    Content is compared, not formatting: JSON written by another tool with the same data passes.
    """
    found: list[str] = []
    manifests = updated_manifests(root)
    for path, manifest in manifests.items():
        if read_json(path) != manifest:
            found.append(f"{path.relative_to(root)}: sha256 does not match {manifest['source']}")
    if read_json(root / INDEX) != index_of(manifests):
        found.append(f"{INDEX} does not match the manifests")
    return found


def build(root: Path = ROOT) -> list[Path]:
    """Rewrite stale manifests and the index; the files written."""
    written: list[Path] = []
    manifests = updated_manifests(root)
    for path, manifest in manifests.items():
        if path.read_text(encoding="utf-8") != dumps(manifest):
            path.write_text(dumps(manifest), encoding="utf-8")
            written.append(path)
    index = root / INDEX
    text = dumps(index_of(manifests))
    if not index.is_file() or index.read_text(encoding="utf-8") != text:
        index.write_text(text, encoding="utf-8")
        written.append(index)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is out of date")
    parser.add_argument("--root", type=Path, default=ROOT, help="registry folder")
    args = parser.parse_args(argv)
    if args.check:
        found = problems(args.root)
        for line in found:
            print(line)
        if found:
            print("run: python functions_registry/build_index.py")
        return 1 if found else 0
    written = build(args.root)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(manifest_paths(args.root))} function versions indexed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
