"""ROC AUC: how well a model's scores rank positive instances above negative ones.

Part of zenohub's bundled function hub: ``zenohub hub install roc_auc``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from zenohub import MetricError, MetricReturn, ZenoOptions, metric

#: names of a per-instance score column looked up in ``ops.distill_columns`` (a model's
#: ``other_returns`` or a distill), in order; without one the output column is the score
SCORE_COLUMNS = ("probability", "score")


def _pairs(df: pd.DataFrame, ops: ZenoOptions) -> tuple[np.ndarray, np.ndarray]:
    """(labels, outputs) of the rows where both are present."""
    for key, column in (("label_column", ops.label_column), ("output_column", ops.output_column)):
        if not column or column not in df:
            raise MetricError(
                f"roc_auc: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


def _score_column(df: pd.DataFrame, ops: ZenoOptions) -> str:
    """The column holding each instance's score: see ``SCORE_COLUMNS``."""
    for name in SCORE_COLUMNS:
        if name in ops.distill_columns and ops.distill_columns[name] in df:
            return ops.distill_columns[name]
    return ops.output_column


def _positive(labels: np.ndarray) -> np.ndarray:
    """Whether each label is the positive class: 1 / True, else the larger of two labels."""
    classes = pd.unique(labels)
    if len(classes) > 2:
        raise MetricError(
            f"roc_auc needs binary labels, but the label column has {len(classes)} classes "
            f"(e.g. {', '.join(map(repr, classes[:5]))}); use a one-vs-rest distill."
        )
    if all(not isinstance(c, str) and c in (0, 1) for c in classes):
        return labels == 1
    return labels == max(classes)


@metric
def roc_auc(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Area under the ROC curve: the probability that a random positive instance gets a
    higher score than a random negative one (ties count half).

    Threshold-free, so it compares rankers whose decision thresholds differ, and a low AUC in a
    slice shows the model cannot even *rank* those instances. Computed exactly from average ranks
    (the Mann-Whitney U statistic), equal to scikit-learn's ``roc_auc_score(y, score)``.

    **Where the score comes from**: a model's ``other_returns`` (or a distill) named ``probability``
    or ``score`` (``SCORE_COLUMNS``), when present, else the output column itself -- so the output
    must then be a number such as the positive class's probability, not a predicted label. Labels
    must be binary: the positive class is 1 (``True``) for 0/1 or boolean labels, else the larger of
    the two label values.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` holds binary
        labels; the score column (see above) holds numbers, higher meaning more likely positive.
    ops
        zenohub's options; reads ``label_column`` and ``output_column`` and ``distill_columns``.

    Returns
    -------
    MetricReturn
        The AUC in ``[0, 1]`` (0.5 is chance); NaN when the subset lacks positives or
        negatives.
    """
    for key, column in (("label_column", ops.label_column), ("output_column", ops.output_column)):
        if not column or column not in df:
            raise MetricError(f"roc_auc: {key} '{column}' is not a column of the table.")
    scores_column = _score_column(df, ops)
    labels, scores = df[ops.label_column], df[scores_column]
    keep = labels.notna().to_numpy() & scores.notna().to_numpy()
    if pd.api.types.is_bool_dtype(scores.dtype) or not pd.api.types.is_numeric_dtype(scores.dtype):
        raise MetricError(
            f"roc_auc needs a numeric score, but column '{scores_column}' holds "
            f"{scores.dtype} values; return the positive class's probability as "
            "other_returns={'probability': ...} in the model."
        )
    positive = _positive(labels.to_numpy()[keep])
    values = scores.to_numpy(dtype=np.float64)[keep]
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return MetricReturn(metric=float("nan"))
    ranks = rankdata(values)
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return MetricReturn(metric=float(u / (n_pos * n_neg)))
