"""Executors: run one task over many items in process, in a process pool or on Dask.

An experiment is a list of independent *items* (a replication index, a (variant,
replication) pair) and one *task* ``task(context, item) -> result``: a module-level
function, so it pickles by reference. The *context* is what every item needs and
what is expensive to send — the scenarios. Each executor sends it once per worker,
not once per item:

- `SerialExecutor` calls the task in this process.
- `PoolExecutor` installs the context in each worker process through the pool's
  initializer (inherited, not pickled, where processes fork).
- `DaskExecutor` scatters the context to every worker once (``broadcast=True``) and
  submits the items with a reference to it. ``address="local"`` starts a
  `LocalCluster` bound to the loopback interface with no dashboard; any other
  address is a running scheduler (``tcp://host:8786``) whose workers can import
  this package.

Every executor yields ``(item, result)`` pairs as items finish, in completion order:
callers that need an order sort by item, which is how results stay byte-identical
whichever executor ran them. A task must be a pure function of (context, item).

This module knows nothing of scenarios or the engine: `sim.experiment` supplies the
tasks.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

Task = Callable[[Any, Any], Any]

#: The context of this worker process, installed by `PoolExecutor`'s initializer.
_WORKER_CONTEXT: Any = None


class ExecutorError(Exception):
    """The executor cannot run (a Dask scheduler out of reach); the message is one line."""


class Executor(Protocol):
    """Runs ``task(context, item)`` for every item; yields ``(item, result)`` as done."""

    workers: int

    def run(self, task: Task, context: Any, items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        ...


class SerialExecutor:
    """Every item in this process, in the order given."""

    workers = 1

    def run(self, task: Task, context: Any, items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, task(context, item)


def _install_context(context: Any) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context
    # Ctrl-C is the parent's to handle: it stops handing out items and keeps what has
    # finished; workers finish their item instead of dying with a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call_with_worker_context(task: Task, item: Any) -> Any:
    return task(_WORKER_CONTEXT, item)


class PoolExecutor:
    """A local pool of ``workers`` processes (`concurrent.futures.ProcessPoolExecutor`).

    At most ``2 × workers`` items are in flight at once, so an interrupted run loses
    little work and the results in memory stay few.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers

    def run(self, task: Task, context: Any, items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        if not items:
            return
        # imported here: a serial run does not pay for the process pool's modules (15 ms)
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        workers = min(self.workers, len(items))
        position = {item: i for i, item in enumerate(items)}
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_install_context,
                                   initargs=(context,))
        try:
            todo = iter(items)
            running: dict[Any, Any] = {}

            def top_up() -> None:
                while len(running) < 2 * workers:
                    item = next(todo, _END)
                    if item is _END:
                        return
                    running[pool.submit(_call_with_worker_context, task, item)] = item

            top_up()
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: position[running[f]]):
                    item = running.pop(future)
                    yield item, future.result()
                top_up()
        finally:
            # On an interruption (Ctrl-C, an error, the caller stopping early) queued
            # items are dropped and running ones finish in the background workers.
            pool.shutdown(wait=True, cancel_futures=True)


_END = object()


class DaskExecutor:
    """Items as Dask tasks on a cluster: ``address`` of a scheduler, or ``"local"``.

    Parameters
    ----------
    address : ``tcp://HOST:PORT`` of a running scheduler, or ``"local"`` to start a
        `LocalCluster` of ``workers`` single-threaded processes on 127.0.0.1 with no
        dashboard (it is closed when the run ends)
    workers : worker processes of a local cluster (ignored for a remote one)
    """

    def __init__(self, address: str, workers: int = 2) -> None:
        self.address = address
        self.workers = workers

    def run(self, task: Task, context: Any, items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import Client, LocalCluster, as_completed

        if not items:
            return
        cluster = None
        if self.address == "local":
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError, ValueError) as error:
                text = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise ExecutorError(f"--dask {self.address}: cannot reach the scheduler "
                                    f"({text})") from None
        try:
            shared = client.scatter(context, broadcast=True, hash=False)
            futures = {client.submit(task, shared, item, pure=False): item for item in items}
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def default_workers() -> int:
    """Worker processes used when the caller does not say: one per core, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def make_executor(workers: int = 1, dask: str | None = None) -> Executor:
    """The executor the command line asked for: Dask if ``dask``, else a pool or serial."""
    if dask:
        return DaskExecutor(dask, workers=max(workers, 1))
    if workers > 1:
        return PoolExecutor(workers)
    return SerialExecutor()
