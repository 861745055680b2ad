"""A zeno-style toy project: a 'model' that rounds x * k, distills, metrics and a transform."""

import numpy as np

from zenohub import DistillReturn, MetricReturn, ModelReturn, distill, metric, model, transform

CALLS_DIR = None  # tests point this at a folder to count calls


def _count(name):
    """Append a line to $ZENOHUB_TOY_CALLS/<name> per call.

    ZENOHUB_TOY_KILL="<name>:<n>" (with ZENOHUB_TOY_CALLS set) SIGKILLs the process on the call
    after the n-th, as if the machine went down mid-run.
    """
    import os
    import signal

    folder = os.environ.get("ZENOHUB_TOY_CALLS")
    if folder:
        with open(os.path.join(folder, name), "a") as f:
            f.write("x\n")
        target, _, after = os.environ.get("ZENOHUB_TOY_KILL", "").partition(":")
        if target == name:
            with open(os.path.join(folder, name)) as f:
                if sum(1 for _ in f) > int(after):
                    os.kill(os.getpid(), signal.SIGKILL)


def _fail_if_asked(name, df, ops, output=""):
    """ZENOHUB_TOY_FAIL="<where>:<id>" makes a function raise on the batch holding instance <id>.

    <where> is the function's name, followed for per-model runs by the model and transform of
    its output column: "x_squared", "model@m-2", "correct@m-1~shift".
    """
    import os

    target, _, row = os.environ.get("ZENOHUB_TOY_FAIL", "").rpartition(":")
    where = name + (output[output.find("@") :] if "@" in output else "")
    if target == where and row in set(df[ops.id_column].astype(str)):
        raise ValueError(f"toy failure in {where} on the batch holding {row}")


@model
def load_model(name):
    k = float(name.split("-")[1])

    def predict(df, ops):
        _count("model")
        _fail_if_asked("model", df, ops, ops.output_column)
        x = df[ops.data_column].to_numpy(dtype=float)
        out = np.round(x * k).astype(int) % 3
        return ModelReturn(
            model_output=out,
            embedding=np.c_[x, x * k],
            other_returns={"confidence": np.abs(np.sin(x * k))},
        )

    return predict


def _output(df, ops):
    # reading the model output through a helper must still be detected
    return df[ops.output_column]


@distill
def correct(df, ops):
    output = _output(df, ops)
    _count("correct")  # after reading the output: the runs that detect per-model do not count
    _fail_if_asked("correct", df, ops, ops.output_column)
    return DistillReturn(distill_output=(output == df[ops.label_column]).to_numpy())


@distill
def x_squared(df, ops):
    _count("x_squared")
    _fail_if_asked("x_squared", df, ops)
    return (df[ops.data_column] ** 2).to_numpy()


@distill
def x_squared_plus_one(df, ops):
    _count("x_squared_plus_one")
    return df[ops.distill_columns["x_squared"]] + 1


@metric
def accuracy(df, ops):
    if len(df) == 0:
        return MetricReturn(metric=float("nan"))
    return MetricReturn(metric=float(df[ops.distill_columns["correct"]].mean()))


@metric(higher_is_better=False)
def error_rate(df, ops):
    return 1 - df[ops.distill_columns["correct"]].mean() if len(df) else float("nan")


@metric
def median_confidence(df, ops):
    return float(np.median(df[ops.distill_columns["confidence"]])) if len(df) else None


@transform
def shift(df, ops):
    _count("shift")
    out = df[[ops.id_column, ops.data_column]].copy()
    out[ops.data_column] = out[ops.data_column] + 0.5
    return out
