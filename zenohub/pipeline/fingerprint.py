"""Content fingerprints of user functions and data frames, for cache keys.

A function's fingerprint covers its own source and, transitively, the source of the user-defined
helpers, classes and constants it refers to (globals named in its code, closure cells), so
editing one function invalidates exactly the columns that depend on it: not every function that
happens to share its module, and not nothing when only a helper changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import sys
import sysconfig
import types
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

_SIMPLE = (str, bytes, int, float, complex, bool, type(None))


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    roots |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return tuple(sorted(str(Path(r).resolve()) for r in roots if r))


def is_user_module(module: types.ModuleType | None) -> bool:
    """True for modules the user wrote (project functions, scripts, notebooks), not libraries."""
    if module is None:
        return False
    if module.__name__ == "__main__" or module.__name__.startswith("zenohub_user"):
        return True
    path = getattr(module, "__file__", None)
    if not path:
        return False
    resolved = str(Path(path).resolve())
    if "site-packages" in resolved or "dist-packages" in resolved:
        return False
    if module.__name__.split(".")[0] == "zenohub":
        return False
    return not any(resolved.startswith(root + "/") for root in _library_roots())


def _unwrap(fn: Any) -> Any:
    while hasattr(fn, "__wrapped__"):
        fn = fn.__wrapped__
    return fn


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        if code is not None:
            return repr((code.co_code, code.co_consts, code.co_names))
        return repr(obj)


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _describe(obj: Any, seen: set[int], out: list[str], depth: int = 0) -> None:
    """Append the parts of ``obj`` that define its behaviour to ``out``."""
    if id(obj) in seen or depth > 50:
        return
    seen.add(id(obj))
    if isinstance(obj, _SIMPLE):
        out.append(repr(obj))
        return
    if isinstance(obj, tuple | list | frozenset | set):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        for item in items:
            _describe(item, seen, out, depth + 1)
        return
    if isinstance(obj, dict):
        for k in sorted(obj, key=repr):
            out.append(repr(k))
            _describe(obj[k], seen, out, depth + 1)
        return
    if isinstance(obj, np.ndarray):
        out.append(hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest())
        return
    module = inspect.getmodule(obj)
    if isinstance(obj, types.ModuleType):
        out.append(f"module {obj.__name__}")
        return
    if not is_user_module(module):
        # library objects are identified by name (and version, via the environment)
        out.append(f"{getattr(module, '__name__', '?')}.{getattr(obj, '__qualname__', type(obj))}")
        return
    obj = _unwrap(obj)
    if isinstance(obj, types.FunctionType):
        out.append(_source(obj))
        for name in _code_names(obj.__code__):
            if name in obj.__globals__:
                out.append(name)
                _describe(obj.__globals__[name], seen, out, depth + 1)
        for cell in obj.__closure__ or ():
            with contextlib.suppress(ValueError):  # an empty cell
                _describe(cell.cell_contents, seen, out, depth + 1)
        for default in obj.__defaults__ or ():
            _describe(default, seen, out, depth + 1)
        return
    if isinstance(obj, type):
        out.append(_source(obj))
        for value in vars(obj).values():
            if isinstance(value, types.FunctionType):
                _describe(value, seen, out, depth + 1)
        return
    out.append(f"{type(obj).__module__}.{type(obj).__qualname__}")
    _describe(type(obj), seen, out, depth + 1)


def function_fingerprint(fn: Callable[..., Any]) -> str:
    """SHA-256 of everything user-written that ``fn``'s behaviour depends on."""
    parts: list[str] = []
    _describe(fn, set(), parts)
    return hash_strings(parts)


def hash_strings(parts: list[str] | tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def frame_fingerprint(df: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names, dtypes and values (row order included).

    Hashes the frame's Arrow IPC serialisation (memory speed); frames Arrow cannot represent
    (mixed-type object columns) are hashed column by column through pandas.
    """
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        h.update(memoryview(sink.getvalue()))
        return h.hexdigest()
    except (pa.ArrowException, TypeError, ValueError):
        pass
    for col in df.columns:
        s = df[col]
        try:
            hashed = pd.util.hash_pandas_object(s, index=False).to_numpy()
            h.update(hashed.tobytes())
        except TypeError:  # unhashable cells (lists, arrays)
            for v in s:
                h.update(repr(v.tolist() if isinstance(v, np.ndarray) else v).encode())
    return h.hexdigest()
