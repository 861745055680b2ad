"""Runs user functions over a dataset: plan, cache, executors and progress."""

from .cache import ColumnCache
from .executors import DaskExecutor, Executor, LocalExecutor, SequentialExecutor, make_executor
from .jobs import FunctionFailure, UserFunction
from .progress import JobProgress, Progress
from .runner import Runner, RunResult

__all__ = [
    "ColumnCache",
    "DaskExecutor",
    "Executor",
    "FunctionFailure",
    "JobProgress",
    "LocalExecutor",
    "Progress",
    "RunResult",
    "Runner",
    "SequentialExecutor",
    "UserFunction",
    "make_executor",
]
