"""The compiled uniforms of `sim.ground.keyed` are the numpy pipeline's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ground import keyed
from sim.ground.keyed import Draws


def _numpy_uniform(draws: Draws, index: np.ndarray, columns: int) -> np.ndarray:
    bits = draws._bits(index, columns)
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


@pytest.mark.parametrize("compiled", ["python", "jit", "prebuilt"])
def test_uniforms_equal_the_numpy_pipeline(compiled: str, prebuilt_kernels) -> None:  # noqa: ANN001
    if compiled == "prebuilt":
        kernel = prebuilt_kernels("sim.ground").uniforms
    elif compiled == "jit":
        numba = pytest.importorskip("numba")
        kernel = numba.njit(cache=True)(keyed._uniforms_py)   # as the fallback
    else:
        kernel = keyed._uniforms_py
    rng = np.random.default_rng(11)
    for trial in range(200):
        draws = Draws(int(rng.integers(0, 2**63 - 1)) * 3)
        n, columns = int(rng.integers(0, 40)), int(rng.integers(1, 6))
        index = (rng.integers(-2**62, 2**62, n) if trial % 2
                 else rng.integers(0, 10_000, n))
        with np.errstate(over="ignore"):     # the Python form wraps like uint64 does
            got = kernel(index.astype(np.int64).view(np.uint64), draws.key, columns)
        assert got.shape == (n, columns)
        assert np.array_equal(got, _numpy_uniform(draws, index, columns))
    assert np.array_equal(Draws(5).uniform(7, 3), _numpy_uniform(Draws(5), np.array([7]), 3))
