"""``detections.csv`` rows of a `scale_year` day: the writer the run uses against its
Python fallback and ``repr``'s.

Run: ``pytest benchmarks/bench_rows.py --benchmark-only``. The columns are 54,756
fused reports (a `scale_year` day's count, seed 1) drawn as the node writes them:
times over the day, positions over the 100 km segment, covariances of a few hundred
m². ``compiled`` is `sim.rows.detection_rows` as the run calls it (orjson writes
each column, C puts the rows together); ``orjson`` is its fallback without the C
module (orjson writes the rows' tuples); ``repr`` is the format's definition, every
float through ``repr`` (what the function did before orjson, and what the test of the
rows compares it with). ``extra_info``: ns per row.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim.rows as rows_mod
from sim.rows import detection_rows

ROWS = 54_756


def _columns() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 86_400, ROWS))
    z = rng.uniform([0, 0], [100_000, 5_000], (ROWS, 2))
    R = np.empty((ROWS, 2, 2))
    R[:, 0, 0], R[:, 1, 1] = rng.uniform(25, 900, ROWS), rng.uniform(25, 900, ROWS)
    R[:, 0, 1] = R[:, 1, 0] = rng.normal(0, 100, ROWS)
    return (t, rng.integers(0, 500, ROWS), z, R, rng.integers(-1, 30, ROWS),
            rng.integers(-1, 2_000, ROWS))


def _by_repr(t, sensor, z, R, truth, track, replication: int) -> str:  # noqa: ANN001
    cols = [map(repr, np.asarray(c, float).tolist())
            for c in (t, z[:, 0], z[:, 1], R[:, 0, 0], R[:, 1, 1], R[:, 0, 1])]
    return "\n".join(f"{a},{s},{b},{c},{e},{f},{g},{tr},{tk},{replication}"
                     for a, s, b, c, e, f, g, tr, tk in zip(
                         cols[0], sensor.tolist(), *cols[1:], truth.tolist(),
                         track.tolist(), strict=True)) + "\n"


@pytest.mark.parametrize("writer", ["compiled", "orjson", "repr"])
def test_detection_rows_of_a_day(benchmark, writer: str, monkeypatch) -> None:  # noqa: ANN001
    cols = _columns()
    if writer == "orjson":
        monkeypatch.setattr(rows_mod, "_rows_compiled", lambda *args: None)
    write = _by_repr if writer == "repr" else detection_rows
    text = benchmark.pedantic(write, args=(*cols, 0), rounds=9, iterations=1,
                              warmup_rounds=1)
    assert text == _by_repr(*cols, 0)
    benchmark.extra_info["ns_per_row"] = round(benchmark.stats.stats.median / ROWS * 1e9)
