"""Accuracy: the fraction of instances whose output equals the label.

Part of zenohub's bundled function hub: ``zenohub hub install accuracy``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import MetricError, MetricReturn, ZenoOptions, metric


def _pairs(df: pd.DataFrame, ops: ZenoOptions) -> tuple[np.ndarray, np.ndarray]:
    """(labels, outputs) of the rows where both are present."""
    for key, column in (("label_column", ops.label_column), ("output_column", ops.output_column)):
        if not column or column not in df:
            raise MetricError(
                f"accuracy: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


@metric
def accuracy(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Fraction of instances whose output equals the label.

    The simplest behavioural metric: compare it across slices to find where a classifier fails. Rows
    missing the label or the output are left out.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` holds the labels
        and ``df[ops.output_column]`` the model's predicted labels, of comparable types (numbers,
        strings, booleans).
    ops
        zenohub's options; reads ``label_column`` and ``output_column``.

    Returns
    -------
    MetricReturn
        The fraction in ``[0, 1]``; NaN for an empty subset.
    """
    labels, outputs = _pairs(df, ops)
    if len(labels) == 0:
        return MetricReturn(metric=float("nan"))
    return MetricReturn(metric=float(np.mean(labels == outputs)))
