"""Macro F1: the unweighted mean over classes of the F1 score.

Part of zenohub's bundled function hub: ``zenohub hub install macro_f1``.
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
                f"macro_f1: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


def _scores(labels: np.ndarray, outputs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per class of the labels and outputs together: (true positives, predicted, actual)
    counts, and the classes."""
    codes, classes = pd.factorize(np.concatenate([labels, outputs]))
    k, n = len(classes), len(labels)
    truth, predicted = codes[:n], codes[n:]
    tp = np.bincount(truth[truth == predicted], minlength=k)
    return tp, np.bincount(predicted, minlength=k), np.bincount(truth, minlength=k), classes


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(len(numerator))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _is_binary(classes: np.ndarray) -> bool:
    """Whether every class is 0 / 1 / False / True, so that 1 (True) is the positive class."""
    return all(not isinstance(c, str) and c in (0, 1) for c in classes)


@metric
def macro_f1(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Macro-averaged F1: the F1 score of each class, averaged with equal weight per class.

    ``F1 = 2 TP / (2 TP + FP + FN)`` per class, over the classes occurring in the subset's labels or
    outputs, as scikit-learn's ``f1_score(y, p, average="macro")`` with ``zero_division=0``. Unlike
    accuracy it is not dominated by frequent classes, so it shows when a model ignores rare classes
    in a slice. Works for binary and multi-class labels; rows missing the label or the output are
    left out.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` holds the labels
        and ``df[ops.output_column]`` the model's predicted labels, of comparable types.
    ops
        zenohub's options; reads ``label_column`` and ``output_column``.

    Returns
    -------
    MetricReturn
        The score in ``[0, 1]``; NaN for an empty subset.
    """
    labels, outputs = _pairs(df, ops)
    if len(labels) == 0:
        return MetricReturn(metric=float("nan"))
    tp, predicted, actual, _ = _scores(labels, outputs)
    return MetricReturn(metric=float(_ratio(2 * tp, predicted + actual).mean()))
