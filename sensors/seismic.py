"""Unattended seismic ground sensors: footsteps within a detection radius.

Model (a documented simplification). A seismic sensor hears a walking group while
it is within ``radius_m`` (10–50 m for people [Evans-2005] [Creare-2009] [G]); it
works under canopy, being ground-coupled, so there is no line of sight [G]. While
the group is inside, the sensor gets one trigger chance every ``revisit_s`` on its
own clock (``phase_s + k·revisit_s``), each succeeding independently with ``pd``
[G]; a chance is an analysis window of the footstep detector (kurtosis of the
signal [Succi-2001]). The report is the sensor's own position: the group is
somewhere within the radius, so the covariance is that of a point uniform on the
disc, r²/4 per axis. Nuisance triggers (cattle, wind, traffic [AZRep-2013]) are a
Poisson process, reported the same way.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from sensors.base import Reports, Sensor
from sensors.common import ANIMAL, PERSON, class_evidence, default_phase_s, nuisance_times
from sensors.geometry import circle_intervals, look_times
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import proximity
from sim.ground.specs import SeismicSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


class Seismic(Sensor):
    """A seismic ground sensor built from its `SeismicSpec`."""

    kind = "seismic"

    @classmethod
    def from_spec(cls, spec: SeismicSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None) -> Seismic:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec)

    def __init__(self, spec: SeismicSpec) -> None:
        self.spec = spec
        self.id = spec.id
        self.position = np.asarray(spec.position_m, dtype=float)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.revisit_s))

    def exposure(self, trajectory: Trajectory) -> np.ndarray:
        """Intervals (n, 2), s, when the mover is within the detection radius."""
        return circle_intervals(trajectory, self.position, self.spec.radius_m)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One chance per clock tick inside the radius after ``start_s``, while the
        mover walks (a group standing still makes no footsteps). A group of ``size``
        is that many independent footstep sources: ``1 − (1 − pd)^size`` per tick [G].
        Keyed draws per tick number k: detection, class."""
        spec = self.spec
        t, _ = look_times(self.exposure(trajectory), spec.revisit_s, self.phase_s)
        t = t[t > start_s]
        k = np.round((t - self.phase_s) / spec.revisit_s).astype(np.int64)
        u2 = draws.uniform(k, 2)
        p_group = 1.0 - (1.0 - spec.pd) ** max(int(size), 1)
        detected = (u2[:, 0] < p_group) & (trajectory.speed_at(t) > 0)
        n = int(detected.sum())
        xy, cov = proximity(np.broadcast_to(self.position, (n, 2)), spec.radius_m)
        return Reports(self.id, t[detected], xy, cov, np.full(n, truth, dtype=np.int64),
                       class_evidence(PERSON, spec.class_accuracy, u2[:, 1])[detected])

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Poisson triggers at uniform times of [start_s, end_s). Draws: count, times,
        classes."""
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s)
        n = len(t)
        u_class = rng.random(n)
        xy, cov = proximity(np.broadcast_to(self.position, (n, 2)), spec.radius_m)
        return Reports(self.id, t, xy, cov, np.full(n, -1, dtype=np.int64),
                       class_evidence(ANIMAL, spec.class_accuracy, u_class))

    def coverage(self) -> Point:
        return Point(self.position).buffer(self.spec.radius_m, quad_segs=16)
