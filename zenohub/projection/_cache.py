"""On-disk cache of projections, keyed by the input's content and the parameters.

Layout under ``<cache_path>/projections``: one ``<method>-<key>.npz`` per map, holding the
(n, 2) coordinates and a JSON header with their SHA-256, the method and the parameters. Files are
written to a temporary name and renamed (a killed run leaves a whole file or none); a file that
does not load or whose checksum differs is reported, deleted and recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CacheError

log = logging.getLogger(__name__)

#: bump when the way maps are computed changes, so old files are not reused
VERSION = 1


def content_hash(x: np.ndarray) -> str:
    """SHA-256 of an array's shape, dtype and values (float64, C order)."""
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    h = hashlib.sha256(f"{arr.shape}|float64|".encode())
    h.update(arr.data.cast("B"))  # no copy of a large embedding
    return h.hexdigest()


def projection_key(content: str, method: str, params: dict[str, Any]) -> str:
    """Cache key of one map: the input's content hash, the method and its parameters."""
    blob = json.dumps(
        {"content": content, "method": method, "params": params, "version": VERSION},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass
class Map2D:
    """A computed projection: ``xy`` in table row order."""

    xy: np.ndarray
    method: str  #: "umap", "pca" or "identity" (a 2-D input shown as it is)
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  #: time it took to compute (0 when read from the cache)
    cached: bool = False
    note: str = ""  #: shown beside the map, e.g. why it is the PCA preview


class ProjectionCache:
    """Projections stored under ``<cache_path>/projections``; corrupt files land in ``problems``."""

    def __init__(self, cache_path: str | Path) -> None:
        self.root = Path(cache_path) / "projections"
        self.problems: list[str] = []

    def path(self, method: str, key: str) -> Path:
        return self.root / f"{method}-{key}.npz"

    def load(self, method: str, key: str) -> Map2D | None:
        """The stored map, or None when missing (or corrupt: then reported and deleted)."""
        path = self.path(method, key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                xy = np.array(npz["xy"])
                header = json.loads(bytes(npz["header"]).decode())
            digest = hashlib.sha256(np.ascontiguousarray(xy).tobytes()).hexdigest()
            if header.get("sha256") != digest or xy.ndim != 2 or xy.shape[1] != 2:
                raise ValueError("checksum mismatch")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            problem = f"corrupt projection cache file {path} ({exc}); recomputing it"
            log.warning(problem)
            self.problems.append(problem)
            path.unlink(missing_ok=True)
            return None
        return Map2D(
            xy=xy,
            method=str(header.get("method", method)),
            key=key,
            params=dict(header.get("params", {})),
            seconds=float(header.get("seconds", 0.0)),
            cached=True,
        )

    def save(self, result: Map2D, method: str | None = None) -> Path:
        """Write ``result`` atomically under ``method`` (default: its own method)."""
        path = self.path(method or result.method, result.key)
        xy = np.ascontiguousarray(result.xy, dtype=np.float32)
        header = {
            "sha256": hashlib.sha256(xy.tobytes()).hexdigest(),
            "method": result.method,
            "params": result.params,
            "seconds": result.seconds,
            "version": VERSION,
        }
        buf = io.BytesIO()
        np.savez(buf, xy=xy, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(buf.getvalue())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise CacheError(
                f"Cannot write the projection cache under {self.root}: {exc.strerror}. "
                "Check that cache_path is writable."
            ) from exc
        return path
