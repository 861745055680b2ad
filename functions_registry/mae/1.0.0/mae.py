"""Mean absolute error (MAE) of numeric predictions.

Part of zenohub's bundled function hub: ``zenohub hub install mae``.
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
                f"mae: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


@metric(higher_is_better=False)
def mae(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Mean absolute error: the average of ``|label - output|``.

    The regression metric in the units of the target, robust to a few large errors (unlike RMSE);
    compare it across slices to find where a regressor is off. Rows missing the label or the output
    are left out.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` and
        ``df[ops.output_column]`` hold numbers.
    ops
        zenohub's options; reads ``label_column`` and ``output_column``.

    Returns
    -------
    MetricReturn
        The error, ``>= 0``, in the label's units; NaN for an empty subset.
    """
    labels, outputs = _pairs(df, ops)
    if len(labels) == 0:
        return MetricReturn(metric=float("nan"))
    try:
        errors = np.abs(labels.astype(np.float64) - outputs.astype(np.float64))
    except (TypeError, ValueError) as exc:
        raise MetricError(
            f"mae needs numeric labels and outputs (columns '{ops.label_column}' and "
            f"'{ops.output_column}'): {exc}"
        ) from exc
    return MetricReturn(metric=float(errors.mean()))
