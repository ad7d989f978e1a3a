"""Predict and update against values computed by hand."""

import numpy as np
import pytest

from command.fusion.kalman import (
    cv_process_noise,
    innovation,
    log_likelihood,
    predict_cv,
    update_joseph,
)


def test_process_noise_matches_the_continuous_white_noise_formula():
    Q = cv_process_noise(2.0, 0.5)
    # per axis q [[dt³/3, dt²/2], [dt²/2, dt]] = 0.5 [[8/3, 2], [2, 2]]
    assert Q[0, 0] == pytest.approx(4 / 3) and Q[1, 1] == pytest.approx(4 / 3)
    assert Q[0, 2] == Q[2, 0] == Q[1, 3] == pytest.approx(1.0)
    assert Q[2, 2] == Q[3, 3] == pytest.approx(1.0)
    assert Q[0, 1] == Q[0, 3] == Q[2, 3] == 0.0


def test_predict_moves_position_by_velocity_and_grows_covariance_by_hand():
    x = np.array([[10.0, 20.0, 1.0, -2.0]])
    P = np.diag([4.0, 9.0, 1.0, 0.25])[None]
    xp, Pp = predict_cv(x, P, 3.0, 0.0)
    assert np.allclose(xp, [[13.0, 14.0, 1.0, -2.0]])
    # P_xx = 4 + dt² P_vx = 4 + 9; P_x,vx = dt P_vx = 3; y: 9 + 9/4, 0.75
    assert Pp[0, 0, 0] == pytest.approx(13.0) and Pp[0, 0, 2] == pytest.approx(3.0)
    assert Pp[0, 1, 1] == pytest.approx(11.25) and Pp[0, 1, 3] == pytest.approx(0.75)
    assert x[0, 0] == 10.0 and P[0, 0, 0] == 4.0  # inputs untouched


def test_update_of_a_position_only_track_is_the_scalar_weighted_mean():
    # position variance 100, measurement variance 300, no velocity correlation:
    # gain 0.25, posterior variance 75, velocity untouched
    x = np.array([[0.0, 0.0, 1.0, 1.0]])
    P = np.diag([100.0, 100.0, 4.0, 4.0])[None]
    z = np.array([[40.0, -8.0]])
    R = np.diag([300.0, 300.0])[None]
    xu, Pu = update_joseph(x, P, z, R)
    assert np.allclose(xu, [[10.0, -2.0, 1.0, 1.0]])
    assert np.allclose(np.diag(Pu[0]), [75.0, 75.0, 4.0, 4.0])


def test_joseph_form_equals_the_textbook_form_on_random_cases():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(50, 4, 4))
    P = A @ A.transpose(0, 2, 1) + np.eye(4)
    B = rng.normal(size=(50, 2, 2))
    R = B @ B.transpose(0, 2, 1) + 0.1 * np.eye(2)
    x, z = rng.normal(size=(50, 4)), rng.normal(size=(50, 2))
    xu, Pu = update_joseph(x, P, z, R)
    H = np.eye(4)[:2]
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    assert np.allclose(xu, x + np.einsum("kij,kj->ki", K, z - x[:, :2]))
    assert np.allclose(Pu, (np.eye(4) - K @ H) @ P, atol=1e-9)


def test_innovation_distance_and_likelihood_by_hand():
    x = np.array([[0.0, 0.0, 0.0, 0.0]])
    P = np.diag([3.0, 8.0, 1.0, 1.0])[None]
    R = np.diag([1.0, 1.0])[None]
    nu, S, d2 = innovation(x, P, np.array([[4.0, 6.0]]), R)
    assert np.allclose(S[0], np.diag([4.0, 9.0]))
    assert d2[0] == pytest.approx(16 / 4 + 36 / 9)
    assert log_likelihood(S, d2)[0] == pytest.approx(-4.0 - np.log(2 * np.pi * 6.0))
