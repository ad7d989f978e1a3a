"""Buried fibre read by distributed acoustic sensing (DAS): footsteps near the cable.

Model (a documented simplification). A DAS interrogator senses movement within
``radius_m`` (~10 m) of a buried cable, localised to metres along it [OptaSense];
the cable is buried 0.2–0.4 m [FOTAS]. Each *pass* of a mover within the radius (a
continuous interval, `sensors.geometry.polyline_distance_intervals`) alarms once with
``pd``, at the moment the mover comes within the radius (footsteps start there), and
reports the nearest point of the cable with noise ``sigma_along_m`` along it and the
radius across it (the walker is somewhere within the band) — one alarm per pass, the
sensor zone staying in alarm while the walker is near [G].

Light does not matter; foliage does not either (buried). Snow-covered, frozen ground
shrinks the radius by ``frozen_factor`` (frost and ground water change coupling
[Peck-1993] [G]). Nuisance: traffic on nearby roads and railways [FOTAS], animals at
dusk and dawn ×3, rain ×2, little wind (+10 % per m/s above 3 m/s, buried) [G].
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString

from sensors.base import Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    SNOW,
    Conditions,
    NuisanceProfile,
    class_evidence,
    failures,
    nuisance_times,
    up_mask,
)
from sensors.geometry import polyline_distance_intervals
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import line_sensor
from sim.ground.specs import FibreSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


class Fibre(Sensor):
    """A buried DAS cable built from its `FibreSpec`."""

    kind = "fibre"
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.1, weather_factor=(1.0, 2.0, 1.0, 1.0))

    @classmethod
    def from_spec(cls, spec: FibreSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Fibre:
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: FibreSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.line_xy = np.asarray(spec.line, float)
        self._line = LineString(self.line_xy)
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)

    def _report(self, t: np.ndarray, xy: np.ndarray, z: np.ndarray, u_class: np.ndarray,
                truth: int, true_class: int) -> Reports:
        spec = self.spec
        arc = shapely.line_locate_point(self._line, shapely.points(xy))
        arc = np.clip(arc + spec.sigma_along_m * z, 0.0, self._line.length)
        on = shapely.get_coordinates(shapely.line_interpolate_point(self._line, arc))
        ahead = shapely.get_coordinates(shapely.line_interpolate_point(
            self._line, np.minimum(arc + 1.0, self._line.length)))
        behind = shapely.get_coordinates(shapely.line_interpolate_point(
            self._line, np.maximum(arc - 1.0, 0.0)))
        d = ahead - behind
        _, cov = line_sensor(on.reshape(-1, 2), np.arctan2(d[:, 1], d[:, 0]),
                             spec.sigma_along_m, spec.radius_m)
        return Reports(self.id, t, on.reshape(-1, 2), cov,
                       np.full(len(t), truth, dtype=np.int64),
                       class_evidence(true_class, spec.class_accuracy, u_class))

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One alarm chance per pass within the radius (snow shrinks it at the pass's
        start). Keyed draws per pass start (µs): detection, class; along-line noise."""
        spec = self.spec
        radius = spec.radius_m
        iv = polyline_distance_intervals(trajectory, self.line_xy, radius)
        if len(iv):
            snow = self.conditions.weather(iv[:, 0]) == SNOW
            if snow.any():
                small = polyline_distance_intervals(trajectory, self.line_xy,
                                                    radius * spec.frozen_factor)
                iv = np.vstack([iv[~snow], small[self.conditions.weather(small[:, 0])
                                                 == SNOW]]) if len(small) else iv[~snow]
                iv = iv[np.argsort(iv[:, 0])]
        t = iv[:, 0] if len(iv) else np.zeros(0)
        t = t[(t > start_s) & up_mask(self.down_s, t)]
        key = time_index(t)
        u2 = draws.uniform(key, 2)
        hit = u2[:, 0] < spec.pd
        t = t[hit]
        return self._report(t, trajectory.position_at(t).reshape(-1, 2),
                            draws.normal(key, 1)[hit, 0], u2[hit, 1], truth, PERSON)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Time-varying Poisson alarms at uniform points along the cable; none while
        down. Draws: counts, times, arcs, noise, classes."""
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        arc = rng.uniform(0.0, self._line.length, len(t))
        z = rng.standard_normal(len(t))
        u_class = rng.random(len(t))
        up = up_mask(self.down_s, t)
        xy = shapely.get_coordinates(shapely.line_interpolate_point(self._line, arc[up]))
        return self._report(t[up], xy.reshape(-1, 2), z[up], u_class[up], -1, ANIMAL)

    def coverage(self) -> shapely.Geometry:
        return self._line.buffer(self.spec.radius_m)
