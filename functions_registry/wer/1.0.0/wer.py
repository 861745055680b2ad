"""Word error rate (WER) of transcripts against reference texts.

Part of zenohub's bundled function hub: ``zenohub hub install wer``.
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
                f"wer: {key} '{column}' is not a column of the table; "
                "set label_column in the project config and evaluate a model."
            )
    labels, outputs = df[ops.label_column], df[ops.output_column]
    keep = labels.notna().to_numpy() & outputs.notna().to_numpy()
    return labels.to_numpy()[keep], outputs.to_numpy()[keep]


def _tokens(text: str) -> list[str]:
    """Words: the text split on whitespace."""
    return text.split()


def _distance(reference: np.ndarray, hypothesis: np.ndarray) -> int:
    """Levenshtein distance between two integer sequences, one numpy row at a time."""
    if len(reference) == 0 or len(hypothesis) == 0:
        return max(len(reference), len(hypothesis))
    columns = np.arange(len(hypothesis) + 1)
    row = columns.astype(np.int64)
    for i, token in enumerate(reference, start=1):
        # deletions and substitutions from the previous row, then insertions along this row:
        # row[j] = min(best[j], row[j - 1] + 1) is a running minimum of best[k] + (j - k)
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(row[1:] + 1, row[:-1] + (hypothesis != token))
        row = np.minimum.accumulate(best - columns) + columns
    return int(row[-1])


def _encode(references: list, hypotheses: list) -> tuple[list, list]:
    """Both token lists as integer arrays, equal tokens sharing a code."""
    vocabulary: dict = {}

    def codes(tokens: list) -> np.ndarray:
        return np.array([vocabulary.setdefault(t, len(vocabulary)) for t in tokens], np.int64)

    return [codes(t) for t in references], [codes(t) for t in hypotheses]


def _error_rate(labels: np.ndarray, outputs: np.ndarray) -> float:
    """Total edit distance over total reference length, over all pairs."""
    references = [_tokens(str(t)) for t in labels]
    hypotheses = [_tokens(str(t)) for t in outputs]
    total = sum(len(r) for r in references)
    if total == 0:
        return float("nan")
    refs, hyps = _encode(references, hypotheses)
    return sum(_distance(r, h) for r, h in zip(refs, hyps, strict=True)) / total


@metric(higher_is_better=False)
def wer(df: pd.DataFrame, ops: ZenoOptions) -> MetricReturn:
    """Word error rate: edit operations per reference word, over the subset.

    The words the model's transcript (output) needs inserted, deleted or substituted to match the
    reference (label), summed over the instances and divided by the total number of reference words
    (the corpus-level rate ``jiwer`` and the ASR literature report, not a mean of per-instance
    rates). Words are whitespace-separated tokens, so ``"the cat sat"`` against ``"the cat sat
    down"`` has WER 1/3 (one insertion). Can exceed 1 when the output is much longer than the
    reference. Comparison is exact: when case and punctuation should not count, normalise both the
    labels and the model's outputs first. The standard metric of speech recognition and OCR: slice
    it by audio quality or speaker to find where transcription breaks down.

    Parameters
    ----------
    df
        The subset of instances the metric is computed on. ``df[ops.label_column]`` holds the
        reference texts, ``df[ops.output_column]`` the model's transcripts (strings). Rows missing
        either are left out.
    ops
        zenohub's options; reads ``label_column`` and ``output_column``.

    Returns
    -------
    MetricReturn
        The rate, ``>= 0`` (0 is perfect); NaN when the references hold no words.
    """
    labels, outputs = _pairs(df, ops)
    return MetricReturn(metric=_error_rate(labels, outputs))
