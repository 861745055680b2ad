"""On-disk cache of computed columns: one Parquet file per column, verified on every read.

Layout under ``<cache_path>/columns``::

    <key>.json             manifest of one job: what it computed, row count, dependencies,
                           and per column its file and SHA-256
    <key>.<i>.parquet      one column, named ``value`` (the manifest pins the ids it is for)
    parts/<run>/<a>-<b>.parquet (+ .json)   finished batches of an unfinished run (resume)

Every file is written to a temporary name and renamed, so a killed run never leaves a half
written entry under its final name. Reads check the SHA-256 recorded in the manifest; a corrupt
or truncated entry is deleted, reported through :attr:`ColumnCache.problems` and recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CacheError

log = logging.getLogger(__name__)

_ENCODING = b"zenohub_encoding"


def to_arrow(values: Any) -> pa.Array:
    """Arrow array for one column of results: scalars, strings, lists, 2-D embeddings, objects."""
    if isinstance(values, np.ndarray) and values.ndim == 2:
        flat = pa.array(np.ascontiguousarray(values).reshape(-1))
        return pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
    if isinstance(values, pd.Series):
        values = (
            values.to_numpy()
            if not isinstance(values.dtype, pd.CategoricalDtype)
            else (values.astype(object).to_numpy())
        )
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        return pa.array([pickle.dumps(v) for v in values], type=pa.binary())


def from_arrow(col: pa.ChunkedArray, field: pa.Field) -> np.ndarray | pd.Series:
    """Inverse of :func:`to_arrow`: a numpy array (2-D for embeddings) or a pandas Series."""
    meta = field.metadata or {}
    if meta.get(_ENCODING) == b"pickle":
        return pd.Series([pickle.loads(v) for v in col.to_pylist()], dtype=object)
    if pa.types.is_fixed_size_list(field.type):
        arr = col.combine_chunks()
        flat = arr.flatten().to_numpy(zero_copy_only=False)
        return flat.reshape(len(arr), field.type.list_size)
    return col.to_pandas()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # rename is atomic: a killed run leaves a complete file or none (no fsync: the cache
        # guards against interrupted runs, and a power loss is caught by the checksum on read)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_ID_DIGESTS: dict[int, tuple[list[str], str]] = {}


def ids_digest(ids: list[str]) -> str:
    """SHA-256 of an id list, memoised per list object (a run checks the same list often).

    Manifests record it instead of storing the ids beside every column: a column is only used
    for exactly the ids, in the order, it was computed for.
    """
    hit = _ID_DIGESTS.get(id(ids))
    if hit is None or hit[0] is not ids:
        joined = "\x00".join(map(str, ids)).encode("utf-8", "surrogatepass")
        hit = (ids, hashlib.sha256(joined).hexdigest())
        if len(_ID_DIGESTS) > 256:
            _ID_DIGESTS.clear()
        _ID_DIGESTS[id(ids)] = hit
    return hit[1]


def _write_table(path: Path, columns: dict[str, Any]) -> str:
    arrays, fields = [], []
    for name, values in columns.items():
        arr = to_arrow(values)
        meta = {_ENCODING: b"pickle"} if arr.type == pa.binary() else None
        arrays.append(arr)
        fields.append(pa.field(name, arr.type, metadata=meta))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="lz4")
    data = buf.getvalue()
    _atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


class CorruptEntry(Exception):
    """A cache file failed verification (internal; turned into a recompute)."""


@dataclass
class CachedColumns:
    """Columns read back from the cache, aligned to ``ids``."""

    ids: list[str]
    columns: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def shas(self) -> dict[str, str]:
        """Content hash of each column (the SHA-256 of its file)."""
        return {n: f["sha256"] for n, f in self.manifest.get("files", {}).items()}


@dataclass
class ColumnCache:
    """Verified Parquet store of computed columns and of finished batches of running jobs."""

    root: Path
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        try:
            (self.root / "columns" / "parts").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"Cannot create the cache folder {self.root}: {exc.strerror}. Set `cache_path` "
                "in the project config to a writable folder."
            ) from exc

    # --- whole jobs: one Parquet file per column, one manifest per job -------------------
    def _manifest_path(self, key: str) -> Path:
        return self.root / "columns" / f"{key}.json"

    def _column_path(self, key: str, i: int) -> Path:
        return self.root / "columns" / f"{key}.{i}.parquet"

    def put(
        self, key: str, ids: Any, columns: dict[str, Any], manifest: dict[str, Any]
    ) -> dict[str, str]:
        """Store each of ``columns`` in its own file; returns each column's SHA-256."""
        files = {}
        for i, (name, values) in enumerate(columns.items()):
            files[name] = {
                "file": self._column_path(key, i).name,
                "sha256": _write_table(self._column_path(key, i), {"value": values}),
            }
        manifest = {**manifest, "rows": len(ids), "ids": ids_digest(ids), "files": files}
        _atomic_write_bytes(
            self._manifest_path(key), json.dumps(manifest, indent=1, default=str).encode()
        )
        return {name: f["sha256"] for name, f in files.items()}

    def manifest(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self._manifest_path(key).read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self._report(key, f"unreadable manifest ({exc})")
            return None

    def get(self, key: str, ids: list[str] | None = None) -> CachedColumns | None:
        """Read every column of ``key`` if present and intact (for exactly ``ids`` if given)."""
        manifest = self.manifest(key)
        if manifest is None:
            return None
        columns: dict[str, Any] = {}
        got_ids: list[str] = []
        what = str(manifest.get("job", ""))
        try:
            for name, f in manifest["files"].items():
                what = f"{manifest.get('job', '')}: {name} ({f['file']})"
                part = self._read(
                    self.root / "columns" / f["file"],
                    {"sha256": f["sha256"], "rows": manifest["rows"], "ids": manifest["ids"]},
                    ids,
                )
                columns[name] = part.columns["value"]
                got_ids = part.ids
        except (CorruptEntry, KeyError, TypeError) as exc:
            self._report(key, str(exc), what)
            return None
        return CachedColumns(got_ids, columns, manifest)

    def _read(self, path: Path, manifest: dict[str, Any], ids: list[str] | None) -> CachedColumns:
        if not path.exists():
            raise CorruptEntry("data file is missing")
        if _sha256(path) != manifest.get("sha256"):
            raise CorruptEntry("checksum mismatch (file truncated or modified)")
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise CorruptEntry(f"unreadable Parquet ({exc})") from exc
        if table.num_rows != manifest.get("rows"):
            raise CorruptEntry("row count differs from its manifest")
        if ids is not None and manifest.get("ids") != ids_digest(ids):
            raise CorruptEntry("computed for other ids than the dataset's")
        cols = {f.name: from_arrow(table.column(f.name), f) for f in table.schema}
        return CachedColumns(ids or [], cols, manifest)

    def _report(self, key: str, why: str, what: str = "") -> None:
        """Record a corrupt entry (``what``: its job, column and file) and delete its files."""
        where = f" [{what}]" if what else ""
        msg = f"cache entry {key[:16]}…{where} was corrupt ({why}); it is recomputed"
        log.warning(msg)
        self.problems.append(msg)
        for p in (self.root / "columns").glob(f"{key}.*"):
            p.unlink(missing_ok=True)

    # --- finished batches of a run, for resuming ----------------------------------------
    def _part_dir(self, run: str) -> Path:
        return self.root / "columns" / "parts" / run

    def put_part(
        self,
        run: str,
        start: int,
        stop: int,
        ids: Any,
        columns: dict[str, Any],
        manifest: dict[str, Any],
    ) -> None:
        d = self._part_dir(run)
        d.mkdir(parents=True, exist_ok=True)
        base = d / f"{start:010d}-{stop:010d}"
        sha = _write_table(base.with_suffix(".parquet"), columns)
        meta = {**manifest, "sha256": sha, "rows": len(ids), "ids": ids_digest(ids)}
        _atomic_write_bytes(base.with_suffix(".json"), json.dumps(meta, default=str).encode())

    def get_part(self, run: str, start: int, stop: int, ids: list[str]) -> CachedColumns | None:
        base = self._part_dir(run) / f"{start:010d}-{stop:010d}"
        meta_path = base.with_suffix(".json")
        if not meta_path.exists():
            return None
        try:
            manifest = json.loads(meta_path.read_text())
            return self._read(base.with_suffix(".parquet"), manifest, ids)
        except (CorruptEntry, OSError, ValueError) as exc:
            msg = (
                f"finished batch {start}-{stop} of run {run[:16]}… was corrupt ({exc}); recomputed"
            )
            log.warning(msg)
            self.problems.append(msg)
            base.with_suffix(".json").unlink(missing_ok=True)
            base.with_suffix(".parquet").unlink(missing_ok=True)
            return None

    def drop_parts(self, run: str) -> None:
        shutil.rmtree(self._part_dir(run), ignore_errors=True)

    # --- small JSON records (function detections) ----------------------------------------
    def read_record(self, name: str) -> dict[str, Any]:
        path = self.root / f"{name}.json"
        try:
            return dict(json.loads(path.read_text()))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            msg = f"{path.name} was unreadable ({exc}); it is rebuilt"
            log.warning(msg)
            self.problems.append(msg)
            return {}

    def write_record(self, name: str, data: dict[str, Any]) -> None:
        _atomic_write_bytes(self.root / f"{name}.json", json.dumps(data, indent=1).encode())
