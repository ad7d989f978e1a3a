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


def _numpy_child(draws: Draws, part: int) -> Draws:
    """`Draws.child` as numpy's wrapping uint64 arithmetic computes it (the reference)."""
    z = np.array([int(part) & keyed._MASK64], dtype=np.uint64)
    with np.errstate(over="ignore"):
        return Draws(int(keyed._mix(keyed._mix(z + keyed._GOLDEN) ^ draws.key)[0]))


def test_child_keys_equal_the_numpy_pipeline() -> None:
    rng = np.random.default_rng(12)
    parts = [0, 1, 0xCA3E, 2**64 - 1, 2**63, -1, -(2**63)]
    parts += [int(p) for p in rng.integers(-2**63, 2**63 - 1, 300, dtype=np.int64)]
    for k, part in enumerate(parts):
        draws = Draws(int(rng.integers(0, 2**63 - 1)) * (k % 3 + 1))
        assert draws.child(part).key == _numpy_child(draws, part).key
