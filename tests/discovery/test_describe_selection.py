"""describe_selection: a selection of a planted region is described by the planted predicates."""

from __future__ import annotations

import numpy as np
import pytest

from tests.discovery.conftest import Planted, jaccard, table
from zenohub.discovery import DiscoveryError, SelectionDescription, describe_selection
from zenohub.filters import compile_filter


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_planted_region_is_described_by_its_predicates(planted: Planted, which: int) -> None:
    cols, region = planted.slices[which]
    d = describe_selection(planted.df, region)
    assert {c for c, _o, _v in d.predicates} == cols
    assert d.precision >= 0.9 and d.recall >= 0.9
    assert d.selected == region.sum()
    rows = d.mask(planted.df)
    assert rows.sum() == d.size and (rows & region).sum() == d.matched
    assert np.array_equal(rows, compile_filter(d.to_filter(), planted.df))
    assert jaccard(rows, region) >= 0.85
    text = d.describe()
    assert f"precision {d.precision:.2f}" in text and f"recall {d.recall:.2f}" in text


def test_a_random_selection_has_no_good_description(planted: Planted) -> None:
    selected = np.random.default_rng(9).random(len(planted.df)) < 0.2
    d = describe_selection(planted.df, selected, max_predicates=2)
    assert len(d.predicates) <= 2 and d.f1 < 0.5


def test_empty_and_full_selections_need_no_predicate(planted: Planted) -> None:
    n = len(planted.df)
    empty = describe_selection(planted.df, np.zeros(n, dtype=bool))
    assert empty.predicates == () and empty.selected == 0
    assert "No metadata predicate" in empty.describe()
    full = describe_selection(planted.df, np.ones(n, dtype=bool))
    assert full.predicates == () and full.recall == 1.0


def test_columns_limit_the_description(planted: Planted) -> None:
    _cols, region = planted.slices[1]  # color == blue AND y < 0.3
    d = describe_selection(planted.df, region, columns=["y"])
    assert [c for c, _o, _v in d.predicates] == ["y"] and d.recall >= 0.9
    assert isinstance(d, SelectionDescription)


def test_bad_selection_says_what_to_fix() -> None:
    df = table(0, n=100)
    with pytest.raises(DiscoveryError, match=r"one boolean per row \(100\)"):
        describe_selection(df, np.zeros(99, dtype=bool))
    with pytest.raises(DiscoveryError, match="booleans"):
        describe_selection(df, np.full(100, 3))
    with pytest.raises(DiscoveryError, match="Unknown column 'nope'"):
        describe_selection(df, np.zeros(100, dtype=bool), columns=["nope"])
