"""What discovery returns: found slices and selection descriptions, as frozen data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..filters import FilterGroup, Predicate, compile_filter

#: a predicate as plain data: (column, op, value), e.g. ("age", "between", (30, 40))
PredicateTuple = tuple[str, str, Any]


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def describe_predicates(predicates: tuple[PredicateTuple, ...]) -> str:
    """``x between 0.1 and 0.4 AND group == 'a'`` (numbers to 4 significant digits)."""
    parts = []
    for column, op, value in predicates:
        if op in ("is null", "not null"):
            parts.append(f"{column} {op}")
        elif op == "between":
            parts.append(f"{column} between {_fmt_value(value[0])} and {_fmt_value(value[1])}")
        elif op in ("in", "not in"):
            parts.append(f"{column} {op} {{{', '.join(map(_fmt_value, value))}}}")
        else:
            parts.append(f"{column} {op} {_fmt_value(value)}")
    return " AND ".join(parts) or "all instances"


def _filter(predicates: tuple[PredicateTuple, ...]) -> FilterGroup:
    return FilterGroup.all_of(*(Predicate(c, op, v) for c, op, v in predicates))


def _mask(predicates: tuple[PredicateTuple, ...], df: pd.DataFrame) -> np.ndarray:
    return compile_filter(_filter(predicates), df)


@dataclass(frozen=True)
class SliceResult:
    """One slice found by :func:`~zenohub.discovery.find_slices`.

    ``error_rate`` is the mean error in the slice (of model A in model-difference mode, where
    ``baseline_error_rate`` is model B's); ``lift`` is ``error_rate`` over the overall error
    rate (over ``baseline_error_rate`` in model-difference mode). ``p_value`` is the one-sided
    test of the slice against the rest (of A against B inside the slice in model-difference
    mode); ``q_value`` its Benjamini-Hochberg adjustment over every slice tested.
    """

    predicates: tuple[PredicateTuple, ...]
    size: int
    error_rate: float
    lift: float
    p_value: float
    q_value: float
    score: float
    support: float  #: size over the rows searched
    baseline_error_rate: float | None = None

    def to_filter(self) -> FilterGroup:
        """The slice as a zenohub filter (an AND group), e.g. to save it in the store."""
        return _filter(self.predicates)

    def mask(self, df: pd.DataFrame) -> np.ndarray:
        """The slice's rows of ``df`` as a boolean array."""
        return _mask(self.predicates, df)

    @property
    def rule(self) -> str:
        """The predicates as text."""
        return describe_predicates(self.predicates)

    def describe(self) -> str:
        """One line: the rule, its size, error rate, lift and q-value."""
        if self.baseline_error_rate is not None:
            how = (
                f"error {self.error_rate:.3g} vs {self.baseline_error_rate:.3g} for the "
                f"baseline ({_lift(self.lift)})"
            )
        else:
            how = f"error rate {self.error_rate:.3g} ({_lift(self.lift)} overall)"
        return (
            f"{self.rule}: {self.size:,} rows ({100 * self.support:.3g}%), {how}, "
            f"q = {self.q_value:.2g}"
        )


def _lift(lift: float) -> str:
    return "∞x" if math.isinf(lift) else f"{lift:.3g}x"


@dataclass(frozen=True)
class SelectionDescription:
    """The metadata predicates that best separate a selection from the other rows.

    ``size`` rows match the rule, ``matched`` of them are selected; ``precision`` is
    ``matched / size`` and ``recall`` is ``matched / selected``.
    """

    predicates: tuple[PredicateTuple, ...]
    selected: int
    size: int
    matched: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def to_filter(self) -> FilterGroup:
        """The rule as a zenohub filter (an AND group), e.g. to save it as a rule slice."""
        return _filter(self.predicates)

    def mask(self, df: pd.DataFrame) -> np.ndarray:
        """The rows of ``df`` the rule selects."""
        return _mask(self.predicates, df)

    @property
    def rule(self) -> str:
        return describe_predicates(self.predicates)

    def describe(self) -> str:
        """One line: the rule with its precision and recall."""
        if not self.predicates:
            return f"No metadata predicate separates the {self.selected:,} selected rows."
        return (
            f"{self.rule}: precision {self.precision:.2f} ({self.matched:,} of {self.size:,} "
            f"rows), recall {self.recall:.2f} (of {self.selected:,} selected)"
        )
