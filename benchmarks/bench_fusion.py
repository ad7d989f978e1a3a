"""Fusion core speed: one batch for n tracks × m reports, and whole recorded files.

Run: ``pytest benchmarks/bench_fusion.py --benchmark-only`` (or ``pytest benchmarks/``).
Figures and how to read them: ``benchmarks/README.md``.

* ``test_batch_*``: one call of ``fuse_batch`` on a table in steady state (tracks
  confirmed, reports from the same targets), from the simulator's small batches
  (5 tracks, 4 reports) to 10,000 × 9,000; the numpy reference pipeline beside it.
* ``test_replay_*``: the tracking loop of ``run_sim.py fuse`` (parsing and writing
  excluded) over detection files recorded with the anchor generator
  (``shared/anchor/make_case.py``, seed 2024), generated once into
  ``anchor-bench/bench-cases/`` (git-ignored). ``extra_info`` holds detections per
  second and nanoseconds per detection, from the median round.

The anchor scripts are looked for beside the checkout (``../shared/anchor``, where CI
copies them); replay benchmarks are skipped with the reason when they are absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from command.fusion import FusionParams, TrackTable, fuse_batch
from command.fusion.core import fuse_batch_numpy
from command.fusion.csvio import read_detections
from command.fusion.replay import track_detections, warm_up

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ROOT.parent / "shared" / "anchor"
CASES = ROOT / "anchor-bench" / "bench-cases"
PARAMS = FusionParams()


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    warm_up()


def steady_table(n: int, seed: int = 0, extent_m: float = 20_000.0):
    """A table of n confirmed tracks on walkers spread like the anchor cases (density
    n per 100 km²), and a function giving the next batch (every target detected)."""
    rng = np.random.default_rng(seed)
    height = extent_m / 4.0
    pos = rng.uniform([0, 0], [extent_m, height], (n, 2))
    vel = rng.normal(0, 1.0, (n, 2))
    R = np.tile(np.eye(2) * 225.0, (n, 1, 1))
    sensor = np.zeros(n, np.int64)

    def batch(k: int):
        return pos + k * vel + rng.normal(0, 15.0, (n, 2)), R, sensor

    table = TrackTable.empty()
    for k in range(6):
        table, _ = fuse_batch(table, float(k), *batch(k), None, PARAMS)
    return table, batch(6)


@pytest.mark.parametrize("n", [5, 100, 1_000, 10_000])
def test_batch_compiled(benchmark, n):
    table, (z, R, sensor) = steady_table(n)
    benchmark.pedantic(fuse_batch, args=(table, 6.0, z, R, sensor, None, PARAMS),
                       rounds=max(20, 20_000 // n), iterations=1, warmup_rounds=2)
    benchmark.extra_info.update(tracks=len(table), reports=len(z),
                                us_per_batch=1e6 * benchmark.stats.stats.median,
                                ns_per_report=1e9 * benchmark.stats.stats.median / len(z))


@pytest.mark.parametrize("n", [5, 100, 1_000])
def test_batch_numpy_reference(benchmark, n):
    table, (z, R, sensor) = steady_table(n)
    benchmark.pedantic(fuse_batch_numpy, args=(table, 6.0, z, R, sensor, None, PARAMS),
                       rounds=max(10, 2_000 // n), iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(tracks=len(table), reports=len(z),
                                us_per_batch=1e6 * benchmark.stats.stats.median,
                                ns_per_report=1e9 * benchmark.stats.stats.median / len(z))


# name: make_case.py arguments (seed 2024); durations keep each file 5k-270k rows
REPLAYS = {
    "T10": ["--targets", "10", "--duration", "600"],
    "T100": ["--targets", "100", "--duration", "300"],
    "T100_C100": ["--targets", "100", "--duration", "300", "--clutter", "100"],
    "T1000": ["--targets", "1000", "--duration", "30"],
    "T3000": ["--targets", "3000", "--duration", "60"],
    "T10000": ["--targets", "10000", "--duration", "30"],
}


@pytest.fixture(scope="session")
def recorded():
    if not (ANCHOR / "make_case.py").exists():
        pytest.skip(f"anchor generator not found at {ANCHOR} (CI copies shared/ beside "
                    "the checkout)")
    loaded = {}

    def get(name: str):
        if name not in loaded:
            out = CASES / name
            if not (out / "case.json").exists():
                subprocess.run([sys.executable, str(ANCHOR / "make_case.py"), "--seed", "2024",
                                "--out", str(out), *REPLAYS[name]], check=True,
                               capture_output=True)
            loaded[name] = read_detections(out / "detections.csv")
        return loaded[name]

    return get


@pytest.mark.parametrize("name", list(REPLAYS))
def test_replay(benchmark, recorded, name):
    det = recorded(name)
    rows = len(det.t_s)
    benchmark.pedantic(track_detections, args=(det, PARAMS), rounds=5, iterations=1,
                       warmup_rounds=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(rows=rows, batches=len(det.batches()[0]),
                                det_per_s=rows / median, ns_per_det=1e9 * median / rows)
