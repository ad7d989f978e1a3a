"""Every report kind as a 2-D position with a covariance: the core's only input.

Each function is vectorised over m reports (scalars broadcast) and returns
``z`` (m, 2) positions in metres and ``R`` (m, 2, 2) covariances in m².

Angles follow the mathematical convention throughout: radians, counter-clockwise from
the +x axis (east, when x is east and y is north); a bearing θ points along
``(cos θ, sin θ)``. A compass bearing β (clockwise from north) is ``θ = π/2 - β``.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _kernels() -> ModuleType | None:
    """The compiled ground kernels (`sim.ground.prebuilt`), or None: numpy runs."""
    from sim.ground import prebuilt

    return prebuilt.load()


def _pack(x: FloatArray, y: FloatArray, rxx: FloatArray, ryy: FloatArray,
          rxy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Positions (m, 2) and covariances (m, 2, 2) from their entries, broadcast
    together (m: the broadcast size); each entry copied as it is (float64)."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(y), np.shape(rxx), np.shape(ryy),
                                np.shape(rxy))
    m = math.prod(shape)
    z = np.empty((m, 2))
    zv = z.reshape(shape + (2,))
    zv[..., 0], zv[..., 1] = x, y
    R = np.empty((m, 2, 2))
    Rv = R.reshape(shape + (2, 2))
    Rv[..., 0, 0], Rv[..., 1, 1] = rxx, ryy
    Rv[..., 0, 1] = Rv[..., 1, 0] = rxy
    return z, R


def position_fix(x_m: ArrayLike, y_m: ArrayLike, var_x_m2: ArrayLike,
                 var_y_m2: ArrayLike, cov_xy_m2: ArrayLike = 0.0
                 ) -> tuple[FloatArray, FloatArray]:
    """Reports that already are positions (GNSS-tagged, a patrol's sighting, a file).

    Parameters
    ----------
    x_m, y_m : (m,) positions, m
    var_x_m2, var_y_m2, cov_xy_m2 : (m,) covariance entries, m²
    """
    return _pack(np.asarray(x_m, float), np.asarray(y_m, float), np.asarray(var_x_m2, float),
                 np.asarray(var_y_m2, float), np.asarray(cov_xy_m2, float))


def range_bearing(sensor_xy: ArrayLike, range_m: ArrayLike, bearing_rad: ArrayLike,
                  sigma_range_m: ArrayLike, sigma_bearing_rad: ArrayLike
                  ) -> tuple[FloatArray, FloatArray]:
    """Radar range and bearing as an unbiased converted position measurement.

    The naive conversion ``r (cos θ, sin θ)`` is biased towards the sensor by the
    factor ``λ = E[cos w] = exp(-σθ²/2)`` (w the bearing error); dividing by λ removes
    it (Lerro and Bar-Shalom 1993). The covariance is the unbiased converted
    measurement's, evaluated at the measured values (Mo Longbin et al. 1998)::

        R_xx = (λ⁻² - 2) r² cos²θ + ½ (r² + σr²)(1 + λ₂ cos 2θ)
        R_yy = (λ⁻² - 2) r² sin²θ + ½ (r² + σr²)(1 - λ₂ cos 2θ)
        R_xy = (λ⁻² - 2) r² cos θ sin θ + ½ (r² + σr²) λ₂ sin 2θ,   λ₂ = exp(-2σθ²)

    Its expectation differs from the true covariance by about ``½ (1 - λ₂)² r²``,
    under 2 % of the cross-range variance ``r² σθ²`` for σθ <= 0.1 rad (6°), the
    range of radars and cameras. For small σθ it is the linearised ``J diag(σr², σθ²) Jᵀ`` with
    ``J = [[cos θ, -r sin θ], [sin θ, r cos θ]]``: σr along the beam, r σθ across.

    Parameters
    ----------
    sensor_xy : (2,) or (m, 2) sensor position, m
    range_m : (m,) measured range, m
    bearing_rad : (m,) measured bearing, rad counter-clockwise from +x
    sigma_range_m : (m,) or scalar range error standard deviation, m
    sigma_bearing_rad : (m,) or scalar bearing error standard deviation, rad
    """
    s = np.asarray(sensor_xy, float)
    r = np.asarray(range_m, float)
    th = np.asarray(bearing_rad, float)
    sr2 = np.asarray(sigma_range_m, float) ** 2
    sb2 = np.asarray(sigma_bearing_rad, float) ** 2
    lam_inv = np.exp(sb2 / 2.0)
    lam2 = np.exp(-2.0 * sb2)
    c, sn = np.cos(th), np.sin(th)
    k = lam_inv**2 - 2.0
    kernels = _kernels()
    if (kernels is not None and s.shape == (2,) and r.ndim == 1 and th.shape == r.shape
            and sb2.ndim == 0 and (sr2.ndim == 0 or sr2.shape == r.shape)):
        # the C port of the lines below, bit for bit (numpy's cos and sin kept)
        th2 = 2 * th
        x, y = s.tolist()
        return kernels.range_bearing(
            x, y, np.ascontiguousarray(r), c, sn, np.cos(th2), np.sin(th2),
            np.ascontiguousarray(sr2.reshape(-1)), float(lam_inv), float(lam2), float(k))
    h = 0.5 * (r * r + sr2)
    krr = k * r * r                  # (k·r)·r, as each of the three entries reads it
    lam2_cos = lam2 * np.cos(2 * th)
    rxx = krr * c * c + h * (1.0 + lam2_cos)
    ryy = krr * sn * sn + h * (1.0 - lam2_cos)
    rxy = krr * c * sn + h * lam2 * np.sin(2 * th)
    return _pack(s[..., 0] + lam_inv * r * c, s[..., 1] + lam_inv * r * sn, rxx, ryy, rxy)


def camera_bearing(sensor_xy: ArrayLike, bearing_rad: ArrayLike, range_est_m: ArrayLike,
                   sigma_bearing_rad: ArrayLike, range_rel_sigma: ArrayLike = 0.3
                   ) -> tuple[FloatArray, FloatArray]:
    """A camera's bearing with a range estimate (from the target's apparent size).

    The range estimate's error grows with range: ``σr = ρ r`` (ρ = ``range_rel_sigma``),
    evaluated as ``σr² = ρ² r̂² / (1 + ρ²)`` from the estimate r̂, which is unbiased
    because ``E[r̂²] = r² (1 + ρ²)``. The conversion is :func:`range_bearing`'s:
    tight across the line of sight (``r σθ``), long along it.

    Parameters
    ----------
    sensor_xy : (2,) or (m, 2) camera position, m
    bearing_rad : (m,) bearing of the target, rad counter-clockwise from +x
    range_est_m : (m,) estimated range, m
    sigma_bearing_rad : bearing error standard deviation, rad
    range_rel_sigma : range error standard deviation as a fraction of the range
    """
    r = np.asarray(range_est_m, float)
    rho = np.asarray(range_rel_sigma, float)
    return range_bearing(sensor_xy, r, bearing_rad, rho * r / np.sqrt(1.0 + rho * rho),
                         sigma_bearing_rad)


def line_sensor(point_xy: ArrayLike, direction_rad: ArrayLike, sigma_along_m: ArrayLike,
                sigma_across_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A fence or fibre alarm: a point on the line, uncertain along it, tight across.

    ``R = U diag(σ_along², σ_across²) Uᵀ``, U the rotation by the line's direction.
    For a zone of length L whose alarm says only "somewhere in this zone", a uniform
    position along it gives ``σ_along = L / sqrt(12)``.

    Parameters
    ----------
    point_xy : (m, 2) the alarm's position on the line (e.g. the zone's midpoint), m
    direction_rad : (m,) direction of the line there, rad counter-clockwise from +x
    sigma_along_m, sigma_across_m : (m,) or scalar standard deviations, m
    """
    p = np.asarray(point_xy, float)
    a = np.asarray(direction_rad, float)
    sa2 = np.asarray(sigma_along_m, float) ** 2
    sc2 = np.asarray(sigma_across_m, float) ** 2
    c, s = np.cos(a), np.sin(a)
    return _pack(p[..., 0], p[..., 1], sa2 * c * c + sc2 * s * s,
                 sa2 * s * s + sc2 * c * c, (sa2 - sc2) * c * s)


def proximity(sensor_xy: ArrayLike, radius_m: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A seismic or PIR trigger: the sensor's position, the target somewhere near.

    Assumes the target is uniformly distributed over the disc of detection radius r
    around the sensor: mean at the sensor, covariance ``r²/4`` on each axis (the
    second moment of a uniform disc), no correlation.

    Parameters
    ----------
    sensor_xy : (m, 2) sensor positions, m
    radius_m : (m,) or scalar detection radius, m
    """
    p = np.asarray(sensor_xy, float)
    v = np.asarray(radius_m, float) ** 2 / 4.0
    return _pack(p[..., 0], p[..., 1], v, v, np.zeros_like(v))
