"""Where tasks run: in this process, a local process pool, or a Dask cluster.

All three run the same :func:`zenohub.pipeline.worker.execute` on the same tasks, so they produce
identical columns. An executor yields results as tasks complete, in any order.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from multiprocessing.context import BaseContext
from typing import Any

from ..errors import ConfigError
from .worker import Task, TaskResult, execute

log = logging.getLogger(__name__)


class Executor(ABC):
    """Runs batches of user functions; a context manager that owns its workers."""

    name: str = "executor"

    @abstractmethod
    def run(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        """Run every task, yielding each result as soon as it is ready."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SequentialExecutor(Executor):
    """Runs tasks one after the other in this process (``multiprocessing = false``)."""

    name = "sequential"

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        for task in tasks:
            yield execute(task)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalExecutor(Executor):
    """A pool of worker processes on this machine, one per core by default.

    Workers are forked when this process runs a single thread (cheap, and scripts need no
    ``if __name__ == "__main__"`` guard); when other threads run (a Panel server, a Dask
    client), they start from a fork server with zenohub preloaded instead, since forking a
    threaded process can deadlock.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: cf.ProcessPoolExecutor | None = None

    def _ensure(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            ctx: BaseContext
            if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("fork")
            else:
                server = multiprocessing.get_context("forkserver")
                server.set_forkserver_preload(["zenohub.pipeline.worker"])
                ctx = server
            self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        tasks = list(tasks)
        if not tasks:  # everything came from the cache: start no workers
            return
        pool = self._ensure()
        futures = [pool.submit(execute, t) for t in tasks]
        try:
            for fut in cf.as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """Dask distributed: a ``LocalCluster`` on this machine, or an existing scheduler address."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.workers = workers or default_workers()
        self._client: Any = None
        self._cluster: Any = None

    def _ensure(self) -> Any:
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.address:
                self._client = Client(self.address)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    host="127.0.0.1",
                )
                self._client = Client(self._cluster)
        return self._client

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        from distributed import as_completed

        tasks = list(tasks)
        if not tasks:
            return
        client = self._ensure()
        futures = [client.submit(execute, t, pure=False) for t in tasks]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            client.cancel(futures)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(kind: str, workers: int | None = None, address: str | None = None) -> Executor:
    """Executor named by the config's ``executor`` (``local``, ``sequential`` or ``dask``)."""
    if kind == "sequential":
        return SequentialExecutor()
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(address, workers)
    raise ConfigError(f"Unknown executor {kind!r}; use 'local', 'sequential' or 'dask'.")
