"""Acoustic sensors (microphone arrays): vehicles far, people only close.

Model (a documented simplification). Footsteps are generally not detectable
acoustically [Succi-2001]; vehicles are heard at 200 m – 1 km [G]; a small-aperture
array detected vehicles with Pd 96.7 % and Pfa 2.9 % in field tests [Zu-2017]. The
sensor listens in analysis windows every ``revisit_s``; each *passage* of a mover
within range (a continuous interval) gets one alarm chance ``pd`` at its first window.
Range: ``vehicle_range_m`` for a vehicle, ``person_range_m`` for people on foot
(voices, branches [G]); wind noise dominates [Zu-2017], so the range is divided by
``1 + wind / wind_halving_mps``. Night is quieter: no effect modelled (a simplification;
DOMAIN §2.2 says "better"). The report is a bearing by beamforming
(``sigma_bearing_deg``) and a range guess with 50 % relative error [G].

Movers are groups on foot until intruder group types bring vehicles; `observe` takes
``vehicle=True`` for them. Nuisance (traffic, animals, wind gusts): animals at dusk
and dawn ×3, wind +50 % per m/s above 3 m/s, rain ×2 [Zu-2017] [G].
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from sensors.base import Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    VEHICLE,
    Conditions,
    NuisanceProfile,
    class_evidence,
    default_phase_s,
    failures,
    nuisance_times,
    up_mask,
)
from sensors.geometry import circle_intervals, look_times
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import camera_bearing
from sim.ground.specs import AcousticSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Relative error of the range guess [G].
RANGE_REL_SIGMA = 0.5


class Acoustic(Sensor):
    """A microphone array built from its `AcousticSpec`."""

    kind = "acoustic"
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.5, weather_factor=(1.0, 2.0, 1.0, 1.0))

    @classmethod
    def from_spec(cls, spec: AcousticSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Acoustic:
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: AcousticSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.position = np.asarray(spec.position_m, float)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.revisit_s))
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)

    def range_m(self, t_s: np.ndarray, vehicle: bool = False) -> np.ndarray:
        """Listening range at times ``t_s`` (n,), m, cut by wind."""
        s = self.spec
        calm = s.vehicle_range_m if vehicle else s.person_range_m
        return calm / (1.0 + self.conditions.wind_mps(t_s) / s.wind_halving_mps)

    def _report(self, t: np.ndarray, xy: np.ndarray, z: np.ndarray, u_class: np.ndarray,
                truth: int, true_class: int) -> Reports:
        d = xy - self.position
        r = np.maximum(np.hypot(d[:, 0], d[:, 1]) * (1 + RANGE_REL_SIGMA * z[:, 0]), 1.0)
        b = np.arctan2(d[:, 1], d[:, 0]) + np.radians(self.spec.sigma_bearing_deg) * z[:, 1]
        z_xy, cov = camera_bearing(self.position, b, r, np.radians(self.spec.sigma_bearing_deg),
                                   RANGE_REL_SIGMA)
        return Reports(self.id, t, z_xy, cov, np.full(len(t), truth, dtype=np.int64),
                       class_evidence(true_class, self.spec.class_accuracy, u_class))

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1, vehicle: bool = False) -> Reports:
        """One alarm chance per passage in range, at its first window. Keyed draws per
        window number: detection, class; range and bearing noise."""
        s = self.spec
        calm = s.vehicle_range_m if vehicle else s.person_range_m
        if calm <= 0:
            return Reports.empty(self.id)
        t, interval = look_times(circle_intervals(trajectory, self.position, calm),
                                 s.revisit_s, self.phase_s)
        xy = trajectory.position_at(t).reshape(-1, 2)
        near = (np.hypot(*(xy - self.position).T) <= self.range_m(t, vehicle)) \
            & up_mask(self.down_s, t)
        t, interval, xy = t[near], interval[near], xy[near]
        first = np.r_[True, interval[1:] != interval[:-1]] if len(t) else np.zeros(0, bool)
        t, xy = t[first], xy[first]
        k = np.round((t - self.phase_s) / s.revisit_s).astype(np.int64)
        u2 = draws.uniform(k, 2)
        hit = (u2[:, 0] < s.pd) & (t > start_s)
        return self._report(t[hit], xy[hit], draws.normal(k, 2)[hit], u2[hit, 1], truth,
                            VEHICLE if vehicle else PERSON)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Time-varying Poisson alarms at points uniform on the vehicle-range disc;
        none while down. Draws: counts, times, radius, angle, noise, classes."""
        s = self.spec
        t = nuisance_times(end_s, s.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        n = len(t)
        r = s.vehicle_range_m * np.sqrt(rng.random(n))
        a = 2 * np.pi * rng.random(n)
        z = rng.standard_normal((n, 2))
        u_class = rng.random(n)
        up = up_mask(self.down_s, t)
        xy = self.position + r[:, None] * np.column_stack([np.cos(a), np.sin(a)])
        return self._report(t[up], xy[up], z[up], u_class[up], -1, ANIMAL)

    def coverage(self) -> Point:
        return Point(self.position).buffer(self.spec.vehicle_range_m, quad_segs=16)
