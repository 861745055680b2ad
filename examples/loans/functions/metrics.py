"""Metrics of the loans demo, a default being the positive class.

Every metric is NaN on a subset it is undefined for: an empty one, or for the false positive
(negative) rate a subset without repaid (defaulted) loans.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub.api import MetricReturn, ZenoOptions, metric

NAN = float("nan")


def predictions(df: pd.DataFrame, ops: ZenoOptions) -> tuple[np.ndarray, np.ndarray]:
    """(predicted default, actual default) as boolean arrays."""
    predicted = np.asarray(df[ops.output_column], dtype=bool)
    return predicted, np.asarray(df[ops.label_column], dtype=bool)


@metric(mean_of="correct")
def accuracy(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Fraction of applications whose outcome the model predicted."""
    if len(df) == 0:
        return MetricReturn(metric=NAN)
    predicted, actual = predictions(df, ops)
    return MetricReturn(metric=float(np.mean(predicted == actual)))


@metric(mean_of="correct", scale=-1.0, offset=1.0, higher_is_better=False)
def error_rate(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Fraction of applications whose outcome the model got wrong."""
    if len(df) == 0:
        return MetricReturn(metric=NAN)
    predicted, actual = predictions(df, ops)
    return MetricReturn(metric=float(1.0 - np.mean(predicted == actual)))


@metric(higher_is_better=False)
def false_positive_rate(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Of the loans that were repaid, the fraction the model flagged as defaults (denied)."""
    predicted, actual = predictions(df, ops)
    repaid = ~actual
    if not repaid.any():
        return MetricReturn(metric=NAN)
    return MetricReturn(metric=float(np.mean(predicted[repaid])))


@metric(higher_is_better=False)
def false_negative_rate(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Of the loans that defaulted, the fraction the model missed."""
    predicted, actual = predictions(df, ops)
    if not actual.any():
        return MetricReturn(metric=NAN)
    return MetricReturn(metric=float(np.mean(~predicted[actual])))


@metric(higher_is_better=False)
def brier_score(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Mean squared difference between the predicted default probability and the outcome."""
    if len(df) == 0:
        return MetricReturn(metric=NAN)
    probability = np.asarray(df[ops.distill_columns["probability"]], dtype=np.float64)
    actual = np.asarray(df[ops.label_column], dtype=np.float64)
    return MetricReturn(metric=float(np.mean((probability - actual) ** 2)))
