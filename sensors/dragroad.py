"""Drag roads for sign cutting: a crossing found hours later, a late and coarse alert.

Model (DOMAIN §3.2, [AP-2006] [Tracking-Deming]). A drag road (a strip of ground
smoothed so that footprints show) is inspected by trackers every ``pass_every_s``
(passes at dusk and dawn [Tracking-Deming]) on its own clock ``phase_s + j·period``.
A crossing at time t leaves sign that stays readable for ``sign_life_s``; the first
inspection after t finds it, if no more than ``sign_life_s`` later, with probability
``pd`` (recognising fresh sign). Later inspections do not get a second chance (the
sign is then old and brushed or rained out, a simplification [G]). So for crossings at
uniform times ``P = min(1, τ / T) · pd`` (DOMAIN §3.2).

The report comes at the inspection, at the crossing point (σ along the road
``sigma_along_m``), with a covariance that includes where the group may have walked
since: isotropic ``(1 m/s · age)²/2`` per axis added [G] — late and coarse. Nuisance:
animal sign, found at the next inspection; animals cross at dusk and dawn ×3 [G].
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString

from sensors.base import Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    Conditions,
    NuisanceProfile,
    class_evidence,
    default_phase_s,
    failures,
    nuisance_times,
    up_mask,
)
from sensors.geometry import line_crossings
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import line_sensor
from sim.ground.specs import DragRoadSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Speed used to grow the uncertainty with the sign's age, m/s [G].
SPREAD_SPEED_MPS = 1.0


class DragRoad(Sensor):
    """A drag road built from its `DragRoadSpec`."""

    kind = "dragroad"
    NUISANCE = NuisanceProfile()

    @classmethod
    def from_spec(cls, spec: DragRoadSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> DragRoad:
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: DragRoadSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.line_xy = np.asarray(spec.line, float)
        self._line = LineString(self.line_xy)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.pass_every_s))
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)

    def next_pass(self, t_s: np.ndarray) -> np.ndarray:
        """The first inspection at or after each time (n,), s."""
        p = self.spec.pass_every_s
        return self.phase_s + np.ceil((np.asarray(t_s, float) - self.phase_s) / p) * p

    def _report(self, t_found: np.ndarray, age_s: np.ndarray, xy: np.ndarray, z: np.ndarray,
                u_class: np.ndarray, truth: int, true_class: int) -> Reports:
        spec = self.spec
        arc = shapely.line_locate_point(self._line, shapely.points(xy)) if len(xy) else \
            np.zeros(0)
        arc = np.clip(arc + spec.sigma_along_m * z, 0.0, self._line.length)
        on = shapely.get_coordinates(shapely.line_interpolate_point(self._line, arc))
        on = on.reshape(-1, 2)
        ahead = shapely.get_coordinates(shapely.line_interpolate_point(
            self._line, np.minimum(arc + 1.0, self._line.length))).reshape(-1, 2)
        behind = shapely.get_coordinates(shapely.line_interpolate_point(
            self._line, np.maximum(arc - 1.0, 0.0))).reshape(-1, 2)
        d = ahead - behind
        spread = (SPREAD_SPEED_MPS * age_s) ** 2 / 2
        _, cov = line_sensor(on, np.arctan2(d[:, 1], d[:, 0]),
                             np.sqrt(spec.sigma_along_m**2 + spread), np.sqrt(1.0 + spread))
        return Reports(self.id, t_found, on, cov, np.full(len(t_found), truth, dtype=np.int64),
                       class_evidence(true_class, spec.class_accuracy, u_class))

    def _found(self, t_cross: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t_found = self.next_pass(t_cross)
        fresh = ((t_found - t_cross) <= self.spec.sign_life_s) & up_mask(self.down_s, t_found)
        return t_found, fresh

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """Each crossing found at the next inspection (module docstring), reported if
        that inspection comes after ``start_s``. Keyed draws per crossing time (µs):
        recognition, class; along-road noise."""
        t, xy, _ = line_crossings(trajectory, self.line_xy)
        t_found, fresh = self._found(t)
        key = time_index(t)
        u2 = draws.uniform(key, 2)
        hit = fresh & (u2[:, 0] < self.spec.pd) & (t_found > start_s)
        order = np.argsort(t_found[hit], kind="stable")
        rep = self._report(t_found[hit], (t_found - t)[hit], xy[hit],
                           draws.normal(key, 1)[hit, 0], u2[hit, 1], truth, PERSON)
        return Reports(rep.sensor, rep.t_s[order], rep.xy[order], rep.cov[order],
                       rep.truth[order], rep.class_lik[order])

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Animal sign: time-varying Poisson crossings at uniform points, found at the
        next inspection (if within [start_s, end_s)) with ``pd``. Draws: counts, times,
        arcs, recognition, noise, classes."""
        s = self.spec
        t = nuisance_times(end_s, s.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        n = len(t)
        arc = rng.uniform(0.0, self._line.length, n)
        seen = rng.random(n) < s.pd
        z = rng.standard_normal(n)
        u_class = rng.random(n)
        t_found, fresh = self._found(t)
        keep = seen & fresh
        xy = shapely.get_coordinates(shapely.line_interpolate_point(self._line, arc[keep]))
        order = np.argsort(t_found[keep], kind="stable")
        rep = self._report(t_found[keep], (t_found - t)[keep], xy.reshape(-1, 2), z[keep],
                           u_class[keep], -1, ANIMAL)
        return Reports(rep.sensor, rep.t_s[order], rep.xy[order], rep.cov[order],
                       rep.truth[order], rep.class_lik[order])

    def coverage(self) -> LineString:
        return self._line
