"""Measurement conversions against Monte Carlo (fixed seeds, tolerances from sample size)."""

import numpy as np
import pytest

from sim.ground.measurements import (
    camera_bearing,
    line_sensor,
    position_fix,
    proximity,
    range_bearing,
)

N = 200_000


def assert_matches_monte_carlo(z, R, truth, samples_cov):
    # the mean of N draws has standard error sqrt(var / N); allow 5 of them
    se = np.sqrt(np.diag(samples_cov) / N)
    assert np.all(np.abs(z.mean(0) - truth) < 5 * se)
    # a sample variance has relative standard error sqrt(2 / N) ~ 0.3 %; allow 3 %
    assert np.allclose(R.mean(0), samples_cov, rtol=0.03, atol=0.03 * np.sqrt(
        samples_cov[0, 0] * samples_cov[1, 1]))


@pytest.mark.parametrize("r, theta, s_r, s_b", [(3000.0, 0.7, 20.0, 0.03),
                                                (800.0, -2.5, 5.0, 0.1),
                                                (5000.0, 1.6, 50.0, 0.01)])
def test_radar_conversion_is_unbiased_with_the_right_covariance(r, theta, s_r, s_b):
    rng = np.random.default_rng(11)
    sensor = np.array([100.0, -50.0])
    truth = sensor + r * np.array([np.cos(theta), np.sin(theta)])
    z, R = range_bearing(sensor, r + rng.normal(0, s_r, N), theta + rng.normal(0, s_b, N),
                         s_r, s_b)
    assert_matches_monte_carlo(z, R, truth, np.cov(z.T))


def test_radar_covariance_is_the_linearised_one_for_small_bearing_noise():
    r, th, s_r, s_b = 2000.0, 0.4, 10.0, 1e-3
    _, R = range_bearing([0.0, 0.0], [r], [th], s_r, s_b)
    J = np.array([[np.cos(th), -r * np.sin(th)], [np.sin(th), r * np.cos(th)]])
    assert np.allclose(R[0], J @ np.diag([s_r**2, s_b**2]) @ J.T, rtol=1e-3)


def test_camera_range_error_grows_with_range():
    rng = np.random.default_rng(5)
    r, th, s_b, rel = 600.0, 2.0, 0.01, 0.25
    truth = r * np.array([np.cos(th), np.sin(th)])
    z, R = camera_bearing([0, 0], th + rng.normal(0, s_b, N), r * (1 + rng.normal(0, rel, N)),
                          s_b, rel)
    along = np.array([np.cos(th), np.sin(th)])
    across = np.array([-along[1], along[0]])
    # along the line of sight the spread is rel * r, across it r * s_b
    assert np.sqrt(along @ R.mean(0) @ along) == pytest.approx(rel * r, rel=0.05)
    assert np.sqrt(across @ R.mean(0) @ across) < 2 * r * s_b
    assert np.allclose(R.mean(0), np.cov(z.T), rtol=0.05, atol=0.05 * rel * r * r * s_b)
    assert np.abs((z.mean(0) - truth) @ along) < 0.01 * r


def test_line_sensor_is_long_along_and_tight_across_the_line():
    direction = np.deg2rad(30.0)
    z, R = line_sensor([[10.0, 20.0]], [direction], 50.0, 2.0)
    u = np.array([np.cos(direction), np.sin(direction)])
    v = np.array([-u[1], u[0]])
    assert np.allclose(z, [[10.0, 20.0]])
    assert u @ R[0] @ u == pytest.approx(2500.0) and v @ R[0] @ v == pytest.approx(4.0)
    assert u @ R[0] @ v == pytest.approx(0.0, abs=1e-9)
    rng = np.random.default_rng(2)
    samples = (z[0] + rng.normal(0, 50, (N, 1)) * u + rng.normal(0, 2, (N, 1)) * v)
    assert np.allclose(np.cov(samples.T), R[0], rtol=0.03, atol=1.0)


def test_proximity_covariance_is_the_uniform_disc_second_moment():
    rng = np.random.default_rng(4)
    radius = 30.0
    rad = radius * np.sqrt(rng.random(N))
    ang = rng.uniform(0, 2 * np.pi, N)
    samples = np.stack([rad * np.cos(ang), rad * np.sin(ang)], -1)
    z, R = proximity([[0.0, 0.0]], radius)
    assert np.allclose(R[0], np.cov(samples.T), rtol=0.03, atol=3.0)
    assert np.allclose(R[0], np.diag([225.0, 225.0]))


def test_position_fix_broadcasts_scalars():
    z, R = position_fix([1.0, 2.0], [3.0, 4.0], 9.0, 16.0, 1.0)
    assert z.shape == (2, 2) and R.shape == (2, 2, 2)
    assert np.allclose(R[1], [[9.0, 1.0], [1.0, 16.0]])


@pytest.mark.parametrize("per_report_sigma", [False, True])
def test_range_bearing_kernel_is_the_numpy_reference(monkeypatch, per_report_sigma):
    """The compiled range_bearing (``sim/ground/csrc/ground.c``) is the numpy lines' bit
    for bit: ranges from 0 to 20 km, any bearing, one range sigma or one per report."""
    import sim.ground.measurements as m
    from sim.ground import prebuilt

    if prebuilt.load() is None:
        pytest.skip("the ground kernels are not built")
    rng = np.random.default_rng(21)
    for sb in (1e-4, 0.01, 0.1):
        n = int(rng.integers(1, 400))
        r = np.abs(rng.normal(0, 1, n)) * 10 ** rng.uniform(0, 4.3, n)
        r[:2] = 0.0
        th = rng.uniform(-4 * np.pi, 4 * np.pi, n)
        sr = rng.uniform(1, 50, n) if per_report_sigma else 15.0
        pos = rng.uniform(-1e5, 1e5, 2)
        got = range_bearing(pos, r, th, sr, sb)
        monkeypatch.setattr(m, "_kernels", lambda: None)
        want = range_bearing(pos, r, th, sr, sb)
        monkeypatch.undo()
        assert got[0].shape == want[0].shape == (n, 2) and got[1].shape == (n, 2, 2)
        assert got[0].tobytes() == want[0].tobytes()
        assert got[1].tobytes() == want[1].tobytes()
