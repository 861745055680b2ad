"""Synthetic loan applications: their generator, the project loader and the models.

One generator makes both the evaluation table (``load``) and, with another seed, the training
set the models learn from, so it lives in one module with the models (function files are loaded
as separate modules and cannot import each other).

How defaults arise (the ground truth the models have to approximate):

- risk grows with the debt-to-income ratio (this loan's instalment plus existing debt payments
  over monthly income) and with previous defaults, and falls with credit history and tenure;
- business loans above 60% of annual income carry a sharp extra risk that a linear model cannot
  represent but trees can;
- applicants under 26 with under 3 years of credit history ("thin file") carry a large risk
  factor nothing in the application reveals, so their outcomes are genuinely hard to predict;
- in the south region a quarter of the outcomes come from a servicer that reports defaults
  inconsistently: they are coin flips unrelated to the application (label noise).

Gender is recorded for fairness analysis only: it plays no part in the outcome and the models do
not see it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from zenohub.api import ModelReturn, ZenoOptions, model

EVAL_SEED = 1
EVAL_SIZE = 3000
TRAIN_SEED = 2
TRAIN_SIZE = 6000

REGIONS = ["north", "south", "east", "west", "central"]
REGION_SHARE = [0.22, 0.18, 0.20, 0.25, 0.15]
REGION_LOG_INCOME = [0.05, -0.10, 0.0, 0.10, -0.05]
GENDERS = ["female", "male", "non-binary"]
GENDER_SHARE = [0.49, 0.49, 0.02]
PURPOSES = ["car", "home_improvement", "debt_consolidation", "education", "business"]
PURPOSE_SHARE = [0.30, 0.20, 0.30, 0.10, 0.10]
#: median loan amount as a fraction of annual income, per purpose
PURPOSE_LOAN_RATIO = [0.35, 0.30, 0.25, 0.20, 0.55]

#: columns the models see (gender deliberately excluded)
NUMERIC_FEATURES = [
    "age",
    "income",
    "employment_years",
    "credit_history_length",
    "loan_amount",
    "term_months",
    "interest_rate",
    "existing_monthly_debt",
    "previous_defaults",
    "num_credit_lines",
]
CATEGORICAL_FEATURES = ["region", "purpose"]
#: monetary columns enter the models as logarithms
LOG_FEATURES = ["income", "loan_amount", "existing_monthly_debt"]
PROBABILITY_THRESHOLD = 0.5
EMBEDDING_DIMENSIONS = 16


def monthly_payment(amount: np.ndarray, annual_rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Instalment of a fixed-rate loan repaid in equal monthly payments (annuity formula)."""
    r = np.asarray(annual_rate, dtype=np.float64) / 12
    return np.asarray(amount) * r / (1 - (1 + r) ** -np.asarray(months, dtype=np.float64))


def debt_to_income(table: pd.DataFrame) -> np.ndarray:
    """Monthly debt payments, this loan's included, over monthly income."""
    payment = monthly_payment(table["loan_amount"], table["interest_rate"], table["term_months"])
    return ((payment + table["existing_monthly_debt"]) / (table["income"] / 12)).to_numpy()


