"""The Markov weather chain against its closed-form stationary distribution.

The chain of this test is a star: from clear it moves to rain, fog or snow with
probabilities a_j per step, and from state j back to clear with r_j (nothing else).
Balance across each edge gives π_j r_j = π_clear a_j, so (closed form)

    π_clear = 1 / (1 + Σ_j a_j / r_j),   π_j = π_clear · a_j / r_j.

With a = (0.04, 0.02, 0.01) and r = (0.2, 0.25, 0.1): Σ a/r = 0.2 + 0.08 + 0.1 = 0.38,
π = (1/1.38, 0.2/1.38, 0.08/1.38, 0.1/1.38) = (0.72464, 0.14493, 0.05797, 0.07246).

The shares of one long run of N steps are checked with a tolerance of four standard
errors from batch means (100 batches of N/100 steps: far longer than the chain's
correlation time of about 1 / 0.1 = 10 steps, so batch means are near independent).
"""

from __future__ import annotations

import numpy as np

from sim.ground.keyed import Draws
from sim.ground.weather import Weather

A = {"rain": 0.04, "fog": 0.02, "snow": 0.01}
R = {"rain": 0.2, "fog": 0.25, "snow": 0.1}
PI = np.array([1 / 1.38, 0.2 / 1.38, 0.08 / 1.38, 0.1 / 1.38])
N = 100_000


def _chain() -> Weather:
    p = np.zeros((4, 4))
    for j, k in enumerate(("rain", "fog", "snow"), start=1):
        p[0, j] = A[k]
        p[j, 0] = R[k]
    p[np.arange(4), np.arange(4)] = 1.0 - p.sum(axis=1)
    return Weather(np.array([2e4, 5e3, 300, 1e3]), np.array([3, 7, 1, 5.0]),
                   transition=p, step_s=3600.0, draws=Draws.of(7, 11))


def test_stationary_shares_match_the_closed_form() -> None:
    w = _chain()
    states = w.state((np.arange(N) + 0.5) * 3600.0)
    onehot = states[:, None] == np.arange(4)[None, :]
    batches = onehot.reshape(100, N // 100, 4).mean(axis=1)
    share = batches.mean(axis=0)
    se = batches.std(axis=0, ddof=1) / np.sqrt(100)
    assert np.all(np.abs(share - PI) <= 4 * se + 1e-12), (share, PI, se)


def test_spells_are_geometric_with_the_stated_mean() -> None:
    """A fog spell lasts 1 / r_fog = 4 steps on average (geometric holding time)."""
    w = _chain()
    states = w.state((np.arange(N) + 0.5) * 3600.0)
    fog = (states == 2).astype(int)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], fog])) == 1)
    ends = np.flatnonzero(np.diff(np.concatenate([fog, [0]])) == -1)
    lengths = ends - starts + 1
    mean, sd = 1 / R["fog"], np.sqrt(1 - R["fog"]) / R["fog"]
    assert abs(lengths.mean() - mean) <= 4 * sd / np.sqrt(len(lengths))


def test_the_weather_does_not_depend_on_the_run_end() -> None:
    short, long = _chain(), _chain()
    long.state(np.array([500 * 3600.0]))
    t = np.arange(0, 72) * 3600.0 + 1.0
    assert (short.state(t) == long.state(t)).all()


def test_changes_are_where_the_state_changes() -> None:
    w = _chain()
    times, states = w.changes(0.0, 2000 * 3600.0)
    assert len(times) > 10
    assert (w.state(times) == states).all()
    assert (w.state(times - 1.0) != states).all()
