"""Expected calibration error: the gap between a model's confidence and its accuracy.

Part of zenohub's bundled function hub: ``zenohub hub install expected_calibration_error``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import MetricError, MetricReturn, ZenoOptions, metric

#: number of equal-width confidence bins over [0, 1]
BINS = 10


def _pairs(df: pd.DataFrame, ops: ZenoOptions) -> tuple[np.ndarray, np.ndarray]:
    """(labels, outputs) of the rows where both are present."""
    for key, column in (("label_column", ops.label_column), ("output_column", ops.output_column)):
        if not column or column not in df:
            raise MetricError(
                f"expected_calibration_error: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


def _confidence(df: pd.DataFrame, ops: ZenoOptions, predicted: np.ndarray) -> np.ndarray:
    """Each instance's confidence in its prediction (see the function's docstring)."""
    for name in ("confidence", "probability"):
        if name in ops.distill_columns and ops.distill_columns[name] in df:
            column = ops.distill_columns[name]
        elif name in df:
            column = name
        else:
            continue
        values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
        if name == "probability":  # of the positive class: confidence in the prediction made
            values = np.where(predicted.astype(bool), values, 1.0 - values)
        return values
    raise MetricError(
        "expected_calibration_error needs each instance's confidence: return it from the model "
        "as other_returns={'confidence': ...} (probability of the predicted class) or "
        "{'probability': ...} (of the positive class, binary labels), or add a distill or "
        "dataset column named 'confidence'."
    )


@metric(higher_is_better=False)
def expected_calibration_error(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Expected calibration error (Naeini et al., AAAI 2015; Guo et al., ICML 2017).

    Instances are grouped into ``BINS`` = 10 equal-width bins of confidence, ``(0, 0.1], (0.1, 0.2],
    ..., (0.9, 1]`` (a confidence of exactly 0 joins the first), and ``ECE = sum_b (n_b / n) *
    |accuracy_b - mean confidence_b|``. 0 for a perfectly calibrated model; a model that is right
    70% of the time while claiming 95% scores 0.25. Slicing by it shows where a model is
    over-confident -- where its confidence cannot be trusted for deferral or abstention.

    **Where the confidence comes from**, first found wins: a model's ``other_returns`` (or a
    distill) named ``confidence`` -- the probability of the *predicted* class; a dataset column
    named ``confidence``; a model's ``other_returns`` (or distill / column) named ``probability`` --
    the probability of the positive class 1/``True`` of a binary model, turned into the confidence
    in the prediction made (``p`` if the output is positive, ``1 - p`` otherwise). A prediction is
    correct when the output equals the label.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` holds the
        labels, ``df[ops.output_column]`` the predicted labels, and a confidence column (see above)
        numbers in ``[0, 1]``.
    ops
        zenohub's options; reads ``label_column`` and ``output_column`` and ``distill_columns``.

    Returns
    -------
    MetricReturn
        The ECE in ``[0, 1]``, lower is better; NaN for an empty subset.
    """
    for key, column in (("label_column", ops.label_column), ("output_column", ops.output_column)):
        if not column or column not in df:
            raise MetricError(
                f"expected_calibration_error: {key} '{column}' is not a column of the table."
            )
    labels, outputs = df[ops.label_column].to_numpy(), df[ops.output_column].to_numpy()
    confidence = _confidence(df, ops, outputs)
    keep = pd.notna(labels) & pd.notna(outputs) & ~np.isnan(confidence)
    confidence, correct = confidence[keep], (labels == outputs)[keep]
    if len(confidence) == 0:
        return MetricReturn(metric=float("nan"))
    if confidence.min() < 0 or confidence.max() > 1:
        raise MetricError(
            "expected_calibration_error: confidences must lie in [0, 1], got values from "
            f"{confidence.min():g} to {confidence.max():g}."
        )
    bins = np.clip(np.ceil(confidence * BINS).astype(np.int64) - 1, 0, BINS - 1)
    counts = np.bincount(bins, minlength=BINS)
    gap = np.bincount(bins, weights=correct.astype(np.float64), minlength=BINS) - np.bincount(
        bins, weights=confidence, minlength=BINS
    )
    return MetricReturn(metric=float(np.abs(gap).sum() / counts.sum()))