def generate(n: int, seed: int) -> pd.DataFrame:
    """``n`` loan applications with their outcome ``defaulted``, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    region_code = rng.choice(len(REGIONS), size=n, p=REGION_SHARE)
    age = np.clip(21 + rng.gamma(1.6, 11.0, size=n), 21, 80).astype(np.int64)
    adult_years = age - 18
    credit_history = np.round(adult_years * rng.beta(4, 2, size=n), 1)
    employment = np.round(adult_years * rng.beta(2, 3, size=n), 1)
    log_income = (
        10.5
        + 0.02 * np.minimum(age - 21, 25)
        + 0.03 * np.minimum(employment, 15)
        + np.asarray(REGION_LOG_INCOME)[region_code]
        + rng.normal(0, 0.35, size=n)
    )
    income = np.round(np.exp(log_income), -2)
    purpose_code = rng.choice(len(PURPOSES), size=n, p=PURPOSE_SHARE)
    loan_ratio = np.asarray(PURPOSE_LOAN_RATIO)[purpose_code] * rng.lognormal(0, 0.5, size=n)
    loan_amount = np.maximum(np.round(income * loan_ratio / 500) * 500, 1000)
    term = np.where(rng.random(n) < 0.25 + 0.5 * (loan_ratio > 0.4), 60, 36)
    previous_defaults = rng.poisson(0.2, size=n)
    thin_file = credit_history < 3
    # risk-based pricing: what the lender knew when it set the rate
    interest_rate = np.round(
        np.clip(
            0.065
            + 0.03 * previous_defaults
            + 0.03 * thin_file
            + 0.01 * (term == 60)
            + rng.normal(0, 0.01, size=n),
            0.04,
            0.25,
        ),
        4,
    )
    existing_debt = np.round(income / 12 * rng.beta(2, 12, size=n), -1)
    table = pd.DataFrame(
        {
            "id": [f"app-{i:05d}" for i in range(n)],
            "age": age,
            "gender": np.asarray(GENDERS)[rng.choice(len(GENDERS), size=n, p=GENDER_SHARE)],
            "region": np.asarray(REGIONS)[region_code],
            "income": income,
            "employment_years": employment,
            "credit_history_length": credit_history,
            "num_credit_lines": rng.poisson(1 + credit_history / 4),
            "previous_defaults": previous_defaults,
            "existing_monthly_debt": existing_debt,
            "purpose": np.asarray(PURPOSES)[purpose_code],
            "loan_amount": loan_amount,
            "term_months": term.astype(np.int64),
            "interest_rate": interest_rate,
        }
    )
    dti = debt_to_income(table)
    logit = (
        -0.9
        + 6.0 * (dti - 0.25)
        + 6.0 * np.maximum(dti - 0.4, 0)
        + 1.2 * previous_defaults
        - 0.1 * np.minimum(credit_history, 20)
        - 0.1 * np.minimum(employment, 10)
        + 3.0 * ((purpose_code == PURPOSES.index("business")) & (loan_ratio > 0.6))
        + 0.4 * (term == 60)
    )
    young_thin = (age < 26) & thin_file
    logit = logit + young_thin * rng.normal(0.5, 3.0, size=n)
    defaulted = rng.random(n) < 1 / (1 + np.exp(-logit))
    unreliable = (region_code == REGIONS.index("south")) & (rng.random(n) < 0.25)
    defaulted = np.where(unreliable, rng.random(n) < 0.5, defaulted)
    table["defaulted"] = defaulted.astype(bool)
    table["application"] = summaries(table)
    return table


def summaries(table: pd.DataFrame) -> pd.Series:
    """A one-line description of each application, for the instance cards."""
    money = "{:,.0f}".format
    return (
        table["age"].astype(str)
        + "-year-old "
        + table["gender"]
        + " from the "
        + table["region"]
        + ": $"
        + table["loan_amount"].map(money)
        + " "
        + table["purpose"].str.replace("_", " ")
        + " loan over "
        + table["term_months"].astype(str)
        + " months at "
        + (table["interest_rate"] * 100).map("{:.1f}%".format)
        + "; income $"
        + table["income"].map(money)
        + ", "
        + table["employment_years"].map("{:g}".format)
        + " years employed, "
        + table["credit_history_length"].map("{:g}".format)
        + " years of credit history"
    )


def load(output_path: str) -> pd.DataFrame:
    """The 3000 evaluation applications (nothing is written under ``output_path``)."""
    return generate(EVAL_SIZE, EVAL_SEED)


def preprocessor() -> ColumnTransformer:
    """Log-scaled money, standardized numbers and one-hot categories."""
    log = FunctionTransformer(np.log1p, feature_names_out="one-to-one")
    return ColumnTransformer(
        [
            ("log", Pipeline([("log", log), ("scale", StandardScaler())]), LOG_FEATURES),
            (
                "num",
                StandardScaler(),
                [c for c in NUMERIC_FEATURES if c not in LOG_FEATURES],
            ),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                CATEGORICAL_FEATURES,
            ),
        ]
    )


class LogisticModel:
    """Logistic regression; embeds an application as its per-feature contributions to the logit."""

    def __init__(self) -> None:
        self.pipeline = Pipeline(
            [("prep", preprocessor()), ("clf", LogisticRegression(C=1.0, max_iter=2000))]
        )

    def fit(self, x: pd.DataFrame, y: np.ndarray) -> LogisticModel:
        self.pipeline.fit(x, y)
        return self

    def probability(self, x: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(x)[:, 1]

    @property
    def embedding_size(self) -> int:
        return len(self.pipeline.named_steps["clf"].coef_[0])

    def embed(self, x: pd.DataFrame) -> np.ndarray:
        scaled = self.pipeline.named_steps["prep"].transform(x)
        return scaled * self.pipeline.named_steps["clf"].coef_[0]


class BoostedModel:
    """Gradient-boosted trees; embeds an application by the leaves it falls in.

    The one-hot leaf memberships (one block per tree) are reduced to 16 dimensions with a
    truncated SVD fitted on the training set, so applications the trees treat alike lie close.
    """

    def __init__(self, **params: float) -> None:
        self.prep = preprocessor()
        self.clf = GradientBoostingClassifier(random_state=0, **params)
        self.leaves = OneHotEncoder(handle_unknown="ignore")
        self.svd = TruncatedSVD(n_components=EMBEDDING_DIMENSIONS, random_state=0)

    def fit(self, x: pd.DataFrame, y: np.ndarray) -> BoostedModel:
        features = self.prep.fit_transform(x)
        self.clf.fit(features, y)
        self.svd.fit(self.leaves.fit_transform(self.clf.apply(features)[:, :, 0]))
        return self

    def probability(self, x: pd.DataFrame) -> np.ndarray:
        return self.clf.predict_proba(self.prep.transform(x))[:, 1]

    embedding_size = EMBEDDING_DIMENSIONS

    def embed(self, x: pd.DataFrame) -> np.ndarray:
        leaves = self.clf.apply(self.prep.transform(x))[:, :, 0]
        return self.svd.transform(self.leaves.transform(leaves))


#: how each model name is built
MODELS = {
    "logreg": lambda: LogisticModel(),
    "gbm": lambda: BoostedModel(n_estimators=60, max_depth=2, learning_rate=0.1),
    "gbm-tuned": lambda: BoostedModel(
        n_estimators=120, max_depth=3, learning_rate=0.08, subsample=0.5, min_samples_leaf=20
    ),
}


def train(model_name: str) -> LogisticModel | BoostedModel:
    """Fit the named model on the training applications."""
    if model_name not in MODELS:
        raise ValueError(
            f"unknown loans model {model_name!r}: config.toml `models` may list {', '.join(MODELS)}"
        )
    training = generate(TRAIN_SIZE, TRAIN_SEED)
    # one BLAS / OpenMP thread: identical fits in every process, whatever its thread settings
    with threadpool_limits(limits=1):
        return MODELS[model_name]().fit(training, training["defaulted"].to_numpy())


@model
def classifier(model_name: str):
    """Predicts whether an application will default; the name picks the model family."""
    fitted = train(model_name)

    def predict(df: pd.DataFrame, ops: ZenoOptions) -> ModelReturn:
        if len(df) == 0:
            return ModelReturn(
                model_output=np.zeros(0, bool),
                embedding=np.zeros((0, fitted.embedding_size)),
                other_returns={"probability": np.zeros(0)},
            )
        with threadpool_limits(limits=1):
            probability = fitted.probability(df)
            embedding = fitted.embed(df)
        return ModelReturn(
            model_output=probability >= PROBABILITY_THRESHOLD,
            embedding=embedding,
            other_returns={"probability": probability},
        )

    return predict
