"""Tracebacks of pickled user code name the user's file and line, whatever cloudpickle does."""

from __future__ import annotations

import types
from pathlib import Path

import cloudpickle

from zenohub.data import import_file
from zenohub.pipeline.sources import code_files, format_exception

SOURCE = """
def helper(x):
    return 1 / x  # the failing line


def outer(x):
    def inner(y):
        return helper(y)

    return inner(x)
"""


def _module(tmp_path: Path) -> types.ModuleType:
    path = tmp_path / "user_functions.py"
    path.write_text(SOURCE)
    return import_file(path)


def test_code_files_cover_functions_and_nested_code(tmp_path: Path) -> None:
    module = _module(tmp_path)
    files = code_files(module)
    path = str(tmp_path / "user_functions.py")
    assert files[("helper", 2)] == path and files[("outer", 6)] == path
    assert files[("inner", 7)] == path  # nested inside outer


def _renamed(fn: types.FunctionType) -> types.FunctionType:
    """``fn`` with every code object's file renamed as cloudpickle >= 3.1.3 ships it."""

    def rename(code: types.CodeType) -> types.CodeType:
        consts = tuple(rename(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
        return code.replace(co_filename="<dynamic-code>", co_consts=consts)

    return types.FunctionType(rename(fn.__code__), fn.__globals__, fn.__name__)


def test_traceback_of_renamed_code_points_at_the_user_file(tmp_path: Path) -> None:
    module = _module(tmp_path)
    files = code_files(module)
    module.helper = _renamed(module.helper)  # outer's inner calls helper through the globals
    outer = cloudpickle.loads(cloudpickle.dumps(_renamed(module.outer)))
    try:
        outer(0)
    except ZeroDivisionError:
        text = format_exception(files)
    assert "<dynamic-code>" not in text
    assert f'File "{tmp_path / "user_functions.py"}", line 3, in helper' in text
    assert "return 1 / x  # the failing line" in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
