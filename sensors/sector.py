"""What radars and cameras share: a sector watched by scans on a fixed clock.

A sector sensor at ``position`` watches the sector of radius ``max_range_m``
centred on ``heading_deg`` with width ``fov_deg``. It looks at fixed times
``phase_s + k·revisit_s`` (a radar's antenna revolution, a camera's analytics
cycle), whether or not anyone is there; a mover inside the sector at a look is
detected with probability ``Pd(range, time) · P_LOS``, where
``P_LOS = exp(-foliage_m / L)`` is the chance the sight line gets through the
foliage it crosses (`sim.ground.terrain.Terrain.foliage_m`, density-weighted metres)
[Forest-radar] [G]. Looks are independent trials: ``revisit_s`` is meant to be long
enough to decorrelate them (do not use the frame rate [G], DOMAIN §3.3 item 5).

The measurement is range and bearing with Gaussian noise, turned into a Cartesian
point and covariance by the fusion core's conversions
(`sim.ground.measurements`). Subclasses say how Pd falls with range, how the
range is measured and which conversion applies.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
from shapely.geometry import Polygon

from sensors.base import FloatArray, Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    class_evidence,
    default_phase_s,
    foliage_along,
    has_foliage,
    nuisance_times,
)
from sensors.geometry import look_times, sector_intervals, sector_polygon_xy
from sim.ground.keyed import Draws
from sim.ground.specs import CameraSpec, RadarSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Nuisance animals: walking speed, m/s, and mean time in view, s [G].
ANIMAL_SPEED_MPS = 0.5
ANIMAL_DWELL_S = 180.0


def _animal_evidence(person_lik: FloatArray) -> FloatArray:
    """Class likelihood rows of an animal from rows drawn as if it were a person: the
    same declarations with the person and animal columns swapped (the draw that named
    'person' for a person names 'animal' for an animal)."""
    return person_lik[:, [ANIMAL, 1, PERSON]]


class SectorSensor(Sensor):
    """Base of `sensors.radar.Radar` and `sensors.camera.Camera`."""

    def __init__(self, spec: RadarSpec | CameraSpec, terrain: Terrain | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.terrain = terrain
        self.position = np.asarray(spec.position_m, dtype=float)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.revisit_s))
        self._sees_foliage = has_foliage(terrain)

    @abstractmethod
    def pd(self, range_m: FloatArray, t_s: FloatArray, size: int = 1) -> FloatArray:
        """Pd per look in clear line of sight at ranges (n,), m, and times (n,), s, of
        a group of ``size`` persons."""

    @abstractmethod
    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Measured ranges (n,), m, from true ranges (n,) and standard normals (n,)."""

    @abstractmethod
    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Measured range and bearing (n,) → positions (n, 2), m, and covariances
        (n, 2, 2), m²."""

    def p_los(self, foliage_m: FloatArray) -> FloatArray:
        """Probability the sight line gets through ``foliage_m`` (n,) of foliage."""
        return np.exp(-np.asarray(foliage_m, float) / self.spec.foliage_length_m)

    def exposure(self, trajectory: Trajectory) -> FloatArray:
        """Intervals (n, 2), s, when the mover is inside the sector."""
        s = self.spec
        return sector_intervals(trajectory, self.position, s.max_range_m, s.heading_deg,
                                s.fov_deg)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One trial per look inside the sector after ``start_s``. Keyed draws per look
        number k: detection and class (uniforms), range/bearing noise (normals)."""
        spec = self.spec
        t, _ = look_times(self.exposure(trajectory), spec.revisit_s, self.phase_s)
        t = t[t > start_s]
        if len(t) == 0:
            return Reports.empty(self.id)
        k = np.round((t - self.phase_s) / spec.revisit_s).astype(np.int64)
        u2 = draws.uniform(k, 2)
        u, u_class = u2[:, 0], u2[:, 1]
        z = draws.normal(k, 2)
        d = trajectory.position_at(t) - self.position
        range_m = np.hypot(d[:, 0], d[:, 1])
        p = self.pd(range_m, t, size) * self.motion_factor(trajectory.speed_at(t))
        # Line of sight only matters for looks the range law already passes
        # (u < Pd·P_LOS implies u < Pd): the same decisions, far fewer sight lines.
        candidate = u < p
        if self._sees_foliage and self.terrain is not None and candidate.any():
            p = p.copy()
            p[candidate] *= self.p_los(foliage_along(self.terrain, self.position, trajectory,
                                                     t[candidate]))
        detected = u < p
        bearing = np.arctan2(d[:, 1], d[:, 0])
        xy, cov = self._measure(range_m[detected], bearing[detected], z[detected])
        return Reports(self.id, t[detected], xy, cov,
                       np.full(len(xy), truth, dtype=np.int64),
                       class_evidence(PERSON, spec.class_accuracy, u_class)[detected])

    def motion_factor(self, speed_mps: FloatArray) -> FloatArray:
        """Multiplier of Pd for a mover at ``speed_mps`` (n,): 1 (imagers see a still
        target); radars override it (Doppler)."""
        return np.ones(np.shape(speed_mps))

    def _measure(self, range_m: FloatArray, bearing_rad: FloatArray,
                 z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Noisy positions (n, 2) and their covariances (n, 2, 2) from true polar
        coordinates and standard normals ``z`` (n, 2)."""
        r_m = np.abs(self.measured_range_m(range_m, z[:, 0]))
        b_m = bearing_rad + np.radians(self.spec.sigma_bearing_deg) * z[:, 1]
        return self.convert(r_m, b_m)

    def animals(self, end_s: float, rng: np.random.Generator,
                start_s: float = 0.0) -> tuple[list[Trajectory], list[Draws]]:
        """The nuisance animals of [start_s, end_s) and each one's look stream.

        ``nuisance_per_day`` animals (deer, boar, elk [OIG-06-15]) enter the sector per
        day: each appears at a uniform time at a point uniform over the sector's area
        and walks a straight line in a uniform direction at `ANIMAL_SPEED_MPS` for an
        exponential time of mean `ANIMAL_DWELL_S` [G]. Draws: count, times, radius,
        angle, heading, dwell, look-stream keys.
        """
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s)
        n = len(t)
        r = spec.max_range_m * np.sqrt(rng.random(n))
        bearing = np.radians(spec.heading_deg + spec.fov_deg * (rng.random(n) - 0.5))
        heading = 2 * np.pi * rng.random(n)
        dwell = rng.exponential(ANIMAL_DWELL_S, n) + 1.0
        keys = rng.integers(0, 2**63 - 1, n)
        xy0 = self.position + r[:, None] * np.column_stack([np.cos(bearing), np.sin(bearing)])
        step = ANIMAL_SPEED_MPS * dwell[:, None] * np.column_stack([np.cos(heading),
                                                                     np.sin(heading)])
        walks = [Trajectory(np.array([t[i], t[i] + dwell[i]]),
                            np.vstack([xy0[i], xy0[i] + step[i]])) for i in range(n)]
        return walks, [Draws(int(k)) for k in keys]

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """The animals of `animals`, seen look by look like any mover.

        The sensor observes each with its own Pd, line of sight and look clock, so an
        animal seen on several looks makes a track — false tracks at the rate the
        clutter implies — declared as an animal with the sensor's class accuracy.
        """
        parts = []
        for walk, draws in zip(*self.animals(end_s, rng, start_s), strict=True):
            seen = self.observe(walk, -1, draws)
            if len(seen):
                parts.append(Reports(self.id, seen.t_s, seen.xy, seen.cov, seen.truth,
                                     _animal_evidence(seen.class_lik)))
        return Reports.concat(self.id, parts)

    def coverage(self) -> Polygon:
        s = self.spec
        return Polygon(sector_polygon_xy(self.position, s.max_range_m, s.heading_deg, s.fov_deg))
