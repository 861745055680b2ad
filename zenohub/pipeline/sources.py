"""Where user code came from, so tracebacks from worker processes name the user's files.

Functions travel to workers pickled by value, and cloudpickle (>= 3.1.3) renames the file of
every code object it pickles ``<dynamic-code>``. :func:`code_files` records, before pickling,
the file of each code object of a user module by ``(name, first line)``; :func:`format_exception`
formats the exception being handled with those files put back, and their source lines with them.
"""

from __future__ import annotations

import inspect
import sys
import traceback
import types
from typing import Any

#: key of a code object: its name and first line (both kept by pickling)
CodeKey = tuple[str, int]


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """``code`` and the code objects nested in it (inner functions, lambdas, comprehensions)."""
    out = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.extend(_codes(const))
    return out


def code_files(module: types.ModuleType | None) -> dict[CodeKey, str]:
    """``(name, first line) -> file`` of every code object defined in ``module``."""
    if module is None:
        return {}
    name = module.__name__
    found: dict[CodeKey, str] = {}

    def add(obj: Any) -> None:
        fn = inspect.unwrap(obj) if callable(obj) else obj
        code = getattr(fn, "__code__", None)
        if isinstance(code, types.CodeType) and getattr(fn, "__module__", None) == name:
            for c in _codes(code):
                found[(c.co_name, c.co_firstlineno)] = c.co_filename

    for value in vars(module).values():
        if inspect.isclass(value) and value.__module__ == name:
            for member in vars(value).values():
                add(getattr(member, "__func__", member))
        else:
            add(value)
    return found


def format_exception(files: dict[CodeKey, str]) -> str:
    """The exception being handled, formatted like :func:`traceback.format_exc`, with frames of
    pickled user code pointing at their files again."""
    etype, exc, tb = sys.exc_info()
    te = traceback.TracebackException(etype, exc, tb, lookup_lines=False)  # type: ignore[arg-type]
    for summary, (frame, _lineno) in zip(te.stack, traceback.walk_tb(tb), strict=False):
        code = frame.f_code
        real = files.get((code.co_name, code.co_firstlineno))
        if real is not None and summary.filename != real:
            summary.filename = real
    return "".join(te.format())
