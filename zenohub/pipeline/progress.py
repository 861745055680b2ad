"""Progress of a processing run: rows done per job, observable by a terminal bar or the app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class JobProgress:
    """One function run (a function on one model / transform) over all rows."""

    job: str  #: label, e.g. "distill brightness [noise]" or "model mlp-v2"
    total: int
    done: int = 0
    cached: int = 0  #: rows read from the cache instead of computed
    failed: bool = False
    finished: bool = False
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def rows_per_second(self) -> float:
        computed = self.done - self.cached
        return computed / self.elapsed if self.elapsed > 0 and computed > 0 else 0.0

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


Listener = Callable[[JobProgress], None]


class Progress:
    """Thread-safe record of every job of a run; listeners are called on each change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, JobProgress] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, job: JobProgress) -> None:
        for listener in list(self._listeners):
            listener(job)

    def start(self, job: str, total: int) -> None:
        with self._lock:
            jp = self._jobs[job] = JobProgress(job, total)
        self._emit(jp)

    def advance(self, job: str, rows: int, cached: bool = False) -> None:
        with self._lock:
            jp = self._jobs[job]
            jp = self._jobs[job] = replace(
                jp, done=jp.done + rows, cached=jp.cached + (rows if cached else 0)
            )
        self._emit(jp)

    def finish(self, job: str, failed: bool = False) -> None:
        with self._lock:
            jp = self._jobs[job]
            jp = self._jobs[job] = replace(jp, finished=True, failed=failed, ended=time.monotonic())
        self._emit(jp)

    def discard(self, job: str) -> None:
        """Forget a job that will run again under another name (e.g. moved to per-model)."""
        with self._lock:
            self._jobs.pop(job, None)

    def snapshot(self) -> list[JobProgress]:
        with self._lock:
            return list(self._jobs.values())

    @property
    def fraction(self) -> float:
        jobs = self.snapshot()
        total = sum(j.total for j in jobs)
        return sum(j.done for j in jobs) / total if total else 1.0
