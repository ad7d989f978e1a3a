"""The sight-line shortcuts give exactly what the direct computations give: the
corner draws once per run of points in a cell, and the decision ``Φ(z) < T`` settled
without ``erfc`` away from the threshold. References are the direct forms, written
out here."""

from __future__ import annotations

import numpy as np

from sensors.common import (
    SIGHT_CELL_M,
    cdf_below,
    correlated_normal,
    correlated_uniform,
    standard_normal_cdf,
)
from sim.ground.keyed import Draws


def _direct_correlated_uniform(draws: Draws, xy: np.ndarray) -> np.ndarray:
    """The field as documented: each point's four corners drawn for that point."""
    q = xy / SIGHT_CELL_M
    base = np.floor(q)
    f = q - base
    ix, iy = base[:, 0].astype(np.int64), base[:, 1].astype(np.int64)
    z, w2 = np.zeros(len(q)), np.zeros(len(q))
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        w = (f[:, 0] if dx else 1 - f[:, 0]) * (f[:, 1] if dy else 1 - f[:, 1])
        key = ((ix + dx) << 32) ^ ((iy + dy) & 0xFFFFFFFF)
        z += w * draws.normal(key, 1)[:, 0]
        w2 += w * w
    return standard_normal_cdf(z / np.sqrt(w2))


def test_correlated_field_is_the_per_point_field() -> None:
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.normal(0.0, 3.0, (400, 2)), axis=0) - 50.0   # runs in cells
    scattered = rng.uniform(-5_000.0, 5_000.0, (300, 2))              # a cell each
    for xy in (walk, scattered, walk[::-1], walk[:1]):
        d = Draws.of(11)
        expected = _direct_correlated_uniform(d, xy)
        np.testing.assert_array_equal(correlated_uniform(d, xy), expected)
        np.testing.assert_array_equal(standard_normal_cdf(correlated_normal(d, xy)),
                                      expected)
    assert correlated_uniform(Draws.of(11), np.zeros((0, 2))).shape == (0,)


def test_cdf_below_is_the_exact_comparison() -> None:
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.normal(0.0, 1.0, 20_000), rng.normal(0.0, 5.0, 2_000),
                        np.linspace(-40.0, 40.0, 4_001), [0.0, -0.0, np.inf, -np.inf]])
    phi = standard_normal_cdf(z)
    thresholds = (rng.random(len(z)), phi, np.nextafter(phi, 2.0), np.nextafter(phi, -1.0),
                  np.ones(len(z)), np.zeros(len(z)), np.full(len(z), 0.3))
    for threshold in thresholds:
        np.testing.assert_array_equal(cdf_below(z, threshold), phi < threshold)
    assert cdf_below(np.zeros(0), np.zeros(0)).shape == (0,)
