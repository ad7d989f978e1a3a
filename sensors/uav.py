"""A small UAV with an EO/IR gimbal camera: sorties, weather limits, a look from above.

Flight. A sortie leaves the base, flies straight at ``speed_mps`` to its station,
stays there and flies back so that it lands after ``endurance_s``; the UAV then needs
``turnaround_s`` on the ground. It does not take off, and a sortie in the air turns
home at once, while it is *grounded*: wind above ``max_wind_mps``, visibility below
``min_visibility_m`` (fog), rain or snow unless ``flies_in_rain`` (small UAVs are
"grounded by weather often" [OIG-15-17]; limits [G]). Conditions come from the run's
`Daylight` (its weather), so a fog timeline grounds it.

- ``mode: orbit``: sorties back to back from t = 0 (each after the turnaround, or
  once the weather allows), the station an orbit of ``orbit_radius_m`` round
  ``orbit_centre_m`` flown at ``speed_mps``. On station it looks every ``revisit_s``
  like a camera looking down (`observe`).
- ``mode: alert``: it waits at the base; an operator launches it to an alert with a
  `sim.ground.field.UAVTask` (`task`), the world answers when it will be overhead,
  and the operator looks through it (`recognition_p`). It hovers there for
  ``loiter_s`` (or until its endurance calls it home), then returns.

Detection and recognition per look follow the Johnson/TTPF curve of the slant range
R = √(d² + altitude²) (`sensors.camera.ttpf` of r50 / R): thermal, so day and night
alike [G]. Canopy occludes [AOS-2022]: the line from overhead crosses the canopy of
the target's cell over (c − 1.7 m) / (altitude − 1.7 m) of its length (a uniform
slab at the target: neighbouring cells are ignored, simplification [G]), weighted by
the foliage density, and ``P_LOS = exp(−canopy metres / foliage_length_m)``. Reports:
the target's position plus ``sigma_m`` per axis (GNSS and gimbal pointing).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from sensors.base import FloatArray, Reports, Sensor
from sensors.camera import ttpf
from sensors.common import PERSON, class_evidence, default_phase_s
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import position_fix
from sim.ground.specs import UAVSpec
from sim.ground.terrain import PERSON_HEIGHT_M, Terrain
from sim.ground.trajectory import Trajectory

#: Step (s) at which the weather is checked for take-off and for turning home.
WEATHER_STEP_S = 300.0


class UAV(Sensor):
    """A UAV built from its `UAVSpec`, the terrain and the run's daylight."""

    kind = "uav"

    def __init__(self, spec: UAVSpec, terrain: Terrain | None, daylight: Daylight | None,
                 duration_s: float) -> None:
        self.spec = spec
        self.id = spec.id
        self.terrain = terrain
        self.daylight = daylight
        self.duration_s = float(duration_s)
        self.base = np.asarray(spec.base_m, float)
        self.phase_s = default_phase_s(spec.id, spec.revisit_s)
        #: (launch, on station, leave station, landed, station x, station y) per sortie
        self.sorties: list[tuple[float, float, float, float, float, float]] = []
        self.ready_s = 0.0
        if spec.mode == "orbit":
            self._plan_orbits()

    # ------------------------------------------------------------------ flight
    def grounded(self, t_s: float | FloatArray) -> NDArray[np.bool_]:
        """True at times ``t_s`` when the weather keeps the UAV on the ground."""
        t = np.asarray(t_s, float)
        if self.daylight is None:
            return np.zeros(t.shape, dtype=bool)
        s = self.spec
        wet = np.isin(self.daylight.weather(t), (1, 3)) & (not s.flies_in_rain)
        return ((self.daylight.wind_mps(t) > s.max_wind_mps)
                | (self.daylight.visibility_m(t) < s.min_visibility_m) | wet)

    def _next_flyable(self, t_s: float, until_s: float) -> float | None:
        """The first time from ``t_s`` (on the weather step) when it may take off."""
        grid = np.arange(t_s, until_s, WEATHER_STEP_S)
        if not len(grid):
            return None
        ok = ~self.grounded(grid)
        return float(grid[int(np.argmax(ok))]) if ok.any() else None

    def _sortie(self, launch_s: float, station: FloatArray, stay_s: float = np.inf
                ) -> tuple[float, float, float, float, float, float]:
        """A sortie from ``launch_s`` to ``station`` staying at most ``stay_s`` there,
        cut short by the endurance and the weather."""
        s = self.spec
        transit = float(np.hypot(*(station - self.base))) / s.speed_mps
        on = launch_s + transit
        leave = min(launch_s + s.endurance_s - transit, on + stay_s)
        grid = np.arange(launch_s, leave, WEATHER_STEP_S)
        if len(grid):
            bad = self.grounded(grid)
            if bad.any():
                leave = min(leave, max(float(grid[int(np.argmax(bad))]), on))
        leave = max(leave, on)
        return (launch_s, on, leave, leave + transit, float(station[0]), float(station[1]))

    def _plan_orbits(self) -> None:
        s = self.spec
        assert s.orbit_centre_m is not None
        centre = np.asarray(s.orbit_centre_m, float)
        transit = float(np.hypot(*(centre - self.base))) / s.speed_mps
        if 2 * transit >= s.endurance_s:
            return                                  # it cannot reach its orbit and return
        t = 0.0
        while t < self.duration_s:
            launch = self._next_flyable(t, self.duration_s)
            if launch is None:
                break
            sortie = self._sortie(launch, centre)
            self.sorties.append(sortie)
            t = max(sortie[3] + s.turnaround_s, launch + WEATHER_STEP_S)

    def task(self, xy: FloatArray, now_s: float) -> float | None:
        """Launch to ``xy`` now (alert mode): when it will be overhead, or None when it
        cannot fly (grounded, in the air, turning round, or out of reach)."""
        s = self.spec
        if s.mode != "alert" or now_s < self.ready_s or bool(self.grounded(now_s)):
            return None
        xy = np.asarray(xy, float)
        if 2 * float(np.hypot(*(xy - self.base))) / s.speed_mps >= s.endurance_s:
            return None
        sortie = self._sortie(now_s, xy, s.loiter_s)
        self.sorties.append(sortie)
        self.ready_s = sortie[3] + s.turnaround_s
        return sortie[1] if sortie[2] > sortie[1] else None

    def position(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Ground position (n, 2) at times ``t_s`` (n,) and whether it is on station
        then (n,). Off station the position is meaningless."""
        t = np.asarray(t_s, float).reshape(-1)
        xy = np.zeros((len(t), 2))
        on = np.zeros(len(t), dtype=bool)
        s = self.spec
        for _, t_on, t_off, _, sx, sy in self.sorties:
            inside = (t >= t_on) & (t < t_off)
            if not inside.any():
                continue
            on |= inside
            if s.mode == "orbit":
                w = s.speed_mps / s.orbit_radius_m
                ang = w * (t[inside] - t_on)
                xy[inside] = np.column_stack([sx + s.orbit_radius_m * np.cos(ang),
                                              sy + s.orbit_radius_m * np.sin(ang)])
            else:
                xy[inside] = (sx, sy)
        return xy, on

    # ------------------------------------------------------------------- looks
    def p_los(self, target_xy: FloatArray, slant_m: FloatArray) -> FloatArray:
        """Probability the line of slant length ``slant_m`` (n,) from the UAV clears the
        canopy at ``target_xy`` (n, 2) (module docstring)."""
        if self.terrain is None:
            return np.ones(len(np.asarray(target_xy).reshape(-1, 2)))
        r = self.terrain.raster
        i, j = r.index(target_xy)
        rise = max(self.spec.altitude_m - PERSON_HEIGHT_M, 1e-6)
        under = np.clip(r.canopy[i, j] - PERSON_HEIGHT_M, 0.0, rise) / rise
        canopy_m = r.foliage[i, j] * under * np.asarray(slant_m, float)
        return np.exp(-canopy_m / self.spec.foliage_length_m)

    def _slant(self, uav_xy: FloatArray, target_xy: FloatArray) -> FloatArray:
        d = np.asarray(target_xy, float) - np.asarray(uav_xy, float)
        return np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2 + self.spec.altitude_m ** 2)

    def detect_p(self, uav_xy: FloatArray, target_xy: FloatArray) -> FloatArray:
        """Pd per look from ``uav_xy`` of persons at ``target_xy`` (n, 2)."""
        r = self._slant(uav_xy, target_xy)
        p = ttpf(self.spec.r50_m / r) * self.p_los(target_xy, r)
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def recognition_p(self, target_xy: FloatArray, t_s: float) -> FloatArray:
        """Probability an operator recognises persons at ``target_xy`` (n, 2) at
        ``t_s`` through the UAV (0 when it is not on station then)."""
        tgt = np.asarray(target_xy, float).reshape(-1, 2)
        xy, on = self.position(np.array([t_s]))
        if not on[0]:
            return np.zeros(len(tgt))
        r = self._slant(xy[0], tgt)
        p = ttpf(self.spec.recognition_r50_m / r) * self.p_los(tgt, r)
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """Looks every ``revisit_s`` on station (orbit sorties planned so far). Keyed
        draws per look number: detection and class (uniforms), position noise."""
        s = self.spec
        lo, hi = max(trajectory.start_s, start_s), trajectory.end_s
        spans = [(max(a, lo), min(b, hi)) for _, a, b, *_ in self.sorties
                 if b > lo and a < hi]
        if s.mode != "orbit" or not spans:
            return Reports.empty(self.id)
        k = np.concatenate([np.arange(np.ceil((a - self.phase_s) / s.revisit_s),
                                      np.ceil((b - self.phase_s) / s.revisit_s))
                            for a, b in spans]).astype(np.int64)
        t = np.asarray(self.phase_s + k * s.revisit_s, dtype=np.float64)
        keep = (t > start_s) & (t >= trajectory.start_s) & (t <= trajectory.end_s)
        t, k = t[keep], k[keep]
        if not len(t):
            return Reports.empty(self.id)
        uav_xy, on = self.position(t)
        target = trajectory.position_at(t)
        p = np.where(on, self.detect_p(uav_xy, target), 0.0)
        u = draws.uniform(k, 2)
        seen = u[:, 0] < p
        if not seen.any():
            return Reports.empty(self.id)
        z = draws.normal(k[seen], 2)
        noisy = target[seen] + s.sigma_m * z
        var = np.full(len(noisy), s.sigma_m ** 2)
        xy, cov = position_fix(noisy[:, 0], noisy[:, 1], var, var)
        return Reports(self.id, t[seen], xy, cov, np.full(int(seen.sum()), truth,
                                                          dtype=np.int64),
                       class_evidence(PERSON, s.class_accuracy, u[seen, 1]))

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """None: an operator watches the feed (nuisance is "operator-dependent",
        DOMAIN.md §2 [G])."""
        return Reports.empty(self.id)

    def coverage(self) -> BaseGeometry:
        s = self.spec
        centre = s.orbit_centre_m if s.orbit_centre_m is not None else s.base_m
        reach = np.sqrt(max(s.max_range_m ** 2 - s.altitude_m ** 2, 0.0))
        return Point(centre).buffer(reach + (s.orbit_radius_m if s.mode == "orbit" else 0))
