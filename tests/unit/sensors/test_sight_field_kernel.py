"""The compiled sight-line field (``sim/ground/csrc/field.c``) gives the numpy
reference's answers bit for bit: ``field_below`` is ``cdf_below(correlated_normal(...))``
of `sensors.common` on points in runs through cells, on cell edges and at negative
coordinates, with thresholds anywhere and at Φ(z) itself (one ulp either side), and
`SightLines.open` is the same with or without the kernels."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.common import (
    SIGHT_CELL_M,
    SightLines,
    cdf_below,
    correlated_normal,
    standard_normal_cdf,
)
from sim.ground.keyed import Draws
from sim.ground.specs import SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain


def _compiled(ground_kernels, draws: Draws, xy: np.ndarray, threshold: np.ndarray) -> np.ndarray:  # noqa: ANN001
    flat = np.ascontiguousarray(xy).reshape(-1)
    keys, corner = ground_kernels.field_keys(flat, SIGHT_CELL_M)
    return ground_kernels.field_below(flat, SIGHT_CELL_M, draws.normal(keys, 1).reshape(-1),
                                      corner, np.ascontiguousarray(threshold))


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    """A walk of small steps (runs of points in one cell), some points on cell edges."""
    xy = np.cumsum(rng.normal(0, 3, (n, 2)), axis=0) + rng.uniform(-5e4, 5e4, 2)
    edge = rng.random(n) < 0.1
    xy[edge] = np.round(xy[edge] / SIGHT_CELL_M) * SIGHT_CELL_M
    return xy


def test_field_below_is_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(8)
    for trial in range(60):
        draws = Draws(int(rng.integers(0, 2**62)))
        xy = _points(rng, int(rng.integers(1, 400)))
        z = correlated_normal(draws, xy)
        exact = standard_normal_cdf(z)
        pick = trial % 4
        if pick == 0:
            threshold = rng.random(len(xy))
        elif pick == 1:        # where numpy's cdf_below needs erfc: at Φ(z), an ulp apart
            threshold = np.nextafter(exact, rng.choice([-1.0, 2.0], len(xy)))
            threshold[::3] = exact[::3]
        elif pick == 2:        # deep in the forest and in the open
            threshold = rng.choice([0.0, 1e-300, 1e-9, 1.0 - 1e-12, 1.0], len(xy))
        else:
            threshold = np.exp(-rng.exponential(20, len(xy)))
        want = cdf_below(z, threshold)
        assert np.array_equal(want, exact < threshold)
        assert np.array_equal(_compiled(ground_kernels, draws, xy, threshold), want)


def test_corner_keys_are_the_cells_corners(ground_kernels) -> None:  # noqa: ANN001
    """(15, −5) is in cell (1, −1); its corners (1, −1), (2, −1), (1, 0), (2, 0) are keyed
    (x << 32) ^ (y & 0xFFFFFFFF); (16, −4), in the same cell, adds no run; (25, −5), in
    the next cell (2, −1), shares two corners with it and adds two keys."""
    keys, corner = ground_kernels.field_keys(np.array([15.0, -5.0, 16.0, -4.0, 25.0, -5.0]),
                                             10.0)
    m = 0xFFFFFFFF
    want = [(1 << 32) ^ (-1 & m), (2 << 32) ^ (-1 & m), (1 << 32) ^ 0, (2 << 32) ^ 0,
            (3 << 32) ^ (-1 & m), (3 << 32) ^ 0]
    assert keys.tolist() == want
    assert corner.tolist() == [0, 1, 2, 3, 1, 4, 3, 5]


def test_corner_keys_give_each_runs_corners(ground_kernels) -> None:  # noqa: ANN001
    """Whatever keys are shared, each run's four corners are its cell's, in order."""
    rng = np.random.default_rng(10)
    for _ in range(30):
        xy = _points(rng, int(rng.integers(1, 300)))
        keys, corner = ground_kernels.field_keys(np.ascontiguousarray(xy).reshape(-1),
                                                 SIGHT_CELL_M)
        cell = np.floor(xy / SIGHT_CELL_M).astype(np.int64)
        first = np.ones(len(cell), dtype=bool)
        first[1:] = (cell[1:] != cell[:-1]).any(axis=1)
        cx, cy = cell[first, 0], cell[first, 1]
        want = np.stack([((cx + dx) << 32) ^ ((cy + dy) & 0xFFFFFFFF)
                         for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1))], axis=1)
        assert np.array_equal(keys[corner].reshape(-1, 4), want)
        assert len(keys) < 4 * len(cx) or len(cx) == 1


def test_sight_lines_open_the_same_with_and_without_the_kernels(ground_kernels) -> None:  # noqa: ANN001
    forest = ZoneSpec(kind="forest", polygon=[(0, 0), (3000, 0), (3000, 2000), (0, 2000)],
                      foliage=0.4)
    terrain = Terrain(SegmentSpec.model_validate({"border": [(0.0, 0.0), (5000.0, 0.0)],
                                                  "depth_m": 3000.0, "zones": [forest]}))
    rng = np.random.default_rng(9)
    for key in range(20):
        compiled = SightLines(terrain, np.array([1500.0, -50.0]), 30.0, Draws(key))
        reference = SightLines(terrain, np.array([1500.0, -50.0]), 30.0, Draws(key))
        reference._kernels = None
        xy = _points(rng, 200) * 0.02 + rng.uniform(0, 3000, 2)
        assert compiled._kernels is ground_kernels
        assert np.array_equal(compiled.open(xy), reference.open(xy))
        assert np.array_equal(compiled.open(xy, 0.5), reference.open(xy, 0.5))


def test_field_below_refuses_normals_of_other_cells(ground_kernels) -> None:  # noqa: ANN001
    flat = np.array([15.0, -5.0, 35.0, -5.0])        # two runs: eight corners
    corner = np.arange(8, dtype=np.int64)
    with pytest.raises(ValueError, match="corner normals"):
        ground_kernels.field_below(flat, 10.0, np.zeros(8), corner[:4], np.full(2, 0.5))
    with pytest.raises(ValueError, match="corner normals"):
        ground_kernels.field_below(flat, 10.0, np.zeros(8), corner, np.full(3, 0.5))
    with pytest.raises(ValueError, match="corner normals"):      # an index names no normal
        ground_kernels.field_below(flat, 10.0, np.zeros(7), corner, np.full(2, 0.5))
