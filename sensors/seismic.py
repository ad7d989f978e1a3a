"""Unattended seismic ground sensors: footsteps within a detection radius.

Model (a documented simplification).

Radius. One walker on plain soil is heard within ``radius_m`` (10–50 m for people
[Evans-2005] [Creare-2009] [G]). The soil scales it (`SOIL_FACTOR`: soil type distorts
and damps footstep signals [Shantaf-2025]; frozen ground couples poorly and snow damps
steps [IJDSN-2013] [G]). A group of n walkers is n incoherent sources: their signal
power adds, and with geometric spreading of surface waves (power ∝ 1/r) the radius
would grow as n; absorption makes it grow far slower. We take
``r(n) = r₁ · n^GROUP_RADIUS_EXPONENT`` with exponent 0.25 [G] (a group of 8 is heard
1.7× as far). The sensor works under canopy, being ground-coupled: no line of sight.

Triggers. While the group is inside and walking, the sensor gets a trigger chance every
``revisit_s`` on its own clock (an analysis window of the footstep detector, kurtosis of
the signal [Succi-2001]), succeeding with ``pd``. Repeated triggers are *one alarm that
stays on*: only a trigger that comes more than ``hold_s`` after the previous one starts
a new alarm and is reported (latched per sensor and mover; two groups at once give two
alarms). The report is the sensor's own position, the group somewhere within the
radius: covariance of a point uniform on the disc, r²/4 per axis — one fix per alarm,
not one per trigger, so a track is not made over-confident at the sensor.

Light does not matter. Nuisance triggers (cattle, wind, traffic [AZRep-2013]; rain
produces signals [IJDSN-2013]): animals at dusk and dawn ×3, wind +30 % per m/s above
3 m/s, rain ×3 [G]; latched like true triggers.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from sensors.base import Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    Conditions,
    NuisanceProfile,
    class_evidence,
    default_phase_s,
    failures,
    field_key,
    nuisance_times,
    up_mask,
)
from sensors.geometry import circle_intervals, look_times
from sim.ground import prebuilt
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import proximity
from sim.ground.specs import SeismicSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Radius multiplier by soil [Shantaf-2025] [IJDSN-2013] [G].
SOIL_FACTOR = {"soil": 1.0, "grass": 0.9, "sand": 0.7, "mud": 0.8, "asphalt": 1.2,
               "frozen": 0.6}
#: r(n) = r₁ · n^GROUP_RADIUS_EXPONENT [G].
GROUP_RADIUS_EXPONENT = 0.25
#: The wedge edges `sensors.sector._wedge` gives a full circle (none read).
_NO_WEDGE = np.zeros(4)


def latch(t_s: np.ndarray, hold_s: float) -> np.ndarray:
    """Mask (n,) of the triggers at sorted times ``t_s`` that start an alarm: the first,
    and each more than ``hold_s`` after the previous trigger."""
    t = np.asarray(t_s, float)
    keep = np.ones(len(t), dtype=bool)
    if len(t) > 1:
        keep[1:] = np.diff(t) > hold_s
    return keep


class Seismic(Sensor):
    """A seismic ground sensor built from its `SeismicSpec`."""

    kind = "seismic"
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.3, weather_factor=(1.0, 3.0, 1.0, 1.0))

    @classmethod
    def from_spec(cls, spec: SeismicSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Seismic:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: SeismicSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.position = np.asarray(spec.position_m, dtype=float)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.revisit_s))
        field = draws if draws is not None else field_key(spec.id)
        self.down_s, self.health_delay_s = failures(spec, duration_s, field)
        #: one alarm's fix (`proximity` at the sensor, a single walker's radius),
        #: (1, 2) and (1, 2, 2): every nuisance alarm's, repeated
        self._alarm_fix = proximity(self.position[None], self.radius_m())
        self._kernels = prebuilt.load()

    def radius_m(self, size: int = 1) -> float:
        """Detection radius for a group of ``size`` walkers, m."""
        return (self.spec.radius_m * SOIL_FACTOR[self.spec.soil]
                * max(int(size), 1) ** GROUP_RADIUS_EXPONENT)

    def reach_disc(self, size: int = 1) -> tuple[float, float, float]:
        """The detection circle: a group beyond it never triggers the sensor."""
        x, y = self.position.tolist()
        return (x, y, self.radius_m(size))

    def exposure(self, trajectory: Trajectory, size: int = 1) -> np.ndarray:
        """Intervals (n, 2), s, when the mover is within the detection radius."""
        return circle_intervals(trajectory, self.position, self.radius_m(size))

    def look_times(self, trajectory: Trajectory, size: int = 1) -> np.ndarray:
        """The ticks (n,), s, at which the mover is within the detection radius
        (`exposure`): by the compiled looks of a full-circle sector where they are
        built (``sector_looks``, kind 0: the same intervals as `circle_intervals`,
        bit for bit), else `sensors.geometry.look_times`."""
        spec = self.spec
        if self._kernels is not None:
            t, _ = self._kernels.sector_looks(
                np.ascontiguousarray(trajectory.t_s), trajectory.xy.reshape(-1),
                self.position, float(self.radius_m(size)), 0, _NO_WEDGE,
                float(spec.revisit_s), float(self.phase_s))
            return t
        return look_times(self.exposure(trajectory, size), spec.revisit_s, self.phase_s)[0]

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """The onsets of alarms after ``start_s`` (module docstring). Keyed draws per
        tick number k: trigger, class. Triggers before ``start_s`` are computed too,
        so an alarm already on stays on across a revision."""
        spec = self.spec
        t = self.look_times(trajectory, size)
        if len(self.down_s):
            t = t[up_mask(self.down_s, t)]
        if not len(t):                    # never in range while up: no alarm
            return Reports.empty(self.id)
        k = np.round((t - self.phase_s) / spec.revisit_s).astype(np.int64)
        u2 = draws.uniform(k, 2)
        trig = (u2[:, 0] < spec.pd) & (trajectory.speed_at(t) > 0)
        t, u_class = t[trig], u2[trig, 1]
        onset = latch(t, spec.hold_s) & (t > start_s)
        n = int(onset.sum())
        if not n:
            return Reports.empty(self.id)
        r = self.radius_m(size)
        xy, cov = proximity(np.broadcast_to(self.position, (n, 2)), r)
        return Reports(self.id, t[onset], xy, cov, np.full(n, truth, dtype=np.int64),
                       class_evidence(PERSON, spec.class_accuracy, u_class[onset]))

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Poisson triggers with the class's time-varying rate, latched into alarms;
        none while down. Draws: counts, times, classes."""
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        u_class = rng.random(len(t))
        if not len(t):                  # a quiet day (most sensors' most days)
            return Reports.empty(self.id)
        keep = latch(t, spec.hold_s) & up_mask(self.down_s, t)
        t, u_class = t[keep], u_class[keep]
        n = len(t)
        xy, cov = self._alarm_fix
        return Reports(self.id, t, np.repeat(xy, n, axis=0), np.repeat(cov, n, axis=0),
                       np.full(n, -1, dtype=np.int64),
                       class_evidence(ANIMAL, spec.class_accuracy, u_class))

    def coverage(self) -> Point:
        return Point(self.position).buffer(self.radius_m(), quad_segs=16)
