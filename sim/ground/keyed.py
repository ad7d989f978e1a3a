"""Keyed random draws: a look's draw depends on (stream, look), not on draw order.

A sensor that re-observes a revised trajectory, a link that carries a message, a
patrol meeting a group: each random outcome is a pure function of its stream key
(from the seed, the replication and a name such as ``sensor/radar-01/detect/
group-0007``) and the *index* of the trial (a look number ``k`` of a sensor clock,
or a time in whole microseconds). So a change in the command layer — a group
apprehended, a trajectory revised at t — leaves every unaffected look's draw exactly
as it was, however many draws were or were not made before it (common random
numbers, DESIGN.md "Plans change").

The generator is counter based: splitmix64's finaliser (Steele, Lea & Flood 2014,
"Fast splittable pseudorandom number generators", the mixer of Java's
SplittableRandom) applied to ``key ⊕ mix(index)`` and a column counter. It passes
BigCrush as used here (its authors' tests); the statistical tests of this project
check the uniform and normal moments of what it gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK64 = (1 << 64) - 1
#: Normals come from a sibling stream, so uniform(k) and normal(k) are independent.
_NORMAL_SALT = np.uint64(0xD1B54A32D192ED03)


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


#: `_GOLDEN` as a Python int (`mix64`'s callers add it).
GOLDEN64 = int(_GOLDEN)
_M1_INT, _M2_INT = int(_M1), int(_M2)


def mix64(z: int) -> int:
    """`_mix` of one value in Python ints (0 <= z < 2⁶⁴), wrapping as uint64 does: the
    same bits, without numpy's per-call cost (`Draws.child`, once per stream; the
    links' keyed draws, `sim.comms`)."""
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK64
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK64
    return z ^ (z >> 31)


_UNIFORMS = None


def _uniforms_py(idx: NDArray[np.uint64], key: np.uint64, columns: int) -> FloatArray:
    """`Draws.uniform` for trial indices ``idx`` (n,) as uint64, one trial at a time:
    the same splitmix64 steps (wrapping uint64 arithmetic) and the same conversion of
    the top 53 bits."""
    out = np.empty((len(idx), columns))
    for i in range(len(idx)):
        z = idx[i] * _GOLDEN + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = (z ^ (z >> np.uint64(31))) ^ key
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        base = z ^ (z >> np.uint64(31))
        for c in range(columns):
            z = base + np.uint64(c + 1) * _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * _M1
            z = (z ^ (z >> np.uint64(27))) * _M2
            z = z ^ (z >> np.uint64(31))
            out[i, c] = (float(z >> np.uint64(11)) + 0.5) * 2.0**-53
    return out


def _uniforms():  # noqa: ANN202
    """`_uniforms_py` compiled: its C port built at install (`sim.ground.prebuilt`, no
    numba imported), else by numba on first use; None without either (the numpy
    pipeline then runs: the same draws)."""
    global _UNIFORMS
    if _UNIFORMS is None:
        from sim.ground import prebuilt

        kernels = prebuilt.load()
        if kernels is not None:
            _UNIFORMS = kernels.uniforms
        else:
            try:
                from numba import njit
            except ImportError:
                _UNIFORMS = False
            else:
                _UNIFORMS = njit(cache=True)(_uniforms_py)
    return _UNIFORMS or None


def time_index(t_s: ArrayLike) -> IntArray:
    """A trial index from a time: whole microseconds (n,), for trials not on a clock."""
    return np.round(np.asarray(t_s, dtype=np.float64) * 1e6).astype(np.int64)


class Draws:
    """Uniform and normal draws keyed by trial index, for one stream key.

    Examples
    --------
    >>> d = Draws(12345)
    >>> a = d.uniform([3, 7], 2)
    >>> bool((a == d.uniform([7, 3], 2)[::-1]).all())   # order does not matter
    True
    >>> bool((d.uniform([7], 2) == a[1]).all())          # nor what else was drawn
    True
    """

    __slots__ = ("key", "_sibling")
    _sibling: Draws

    def __init__(self, key: int) -> None:
        self.key = np.uint64(int(key) & _MASK64)

    @classmethod
    def of(cls, *parts: int | Sequence[int]) -> Draws:
        """A stream keyed by small integers (or lists of them), for tests and examples."""
        flat = [int(q) for p in parts for q in (p if isinstance(p, Sequence) else [p])]
        key = 0
        for p in flat:
            key = int(_mix(np.array([(key ^ int(p)) & _MASK64], dtype=np.uint64)
                           + _GOLDEN)[0])
        return cls(key)

    def _bits(self, index: ArrayLike, columns: int) -> NDArray[np.uint64]:
        idx = np.asarray(index, dtype=np.int64).reshape(-1).view(np.uint64)
        base = _mix(_mix(idx * _GOLDEN + _GOLDEN) ^ self.key)
        counter = np.arange(1, columns + 1, dtype=np.uint64) * _GOLDEN
        return _mix(base[:, None] + counter[None, :])

    def uniform(self, index: ArrayLike, columns: int = 1) -> FloatArray:
        """(n, columns) uniforms in (0, 1) for the trials ``index`` (n,)."""
        kernel = _uniforms()
        if kernel is not None:
            idx = np.ascontiguousarray(np.asarray(index, dtype=np.int64).reshape(-1))
            return kernel(idx.view(np.uint64), self.key, int(columns))
        bits = self._bits(index, columns)
        return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53

    def normal(self, index: ArrayLike, columns: int = 1) -> FloatArray:
        """(n, columns) standard normals (Box–Muller on keyed uniforms of the sibling
        stream, made once: sight lines draw normals many times a stream). In place, the
        same operations as ``sqrt(-2 log u₁) · cos(2π u₂)``."""
        try:
            sibling = self._sibling
        except AttributeError:
            sibling = self._sibling = Draws(int(self.key ^ _NORMAL_SALT))
        u = sibling.uniform(index, 2 * columns)
        r = np.log(u[:, :columns])
        r *= -2.0
        np.sqrt(r, out=r)
        angle = u[:, columns:] * (2.0 * np.pi)
        r *= np.cos(angle, out=angle)
        return r

    def child(self, part: int) -> Draws:
        """An independent stream derived from this one and ``part``."""
        z = (int(part) + GOLDEN64) & _MASK64
        return Draws(mix64(mix64(z) ^ int(self.key)))
