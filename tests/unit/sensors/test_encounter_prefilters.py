"""The exact shortcuts of the encounter computation agree with the full one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.geometry import ever_within, proximity_intervals, relative_legs
from sim.ground.trajectory import Trajectory

coords = st.floats(-3000.0, 3000.0, allow_nan=False)


@st.composite
def walks(draw: st.DrawFn) -> Trajectory:
    """A mover of 2-6 timed points over the first hour."""
    k = draw(st.integers(2, 6))
    steps = draw(st.lists(st.floats(1.0, 900.0), min_size=k - 1, max_size=k - 1))
    t = np.cumsum([draw(st.floats(0.0, 600.0)), *steps])
    xy = np.array([[draw(coords), draw(coords)] for _ in range(k)])
    return Trajectory(t, xy)


@settings(max_examples=200, deadline=None)
@given(walks(), walks(), st.floats(1.0, 2000.0), st.floats(0.0, 1.0))
def test_ever_within_is_exact_and_monotone(a: Trajectory, b: Trajectory, radius: float,
                                           shrink: float) -> None:
    legs = relative_legs(a, b)
    if legs is None:
        return
    near = ever_within(legs, radius)
    assert near == bool(len(proximity_intervals(a, b, radius, legs)))
    if not near:       # nothing at a smaller radius either: the prefilter is exact
        assert not len(proximity_intervals(a, b, radius * shrink, legs))


def test_ever_within_a_pass_and_a_miss() -> None:
    a = Trajectory(np.array([0.0, 100.0]), np.array([[0.0, 0.0], [100.0, 0.0]]))
    b = Trajectory(np.array([0.0, 100.0]), np.array([[50.0, 30.0], [50.0, 30.0]]))
    legs = relative_legs(a, b)
    assert legs is not None
    assert ever_within(legs, 31.0)
    assert not ever_within(legs, 29.0)
