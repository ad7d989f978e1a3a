"""The neighbouring country's border guard as a source of early warnings.

Information exchange with the neighbour (DOMAIN.md §1.3: other NCCs and third
countries feed the national picture) [G]: the neighbour's own surveillance sees a
share ``pd`` of the groups approaching on its side and tells us where and when each
crossed. Each warning is one report, stamped at the group's crossing time, at the
crossing point plus a normal error of ``position_sd_m`` per axis, with person-heavy
class evidence; it travels over the link of source ``neighbour``, whose latency is
the exchange's delay. Revisions of a group's plan make no new warning (the
neighbour saw it only before it crossed). No nuisance: a warning is a human report.

Keyed draws on ``sensor/neighbour/detect/<group>``, index 0: seen or not, and the
two position errors.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from sensors.base import Reports, Sensor
from sim.ground.keyed import Draws
from sim.ground.specs import NEIGHBOUR, NeighbourSpec
from sim.ground.trajectory import Trajectory

#: Class likelihoods of a warning (person, vehicle, animal) [G]: a border guard's
#: report of people, with some doubt.
WARNING_CLASS = (0.8, 0.15, 0.05)


class Neighbour(Sensor):
    """Early warnings of the neighbouring border guard (module docstring)."""

    kind = "neighbour"

    def __init__(self, spec: NeighbourSpec) -> None:
        self.spec = spec
        self.id = NEIGHBOUR

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One warning at the crossing (the trajectory's start), with ``pd``; none for
        a revised plan (``start_s`` after the crossing)."""
        t0 = trajectory.start_s
        if not t0 > start_s or draws.uniform([0], 1)[0, 0] >= self.spec.pd:
            return Reports.empty(self.id)
        sd = self.spec.position_sd_m
        xy = trajectory.xy[0] + sd * draws.normal([0], 2)[0]
        return Reports(self.id, np.array([t0]), xy.reshape(1, 2),
                       (sd**2 * np.eye(2)).reshape(1, 2, 2), np.array([truth], np.int64),
                       np.array([WARNING_CLASS]))

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        return Reports.empty(self.id)

    def coverage(self) -> BaseGeometry:
        return Point()
