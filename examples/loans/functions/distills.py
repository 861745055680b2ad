"""Metadata distilled from the loan applications and from each model's predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub.api import DistillReturn, ZenoOptions, distill

#: under this many years of credit history a bureau file is "thin"
THIN_FILE_YEARS = 3


def monthly_payment(amount: np.ndarray, annual_rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Instalment of a fixed-rate loan repaid in equal monthly payments (annuity formula).

    Repeated from ``loans.py`` (function files are separate modules); the tests check they agree.
    """
    r = np.asarray(annual_rate, dtype=np.float64) / 12
    return np.asarray(amount) * r / (1 - (1 + r) ** -np.asarray(months, dtype=np.float64))


@distill(per_model=False)
def debt_to_income(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Monthly debt payments, this loan's instalment included, over monthly income."""
    payment = monthly_payment(df["loan_amount"], df["interest_rate"], df["term_months"])
    monthly_income = np.asarray(df["income"], dtype=np.float64) / 12
    debts = payment + np.asarray(df["existing_monthly_debt"], dtype=np.float64)
    return DistillReturn(distill_output=debts / monthly_income)


@distill(per_model=False)
def thin_file(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Whether the applicant has under three years of credit history."""
    history = np.asarray(df["credit_history_length"], dtype=np.float64)
    return DistillReturn(distill_output=history < THIN_FILE_YEARS)


@distill(per_model=True)
def correct(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Whether the model's default prediction matches the outcome."""
    output = np.asarray(df[ops.output_column], dtype=bool)
    return DistillReturn(distill_output=output == np.asarray(df[ops.label_column], dtype=bool))


@distill(per_model=True)
def outcome(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Confusion-matrix cell of the prediction, a default being the positive class."""
    predicted = np.asarray(df[ops.output_column], dtype=bool)
    actual = np.asarray(df[ops.label_column], dtype=bool)
    cells = np.array([["true negative", "false positive"], ["false negative", "true positive"]])
    return DistillReturn(distill_output=cells[actual.astype(int), predicted.astype(int)])
