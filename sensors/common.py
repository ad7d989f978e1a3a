"""Pieces every sensor model shares: look clocks, class evidence, measurement
covariances, line of sight through foliage, night periods and nuisance timing.

Class evidence. A sensor that classifies declares one class per report; with
accuracy ``a`` it names the true class with probability ``a`` and each other class
with ``(1 - a) / 2`` [G]. The report carries the likelihood of that declaration under
each true class (a column of the confusion matrix), so fusion can multiply evidence
without ever seeing the truth. Crossing groups are people; nuisance alarms are
animals (wind and rain are lumped in with them) [OIG-06-15] [AZRep-2013].

Measurement covariances are not computed here: every sensor turns its raw
measurement (range and bearing, a point on a line, its own position) into a position
and covariance with the conversions of ``sim.ground.measurements``, so the
sensors and the fusion core agree on one measurement model.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

from sim.ground.daylight import Daylight
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]

PERSON, VEHICLE, ANIMAL = 0, 1, 2

#: Along-path spacing (m) at which line of sight through foliage is evaluated and
#: then interpolated: shapely sight lines cost ~18 µs each (ECOSYSTEM.md) [G].
LOS_STEP_M = 20.0


def default_phase_s(sensor_id: str, period_s: float) -> float:
    """A fixed look-clock offset in [0, period) derived from the sensor id.

    crc32, not hash(): it must be the same in every process. Sensors of one kind
    thus do not all scan in lock step, and a sensor's clock never depends on a draw.
    """
    return zlib.crc32(sensor_id.encode("utf-8")) / 2.0**32 * period_s


def class_evidence(true_class: int, accuracy: float, u: FloatArray) -> FloatArray:
    """Likelihood rows (n, 3) of the class each report declares.

    Parameters
    ----------
    true_class : index in `sensors.base.CLASSES` of what was really seen
    accuracy : probability the declared class is the true one, in [1/3, 1]
    u : (n,) uniform draws, one per report (drawn for every look)
    """
    other = (1.0 - accuracy) / 2.0
    p = np.full(3, other)
    p[true_class] = accuracy
    declared = np.minimum(np.searchsorted(np.cumsum(p), u, side="right"), 2)
    lik = np.full((len(u), 3), other)
    lik[np.arange(len(u)), declared] = accuracy
    return lik


def has_foliage(terrain: Terrain | None) -> bool:
    return terrain is not None and bool(np.any(terrain.foliage > 0))


def foliage_along(terrain: Terrain, origin: FloatArray, trajectory: Trajectory,
                  t_s: FloatArray, step_m: float = LOS_STEP_M) -> FloatArray:
    """Foliage on the sight line from ``origin`` to the mover at times ``t_s`` (n,), m.

    Evaluated exactly every ``step_m`` of the mover's path and linearly interpolated
    in between, so the cost grows with the path length, not with the looks.
    """
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(trajectory.xy, axis=0).T))])
    s = np.interp(t_s, trajectory.t_s, cum)
    k = np.floor(s / step_m)
    knots = np.unique(np.concatenate([k, k + 1])) * step_m
    knot_xy = np.column_stack([np.interp(knots, cum, trajectory.xy[:, 0]),
                               np.interp(knots, cum, trajectory.xy[:, 1])])
    f = terrain.foliage_m(np.asarray(origin, float), knot_xy)
    return np.interp(s, knots, f)


def night_intervals(daylight: Daylight, start_s: float, end_s: float) -> FloatArray:
    """Night periods (n, 2), s, clipped to [start_s, end_s), sorted
    (`sim.ground.daylight.Daylight.night_intervals`)."""
    return daylight.night_intervals(start_s, end_s)


def nuisance_times(end_s: float, per_day: float, rng: np.random.Generator,
                   start_s: float = 0.0) -> FloatArray:
    """Sorted times of a homogeneous Poisson process on [start_s, end_s).

    A Poisson count with mean ``per_day · (end - start) / 86400`` placed uniformly:
    the same process as exponential gaps, with two draws per call instead of one per
    event.
    """
    span = max(end_s - start_s, 0.0)
    n = rng.poisson(per_day * span / 86_400.0)
    return np.sort(rng.uniform(start_s, start_s + span, n))
