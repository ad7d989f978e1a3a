"""Experiments: many replications of one scenario, serial or in worker processes.

A replication is a pure function of (scenario, seed, replication index) and returns
plain data, so it runs the same anywhere: in this process or in a pool of worker
processes. Results come back ordered by replication index whatever order the
workers finish in, so the files written from them are byte-identical serial or
parallel.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from sim.engine import ReplicationResult, run_replication
from sim.ground.specs import Scenario

Progress = Callable[[int], None]


def default_workers() -> int:
    """Worker processes used when the caller does not say: one per core, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def run_replications(scenario: Scenario, seed: int, replications: int = 1,
                     workers: int = 1,
                     on_done: Progress | None = None) -> list[ReplicationResult]:
    """Run replications ``0 .. replications-1`` of ``scenario`` under ``seed``.

    Parameters
    ----------
    scenario : the validated scenario
    seed : the experiment's seed; replication ``r`` uses streams spawned from (seed, r)
    replications : how many replications, >= 1
    workers : worker processes; 1 runs in this process
    on_done : called with the number of replications finished so far (progress bars)

    Returns
    -------
    The results, in replication order.
    """
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if workers < 1:
        raise ValueError("workers must be >= 1")
    results: list[ReplicationResult | None] = [None] * replications
    if workers == 1 or replications == 1:
        for r in range(replications):
            results[r] = run_replication(scenario, seed, r)
            if on_done is not None:
                on_done(r + 1)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
            futures = {pool.submit(run_replication, scenario, seed, r): r
                       for r in range(replications)}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if on_done is not None:
                    on_done(done)
    return [r for r in results if r is not None]

