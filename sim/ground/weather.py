"""Weather over a run: a fixed timeline, or a Markov chain over clear, rain, fog, snow.

Chain. Time is cut into steps of ``step_s`` from t = 0; the state of step k is drawn
from the transition row of step k − 1's state with the keyed uniform u_k of the
weather stream (`sim.ground.keyed.Draws`, index k), and the state of step 0 from the
chain's stationary distribution with u_0 (so the chain is stationary from the start).
The sequence therefore depends on the seed and nothing else: a longer run extends
it, it never changes it (the weather of a 3-day run is the first 3 days of the
7-day run's). Spells last a geometric number of steps, mean ``step_s / (1 − p_stay)``.

Timeline. ``(at_s, state)`` entries: the state from each time on; the first
entry's state also holds before it.

Each state carries its meteorological visibility and wind speed (constant within the
state: a simplification [G]; WMO calls visibility under 1 km fog, WMO-No. 8). How a
sensor's range, Pd or nuisance rate follows them is each sensor's model.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.ground.keyed import Draws

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Weather kinds, in the order their index is returned.
WEATHER_KINDS = ("clear", "rain", "fog", "snow")


def stationary(transition: FloatArray) -> FloatArray:
    """The stationary distribution π (π P = π, Σ π = 1) of the row-stochastic ``P``
    (left eigenvector of eigenvalue 1; for an irreducible chain it is unique)."""
    p = np.asarray(transition, float)
    n = len(p)
    a = np.vstack([p.T - np.eye(n), np.ones(n)])
    b = np.concatenate([np.zeros(n), [1.0]])
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


class Weather:
    """States over time, and their visibility (m) and wind (m/s).

    Parameters
    ----------
    visibility_m, wind_mps : (4,) per state of `WEATHER_KINDS`
    transition : (4, 4) row-stochastic matrix per step, or None for a timeline
    step_s : length of a chain step, s
    draws : the keyed weather stream (chain only)
    timeline : ((at_s, state index), ...) sorted by time (timeline only)
    """

    def __init__(self, visibility_m: FloatArray, wind_mps: FloatArray, *,
                 transition: FloatArray | None = None, step_s: float = 3600.0,
                 draws: Draws | None = None,
                 timeline: tuple[tuple[float, int], ...] = ()) -> None:
        self.visibility = np.asarray(visibility_m, float)
        self.wind = np.asarray(wind_mps, float)
        self.step_s = float(step_s)
        self.draws = draws
        self.transition = None if transition is None else np.asarray(transition, float)
        self.timeline = tuple(timeline)
        self._timeline_cache: tuple[tuple[tuple[float, int], ...], FloatArray,
                                    IntArray] | None = None
        self._states = np.zeros(0, dtype=np.int64)
        if self.transition is not None:
            self._cum = np.cumsum(self.transition, axis=1)
            self._pi_cum = np.cumsum(stationary(self.transition))

    @classmethod
    def clear(cls) -> Weather:
        """Clear sky always, unlimited visibility, still air."""
        return cls(np.full(4, np.inf), np.zeros(4), timeline=((0.0, 0),))

    def _chain(self, k_max: int) -> IntArray:
        """States of steps 0..k_max (extends the cached sequence; never changes it)."""
        have = len(self._states)
        if k_max < have:
            return self._states
        assert self.draws is not None and self.transition is not None
        need = max(k_max + 1, 2 * have, 64)
        u = self.draws.uniform(np.arange(have, need), 1)[:, 0]
        out = np.empty(need, dtype=np.int64)
        out[:have] = self._states
        last = 3
        for i, k in enumerate(range(have, need)):
            if k == 0:
                s = int(np.searchsorted(self._pi_cum, u[i], side="right"))
            else:
                prev = int(out[k - 1])
                s = int(np.searchsorted(self._cum[prev], u[i], side="right"))
            out[k] = min(s, last)
        self._states = out
        return out

    def state(self, t_s: float | FloatArray) -> IntArray:
        """Weather index at times ``t_s`` (any shape)."""
        t = np.asarray(t_s, float)
        if self.transition is None:
            at, states = self._timeline_arrays()
            # searchsorted - 1 is at most len - 1: only the lower clip can bind
            return states[np.maximum(np.searchsorted(at, t, side="right") - 1, 0)]
        k = np.floor(np.maximum(t, 0.0) / self.step_s).astype(np.int64)
        if k.size == 0:
            return np.zeros(t.shape, dtype=np.int64)
        return self._chain(int(k.max()))[k]

    def _timeline_arrays(self) -> tuple[FloatArray, IntArray]:
        """The timeline's times and states as arrays (made once per timeline)."""
        got = self._timeline_cache
        if got is None or got[0] is not self.timeline:
            got = self._timeline_cache = (
                self.timeline, np.array([a for a, _ in self.timeline]),
                np.array([s for _, s in self.timeline], dtype=np.int64))
        return got[1], got[2]

    def changes(self, start_s: float, end_s: float) -> tuple[FloatArray, IntArray]:
        """Times in (start_s, end_s) at which the weather changes, and the state from
        each on."""
        if end_s <= start_s:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        if self.transition is None:
            at = np.array([a for a, _ in self.timeline], float)
            states = np.array([s for _, s in self.timeline], dtype=np.int64)
        else:
            k0 = max(int(np.floor(max(start_s, 0.0) / self.step_s)), 0)
            k1 = int(np.ceil(max(end_s, 0.0) / self.step_s))
            seq = self._chain(k1)[k0:k1 + 1]
            at = np.arange(k0, k0 + len(seq)) * self.step_s
            states = seq
        change = np.concatenate([[True], states[1:] != states[:-1]])
        at, states = at[change], states[change]
        inside = (at > start_s) & (at < end_s)
        return at[inside], states[inside]
