"""Constant-velocity Kalman filter steps on many tracks at once.

State per track ``[x, y, vx, vy]`` (m, m/s). Motion model: nearly constant velocity
driven by continuous white-noise acceleration of intensity ``q`` (m² s⁻³) per axis,
the discretisation Stone Soup's ``ConstantVelocity`` uses::

    x(t+dt) = F x(t) + w,   F = [[I, dt I], [0, I]],
    Q = q [[dt³/3 I, dt²/2 I], [dt²/2 I, dt I]]

Measurement model: a 2-D position, ``z = H x + v``, ``H = [I 0]``, ``v ~ N(0, R)``.
Every report kind is turned into this form first (:mod:`sim.ground.measurements`).
"""

from __future__ import annotations

import numpy as np

from command.fusion.tracks import FloatArray


def cv_process_noise(dt_s: float, q: float) -> FloatArray:
    """Return the (4, 4) process-noise covariance Q of the CV model for one step.

    Parameters
    ----------
    dt_s : step, s (>= 0)
    q : acceleration noise intensity per axis, m² s⁻³
    """
    a, b, c = q * dt_s**3 / 3.0, q * dt_s**2 / 2.0, q * dt_s
    return np.array([[a, 0, b, 0], [0, a, 0, b], [b, 0, c, 0], [0, b, 0, c]])


def predict_cv(x: FloatArray, P: FloatArray, dt_s: float,
               q: float) -> tuple[FloatArray, FloatArray]:
    """Predict n tracks ``dt_s`` ahead; inputs are not modified.

    ``x⁻ = F x``, ``P⁻ = F P Fᵀ + Q`` with F and Q of the module docstring.

    Parameters
    ----------
    x : (n, 4) state [x_m, y_m, vx_mps, vy_mps]
    P : (n, 4, 4) state covariance
    dt_s : time step, s (>= 0), the same for all tracks
    q : process-noise intensity per axis, m² s⁻³

    Returns
    -------
    x_pred : (n, 4)
    P_pred : (n, 4, 4)
    """
    F = np.eye(4)
    F[0, 2] = F[1, 3] = dt_s
    x_pred = x @ F.T
    P_pred = F @ P @ F.T + cv_process_noise(dt_s, q)
    return x_pred, P_pred


def innovation(x: FloatArray, P: FloatArray, z: FloatArray,
               R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Innovation, its covariance and squared Mahalanobis distance for k pairs.

    Parameters
    ----------
    x : (k, 4) predicted states
    P : (k, 4, 4) predicted covariances
    z : (k, 2) measured positions, m
    R : (k, 2, 2) measurement covariances, m²

    Returns
    -------
    nu : (k, 2) innovation ``z - H x``, m
    S : (k, 2, 2) innovation covariance ``H P Hᵀ + R``, m²
    d2 : (k,) ``nuᵀ S⁻¹ nu`` (2×2 inverse in closed form)
    """
    nu = z - x[:, :2]
    S = P[:, :2, :2] + R
    a, b, c = S[:, 0, 0], S[:, 0, 1], S[:, 1, 1]
    det = a * c - b * b
    d2 = (c * nu[:, 0] ** 2 - 2.0 * b * nu[:, 0] * nu[:, 1] + a * nu[:, 1] ** 2) / det
    return nu, S, d2


def update_joseph(x: FloatArray, P: FloatArray, z: FloatArray,
                  R: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Kalman update of k tracks with one position report each (Joseph form).

    ``K = P Hᵀ S⁻¹``, ``x⁺ = x + K ν``, ``P⁺ = (I - K H) P (I - K H)ᵀ + K R Kᵀ``; the
    Joseph form keeps P symmetric positive definite under rounding. Inputs are not
    modified.

    Parameters
    ----------
    x : (k, 4) predicted states
    P : (k, 4, 4) predicted covariances
    z : (k, 2) positions, m
    R : (k, 2, 2) their covariances, m²

    Returns
    -------
    x_upd : (k, 4)
    P_upd : (k, 4, 4)
    """
    nu, S, _ = innovation(x, P, z, R)
    a, b, c = S[:, 0, 0], S[:, 0, 1], S[:, 1, 1]
    det = a * c - b * b
    S_inv = np.stack([np.stack([c, -b], -1), np.stack([-b, a], -1)], -2) / det[:, None, None]
    K = P[:, :, :2] @ S_inv                                   # (k, 4, 2)
    x_upd = x + np.einsum("kij,kj->ki", K, nu)
    A = np.broadcast_to(np.eye(4), P.shape).copy()
    A[:, :, :2] -= K                                          # I - K H
    P_upd = A @ P @ A.transpose(0, 2, 1) + K @ R @ K.transpose(0, 2, 1)
    P_upd = 0.5 * (P_upd + P_upd.transpose(0, 2, 1))
    return x_upd, P_upd


def log_likelihood(S: FloatArray, d2: FloatArray) -> FloatArray:
    """Log of the Gaussian density of the innovation, ``ln N(ν; 0, S)``, for k pairs.

    Parameters
    ----------
    S : (k, 2, 2) innovation covariances, m²
    d2 : (k,) squared Mahalanobis distances

    Returns
    -------
    (k,) ``-d2/2 - ln(2π) - ln(det S)/2``, in ln(m⁻²)
    """
    det = S[:, 0, 0] * S[:, 1, 1] - S[:, 0, 1] ** 2
    return -0.5 * d2 - np.log(2.0 * np.pi) - 0.5 * np.log(det)
