"""Fence-mounted line sensors: one alarm chance per crossing of the line.

Model (a documented simplification). Each time a mover's trajectory crosses the
sensor's polyline the sensor alarms with probability ``pd`` [G], at the crossing
time: a fence-mounted or buried sensor fires when the climb, cut or footsteps start,
so the alarm does not wait for the climb to end. The climb itself (``delay_s``,
~4 s for a well-designed fence [Fence-4s]) delays the *group*: its route stops
``delay_s`` at the line (`sim.ground.routes.Barrier`); the alarm time is the crossing
time, the start of the delay (EASI's detection at the start of a delay element). A
route crossing the line twice gets two independent chances.

The reported position is the crossing point plus Gaussian noise, σ_along along the
line (zoned systems localise to their zone [FiberSenSys], DAS to metres
[OptaSense]) and σ_across across it, so the covariance is the diagonal one rotated
to the direction of the segment crossed.

Light does not matter. Nuisance alarms are a Poisson process at uniform points along
the line with a time-varying rate: wind, rain and hail shake the fence [Tectec] —
+50 % per m/s of wind above 3 m/s, ×3 in rain (hail showers are lumped with rain:
the weather interface has no hail), ×1.5 in snow; animals at dusk and dawn ×3; fence
stiffness gives diurnal patterns too [Peck-1993] [G].
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
    failures,
    nuisance_times,
    up_mask,
)
from sensors.geometry import line_crossings
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import line_sensor
from sim.ground.specs import FenceSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


def climb_start(trajectory: Trajectory, t_s: np.ndarray) -> np.ndarray:
    """The alarm time of each crossing: when the mover reached the line.

    A mover that stops at the line to climb (`sim.ground.routes.Barrier`) stands on it
    for ``delay_s`` and crosses when it moves on; the sensor fires when the climb
    starts, so a crossing that leaves a standing piece is moved back to that piece's
    start.
    """
    out = np.array(t_s, dtype=float)
    times, xy = trajectory.t_s, trajectory.xy
    for i, t in enumerate(out):
        k = int(np.searchsorted(times, t))
        while 0 < k < len(times) and times[k] == out[i] and np.all(xy[k - 1] == xy[k]):
            out[i] = times[k - 1]
            k -= 1
    return out


class Fence(Sensor):
    """A line sensor built from its `FenceSpec`."""

    kind = "fence"
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.5, weather_factor=(1.0, 3.0, 1.0, 1.5))

    @classmethod
    def from_spec(cls, spec: FenceSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Fence:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: FenceSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)
        self.line_xy = np.asarray(spec.line, dtype=float)
        seg = np.diff(self.line_xy, axis=0)
        length = np.hypot(seg[:, 0], seg[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            self._direction = np.nan_to_num(seg / length[:, None])
        self._line = LineString(self.line_xy)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One alarm chance per crossing after ``start_s`` (whatever the group's size:
        the sensor fires on the first climber [G]). Keyed draws per crossing time (µs):
        detection and class (uniforms), noise along/across (normals)."""
        spec = self.spec
        t, xy, segment = line_crossings(trajectory, self.line_xy)
        t = climb_start(trajectory, t)
        later = t > start_s
        if not later.any():
            return Reports.empty(self.id)
        t, xy, segment = t[later], xy[later], segment[later]
        key = time_index(t)
        u2 = draws.uniform(key, 2)
        z = draws.normal(key, 2)
        detected = (u2[:, 0] < spec.pd) & up_mask(self.down_s, t)
        d = self._direction[segment]
        normal = np.column_stack([-d[:, 1], d[:, 0]])
        xy_m = xy + (spec.sigma_along_m * z[:, :1]) * d + (spec.sigma_across_m * z[:, 1:]) * normal
        _, cov = line_sensor(xy_m, np.arctan2(d[:, 1], d[:, 0]), spec.sigma_along_m,
                             spec.sigma_across_m)
        lik = class_evidence(PERSON, spec.class_accuracy, u2[:, 1])
        return Reports(self.id, t[detected], xy_m[detected], cov[detected],
                       np.full(int(detected.sum()), truth, dtype=np.int64), lik[detected])

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Poisson alarms at uniform times of [start_s, end_s) and uniform points along
        the line (no noise: the point is already arbitrary). Draws: count, times, arc
        positions, classes."""
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        n = len(t)
        arc = rng.uniform(0.0, self._line.length, n)
        u_class = rng.random(n)
        up = up_mask(self.down_s, t)
        t, arc, u_class, n = t[up], arc[up], u_class[up], int(up.sum())
        xy = shapely.get_coordinates(shapely.line_interpolate_point(self._line, arc))
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(self.line_xy, axis=0).T))])
        segment = np.clip(np.searchsorted(cum, arc, side="right") - 1, 0, len(cum) - 2)
        d = self._direction[segment]
        _, cov = line_sensor(xy.reshape(-1, 2), np.arctan2(d[:, 1], d[:, 0]),
                             spec.sigma_along_m, spec.sigma_across_m)
        lik = class_evidence(ANIMAL, spec.class_accuracy, u_class)
        return Reports(self.id, t, xy.reshape(-1, 2), cov, np.full(n, -1, dtype=np.int64), lik)

    def coverage(self) -> LineString:
        return self._line
