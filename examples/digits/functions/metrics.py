"""Metrics of the digits demo; each is defined (NaN) on an empty subset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub.api import MetricReturn, ZenoOptions, metric


def is_correct(df: pd.DataFrame, ops: ZenoOptions) -> np.ndarray:
    """Per instance, whether the predicted digit equals the label (the ``correct`` distill)."""
    output = np.asarray(df[ops.output_column], dtype=np.int64)
    return output == np.asarray(df[ops.label_column], dtype=np.int64)


@metric(mean_of="correct")
def accuracy(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Fraction of digits classified correctly."""
    if len(df) == 0:
        return MetricReturn(metric=float("nan"))
    return MetricReturn(metric=float(is_correct(df, ops).mean()))


@metric(mean_of="correct", scale=-1.0, offset=1.0, higher_is_better=False)
def error_rate(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Fraction of digits classified wrongly."""
    if len(df) == 0:
        return MetricReturn(metric=float("nan"))
    return MetricReturn(metric=float(1.0 - is_correct(df, ops).mean()))


@metric(mean_of="confidence")
def mean_confidence(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Mean probability the model gave its predicted digit."""
    if len(df) == 0:
        return MetricReturn(metric=float("nan"))
    return MetricReturn(metric=float(np.mean(df[ops.distill_columns["confidence"]])))
