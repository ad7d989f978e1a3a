"""Experiments: 200 replications of the default scenario, serially and on 2 workers.

Run: ``pytest benchmarks/bench_experiment.py --benchmark-only`` (about 6 minutes on 2
cores; ``GB_BENCH_REPLICATIONS=40`` for a quicker look). Both tests run the same
experiment (`sim.experiment.run_variants`: each worker gets the scenario once and
sends back the replication's KPI summary) into fresh directories; the second checks
that its per-replication results are byte-identical to the first's and records the
speed-up in ``extra_info``. Worker start-up (process start, imports, loading the
compiled fusion kernels, built from C at install) is inside the timing.

``extra_info`` also has the CPU seconds used (this process and its reaped workers)
and ``cpu_share``: CPU seconds / (wall seconds × workers), the share of its cores the
experiment actually got. On a machine shared with other work (these have 2 cores) a
share well below 1 says the wall time measured the neighbours, not the executor;
quote the speed-up only from runs where both shares are near 1.
"""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path

import pytest

from sim.executors import PoolExecutor, SerialExecutor
from sim.experiment import run_variants
from sim.scenario import load_scenario

DEFAULT = Path(__file__).parents[1] / "scenarios" / "default.yaml"
N = int(os.environ.get("GB_BENCH_REPLICATIONS", "200"))
_SEEN: dict[str, object] = {}


@pytest.fixture(scope="module")
def scenario():  # noqa: ANN201
    return load_scenario(DEFAULT)


def _store_bytes(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted((directory / "replications").rglob("*")) if p.is_file()}


def _time(benchmark, scenario, tmp_path, executor, label):  # noqa: ANN001, ANN202
    out = tmp_path / label

    def fresh():  # noqa: ANN202
        shutil.rmtree(out, ignore_errors=True)
        return (), {}

    def cpu_s() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    before = cpu_s()
    results = benchmark.pedantic(
        lambda: run_variants([("default", scenario)], 1, N, out, executor=executor),
        setup=fresh, rounds=1, iterations=1)
    used = cpu_s() - before
    wall = benchmark.stats.stats.mean
    benchmark.extra_info["cpu_s"] = round(used, 1)
    benchmark.extra_info["cpu_share"] = round(used / (wall * executor.workers), 3)
    benchmark.extra_info["replications"] = N
    benchmark.extra_info["workers"] = executor.workers
    benchmark.extra_info["s_per_replication"] = benchmark.stats.stats.mean / N
    return results, _store_bytes(out)


def test_experiment_serial(benchmark, scenario, tmp_path):  # noqa: ANN001
    _SEEN["serial"] = _time(benchmark, scenario, tmp_path, SerialExecutor(), "serial")
    _SEEN["serial_s"] = benchmark.stats.stats.mean


def test_experiment_two_workers(benchmark, scenario, tmp_path):  # noqa: ANN001
    got = _time(benchmark, scenario, tmp_path, PoolExecutor(2), "pool")
    if "serial" in _SEEN:
        assert got == _SEEN["serial"], "2 workers gave other results than serial"
        speedup = float(_SEEN["serial_s"]) / benchmark.stats.stats.mean  # type: ignore[arg-type]
        benchmark.extra_info["speedup_vs_serial"] = round(speedup, 3)
