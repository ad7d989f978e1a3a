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

    def observe(self, trajectory: Trajectory, truth: int,
                rng: np.random.Generator) -> Reports:
        """One chance per clock tick inside the radius. Draws: detection (n,), class (n,)."""
        spec = self.spec
        t, _ = look_times(self.exposure(trajectory), spec.revisit_s, self.phase_s)
        n = len(t)
        u = rng.random(n)
        u_class = rng.random(n)
        detected = u < spec.pd
        k = int(detected.sum())
        xy, cov = proximity(np.broadcast_to(self.position, (k, 2)), spec.radius_m)
        return Reports(self.id, t[detected], xy, cov, np.full(k, truth, dtype=np.int64),
                       class_evidence(PERSON, spec.class_accuracy, u_class)[detected])

    def nuisance(self, duration_s: float, rng: np.random.Generator) -> Reports:
        """Poisson triggers at uniform times. Draws: count, times, classes."""
        spec = self.spec
        t = nuisance_times(duration_s, spec.nuisance_per_day, rng)
        n = len(t)
        u_class = rng.random(n)
        xy, cov = proximity(np.broadcast_to(self.position, (n, 2)), spec.radius_m)
        return Reports(self.id, t, xy, cov, np.full(n, -1, dtype=np.int64),
                       class_evidence(ANIMAL, spec.class_accuracy, u_class))

    def coverage(self) -> Point:
        return Point(self.position).buffer(self.spec.radius_m, quad_segs=16)
