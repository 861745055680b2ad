"""Jobs of a processing run: one user function on one (transform, model) over every row.

A job's cache key is known before it runs: a hash of the function's fingerprint, the fingerprint
of the data it sees, the model, the transform, and the content hashes of the columns it read on
its last run (recorded per function in ``detections``). Upstream columns that recompute to
identical values therefore leave downstream columns cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cloudpickle

from ..api import FunctionKind, FunctionSpec
from ..columns import ColumnKind, ColumnRef
from .fingerprint import function_fingerprint, hash_strings, is_user_module
from .sources import code_files


@dataclass
class UserFunction:
    """A decorated function with its spec, fingerprint and pickled form (by value, with the
    files of its module's code for tracebacks)."""

    fn: Any
    spec: FunctionSpec
    fingerprint: str = ""
    blob: bytes = b""

    def __post_init__(self) -> None:
        self.fingerprint = function_fingerprint(self.fn)
        import inspect

        module = inspect.getmodule(self.fn)
        if is_user_module(module) and module is not None and module.__name__ != "__main__":
            cloudpickle.register_pickle_by_value(module)
        # the files travel with the function: tracebacks from workers name them
        self.blob = cloudpickle.dumps((self.fn, code_files(module)))

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> FunctionKind:
        return self.spec.kind


@dataclass
class FunctionFailure:
    """A user function that raised (or returned something unusable) on a batch."""

    function: str
    kind: str
    model: str | None
    transform: str | None
    first_id: Any
    traceback: str

    def __str__(self) -> str:
        where = [f"{self.kind} function '{self.function}'"]
        if self.model:
            where.append(f"model '{self.model}'")
        if self.transform:
            where.append(f"transform '{self.transform}'")
        head = ", ".join(where) + " failed"
        if self.first_id is not None:  # None: the run as a whole failed, not one batch
            head += f" on the batch starting at id {self.first_id!r}"
        return f"{head}:\n{self.traceback.rstrip()}"


@dataclass
class Job:
    """One function run; ``results`` fills batch by batch."""

    fn: UserFunction
    transform: str | None
    model: str | None
    data_fp: str
    label: str = ""
    output_sha: str | None = None  #: content hash of the model output a per-model distill sees
    deps: dict[str, str] = field(default_factory=dict)  #: distill name -> content hash read
    parts: dict[int, Any] = field(default_factory=dict)
    failed: bool = False
    deferred: bool = False  #: this run asked for a column not computed yet
    deferred_on: set[str] = field(default_factory=set)  #: every such column seen so far

    def __post_init__(self) -> None:
        bits = [self.fn.kind.value, self.fn.name]
        if self.model:
            bits.append(f"@{self.model}")
        if self.transform:
            bits.append(f"~{self.transform}")
        self.label = " ".join(bits)

    @property
    def run_key(self) -> str:
        """Identity of the run, without dependencies read (used for resumable batches)."""
        return hash_strings(
            [
                "v1",
                self.fn.kind.value,
                self.fn.fingerprint,
                self.data_fp,
                self.model or "",
                self.transform or "",
                self.output_sha or "",
            ]
        )

    def entry_key(self, dep_shas: dict[str, str]) -> str:
        return hash_strings([self.run_key, *(f"{k}={v}" for k, v in sorted(dep_shas.items()))])

    def ref(self, result_name: str) -> ColumnRef:
        """The table column a named result of this job becomes."""
        t, m = self.transform, self.model
        if self.fn.kind is FunctionKind.MODEL:
            if result_name == "output":
                return ColumnRef(ColumnKind.OUTPUT, "output", m, t)
            if result_name == "embedding":
                return ColumnRef(ColumnKind.EMBEDDING, "embedding", m, t)
            return ColumnRef(ColumnKind.OTHER, result_name.removeprefix("other:"), m, t)
        if self.fn.kind is FunctionKind.DISTILL:
            return ColumnRef(ColumnKind.DISTILL, self.fn.name, m, t)
        return ColumnRef(ColumnKind.DATA, result_name.removeprefix("col:"), None, self.fn.name)
