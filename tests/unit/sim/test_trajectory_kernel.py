"""The compiled positions of a mover (``sim/ground/csrc/trajectory.c``) are the numpy
reference's bit for bit: `Trajectory.position_at` against
`Trajectory._position_at_numpy` (two `np.interp`) and `Trajectory.box` against
`Trajectory._box_numpy`, on random trajectories of 1 to 40 points (numpy's linear
search up to 4 knots, its guessed bisection above), at times before, on, between and
after the knots, NaN and infinite times, in sorted and shuffled order, scalars and
arrays of any shape; and on points at infinity or NaN (numpy's retry from the other end
of a leg) and knots numpy would not call sorted (its search, guess and all)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ground.trajectory import Trajectory


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape, dtype and bytes (NaN payloads and signed zeros included)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _trajectory(rng: np.random.Generator, k: int) -> Trajectory:
    t = np.cumsum(rng.uniform(0.5, 300, k)) + rng.uniform(-1e4, 1e6)
    if rng.random() < 0.2:                                    # knots one ulp apart
        t[1::2] = np.nextafter(t[:-1:2], np.inf)[: len(t[1::2])]
    xy = rng.uniform(-5e4, 5e4, (k, 2))
    still = np.flatnonzero(rng.random(k) < 0.2)
    xy[still[still > 0]] = xy[still[still > 0] - 1]           # standing still
    return Trajectory(t, xy)


#: NaNs of other payloads and signs than ``np.nan`` (numpy returns the time's own)
ODD_NANS = np.array([0x7FF8000000000123, 0xFFF8000000000000], np.uint64).view(np.float64)


def _times(rng: np.random.Generator, traj: Trajectory) -> np.ndarray:
    """Before, on, between and after the knots, one ulp either side of them, NaNs and
    infinities, shuffled."""
    t = traj.t_s
    span = max(traj.end_s - traj.start_s, 1.0)
    inside = rng.uniform(traj.start_s, traj.end_s, 20)
    out = rng.uniform(traj.start_s - span, traj.end_s + span, 10)
    times = np.concatenate([t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), inside,
                            out, [np.nan, np.inf, -np.inf, -0.0, 0.0], ODD_NANS])
    return rng.permutation(times)


def _check_positions(traj: Trajectory, times: np.ndarray) -> None:
    assert _same(traj.position_at(times), traj._position_at_numpy(times))
    assert _same(traj.position_at(np.sort(times)), traj._position_at_numpy(np.sort(times)))
    grid = times[: len(times) // 6 * 6].reshape(2, 3, -1)[:, ::2]     # 3-d, not contiguous
    assert _same(traj.position_at(grid), traj._position_at_numpy(grid))
    for s in times[:12].tolist():
        assert _same(traj.position_at(s), traj._position_at_numpy(s))
        assert _same(traj.position_at(np.float64(s)), traj._position_at_numpy(np.float64(s)))
        assert _same(traj.position_at(np.array(s)), traj._position_at_numpy(np.array(s)))


def test_position_at_is_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(21)
    for trial in range(600):
        traj = _trajectory(rng, int(rng.integers(1, 41)) if trial % 4 else 1 + trial % 6)
        _check_positions(traj, _times(rng, traj))


def test_positions_at_whole_times_and_on_the_knots(ground_kernels) -> None:  # noqa: ANN001
    traj = Trajectory(np.array([0.0, 10.0, 25.0, 40.0, 41.0, 70.0, 100.0]),
                      np.array([[0, 0], [1, 3], [7, 2], [7, 2], [0.1, -4], [3, 3], [9, 1.0]]))
    for s in (-5, 0, 3, 10, 25, 41, 99, 100, 130, True):
        assert _same(traj.position_at(s), traj._position_at_numpy(s))
    assert _same(traj.position_at(traj.t_s), traj.xy)
    whole = np.arange(-10, 111)                               # int64
    assert _same(traj.position_at(whole), traj._position_at_numpy(whole))
    assert traj.position_at(np.zeros((0, 3))).shape == (0, 3, 2)


def test_one_point_trajectories_hold_their_point_even_at_nan(ground_kernels) -> None:  # noqa: ANN001
    traj = Trajectory(np.array([5.0]), np.array([[1.5, -2.0]]))
    times = np.array([np.nan, -np.inf, 4.0, 5.0, 6.0, np.inf])
    assert _same(traj.position_at(times), np.tile([1.5, -2.0], (6, 1)))
    assert _same(traj.position_at(times), traj._position_at_numpy(times))
    assert _same(traj.position_at(float("nan")), traj._position_at_numpy(float("nan")))


def test_points_at_infinity_take_numpys_retries(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(22)
    values = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0, 1e308, -1e308])
    for _ in range(300):
        k = int(rng.integers(2, 12))
        traj = Trajectory(np.cumsum(rng.uniform(0.5, 50, k)), rng.choice(values, (k, 2)))
        _check_positions(traj, _times(rng, traj))


def test_knots_out_of_order_are_searched_as_numpy_does(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(23)
    for _ in range(300):
        k = int(rng.integers(2, 30))
        t = np.cumsum(rng.uniform(0.5, 50, k))
        t[rng.random(k) < 0.15] = np.nan                      # what __post_init__ lets by
        traj = Trajectory._of(t, rng.uniform(-100, 100, (k, 2)))
        times = rng.uniform(-10, float(np.nansum(t)) + 10, 40)
        _check_positions(traj, np.concatenate([times, np.sort(times), t]))


def test_box_is_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(24)
    for trial in range(600):
        traj = _trajectory(rng, int(rng.integers(1, 41)) if trial % 4 else 1 + trial % 6)
        ends = _times(rng, traj).tolist()
        for start, end in zip(ends[::2], ends[1::2], strict=False):
            for a, b in ((start, end), (min(start, end), max(start, end))):
                assert _same(traj.box(a, b), traj._box_numpy(a, b))
        assert _same(traj.box(traj.start_s, traj.end_s),
                     traj._box_numpy(traj.start_s, traj.end_s))


def test_box_of_points_at_infinity_and_nan(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(25)
    values = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0, -3.0])
    for _ in range(300):
        k = int(rng.integers(1, 10))
        traj = Trajectory(np.cumsum(rng.uniform(0.5, 50, k)), rng.choice(values, (k, 2)))
        ends = _times(rng, traj).tolist()
        for start, end in zip(ends[::2], ends[1::2], strict=False):
            assert _same(traj.box(start, end), traj._box_numpy(start, end))


def test_the_kernels_refuse_what_they_cannot_read(ground_kernels) -> None:  # noqa: ANN001
    t, x = np.arange(3.0), np.zeros(3)
    with pytest.raises(ValueError):
        ground_kernels.position_at(t, x, np.zeros(2), 1.0)
    with pytest.raises(ValueError):
        ground_kernels.box(np.zeros(0), np.zeros(0), np.zeros(0), 0.0, 1.0)
    with pytest.raises(TypeError):
        ground_kernels.position_at(t, x, x, np.arange(4.0)[::2])
    with pytest.raises(TypeError):
        ground_kernels.position_at(t, x, x, "1.0")
