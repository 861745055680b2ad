"""Fingerprints decide what recomputes: exactly the functions whose behaviour may have changed."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zenohub
from zenohub.data import import_file
from zenohub.pipeline.fingerprint import frame_fingerprint, function_fingerprint, is_user_module

SOURCE = """
import numpy as np

THRESHOLD = 0.5
WEIGHTS = np.array([1.0, 2.0])


def _helper(values):
    return values > THRESHOLD


def _unrelated():
    return "unrelated"


class Scaler:
    factor = 2

    def apply(self, x):
        return x * self.factor


def uses_helper(df, ops):
    return _helper(df["x"])


def uses_numpy(df, ops):
    return np.mean(df["x"]) * WEIGHTS.sum()


def uses_class(df, ops):
    return Scaler().apply(df["x"])


def make(offset):
    def shifted(df, ops):
        return df["x"] + offset

    return shifted


shifted_one = make(1)
shifted_two = make(2)
"""

_counter = itertools.count()


def fingerprints(tmp_path: Path, source: str = SOURCE) -> dict[str, str]:
    """Fingerprint of each function of ``source``, imported as a user module."""
    folder = tmp_path / f"v{next(_counter)}"
    folder.mkdir()
    path = folder / "functions.py"
    path.write_text(source)
    module = import_file(path)
    names = ["uses_helper", "uses_numpy", "uses_class", "shifted_one", "shifted_two"]
    return {name: function_fingerprint(getattr(module, name)) for name in names}


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    return fingerprints(tmp_path)


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_same_code_elsewhere_has_the_same_fingerprint(tmp_path: Path, base) -> None:
    assert fingerprints(tmp_path) == base
    assert len(set(base.values())) == len(base)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("return values > THRESHOLD", "return values >= THRESHOLD", {"uses_helper"}),
        ("THRESHOLD = 0.5", "THRESHOLD = 0.7", {"uses_helper"}),
        ("np.array([1.0, 2.0])", "np.array([1.0, 3.0])", {"uses_numpy"}),
        ("    factor = 2\n", "    factor = 3\n", {"uses_class"}),
        ("return x * self.factor", "return x * self.factor + 0", {"uses_class"}),
        ('return "unrelated"', 'return "changed"', set()),
        ('return df["x"] + offset', 'return df["x"] - offset', {"shifted_one", "shifted_two"}),
        # source-based: a comment is a change (cheap to recompute, never wrong)
        ("def uses_numpy(df, ops):\n", "def uses_numpy(df, ops):\n    # mean\n", {"uses_numpy"}),
    ],
)
def test_an_edit_changes_exactly_the_functions_depending_on_it(
    tmp_path: Path, base, old: str, new: str, expected: set[str]
) -> None:
    assert SOURCE.count(old) == 1
    assert changed(base, fingerprints(tmp_path, SOURCE.replace(old, new))) == expected


def test_closure_values_are_part_of_the_fingerprint(base) -> None:
    assert base["shifted_one"] != base["shifted_two"]


def test_user_and_library_modules() -> None:
    assert not is_user_module(np) and not is_user_module(pd) and not is_user_module(zenohub)
    assert not is_user_module(pytest) and not is_user_module(None)
    assert is_user_module(sys.modules[__name__])  # the test suite is user code, not a library


def test_frame_fingerprint_sees_values_order_names_and_types() -> None:
    df = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]})
    fp = frame_fingerprint(df)
    assert frame_fingerprint(df.copy()) == fp
    variants = [
        df.assign(x=[1.0, 2.0, 3.5]),
        df.iloc[::-1].reset_index(drop=True),
        df.rename(columns={"x": "y"}),
        df.astype({"x": "float32"}),
        df.iloc[:2],
    ]
    fps = [frame_fingerprint(v) for v in variants]
    assert fp not in fps and len(set(fps)) == len(fps)
    # the index is not data: the same rows under another index are the same dataset
    assert frame_fingerprint(df.set_axis([10, 11, 12])) == fp


def test_frame_fingerprint_of_unhashable_cells() -> None:
    df = pd.DataFrame({"emb": [np.array([1.0, 2.0]), np.array([3.0, 4.0])], "tags": [["a"], []]})
    same = pd.DataFrame({"emb": [np.array([1.0, 2.0]), np.array([3.0, 4.0])], "tags": [["a"], []]})
    other = pd.DataFrame({"emb": [np.array([1.0, 2.0]), np.array([3.0, 5.0])], "tags": [["a"], []]})
    assert frame_fingerprint(df) == frame_fingerprint(same) != frame_fingerprint(other)
