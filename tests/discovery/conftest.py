"""Generated tables with known failing slices (planted), shared by the discovery tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

N = 20_000
BASE = 0.1


@dataclass
class Planted:
    df: pd.DataFrame
    errors: np.ndarray
    #: (columns of the planted slice, its row mask)
    slices: list[tuple[set[str], np.ndarray]]


def table(seed: int, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.random(n),
            "y": rng.random(n),
            "z": rng.normal(size=n),
            "age": rng.integers(18, 90, size=n),
            "color": rng.choice(["red", "green", "blue", "grey"], size=n),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
        }
    )


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope="session")
def planted() -> Planted:
    """One slice of each size: x > 0.9 (10 %); color == blue AND y < 0.3 (7.5 %);
    kind == c AND age >= 60 AND z > 0 (~2.5 %); lift 2.5-3.5 over a 10 % base rate."""
    df = table(0)
    rng = np.random.default_rng(1)
    x, y, z, age = (df[c].to_numpy() for c in ("x", "y", "z", "age"))
    s1 = x > 0.9
    s2 = (df["color"].to_numpy() == "blue") & (y < 0.3)
    s3 = (df["kind"].to_numpy() == "c") & (age >= 60) & (z > 0)
    p = np.full(len(df), BASE)
    p[s1], p[s2], p[s3] = 0.25, 0.3, 0.35
    errors = rng.random(len(df)) < p
    return Planted(df, errors, [({"x"}, s1), ({"color", "y"}, s2), ({"kind", "age", "z"}, s3)])
